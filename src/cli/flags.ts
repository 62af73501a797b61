import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './cli-error.js';

/** Refuses a flag given an empty value (`--client-id ""`, `--role ""`): a usage error naming it. */
export function refuseEmptyFlags(values: Record<string, string | boolean | Array<string | boolean> | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    const given = Array.isArray(value) ? value : [value];
    if (given.some((one) => typeof one === 'string' && one.trim() === '')) throw usageError(`--${name} must not be empty`);
  }
}

/** The one positional argument a command takes (`rotor clients show ID`), or a usage error. */
export function onePositional(positionals: string[], usage: string): string {
  const [value, ...extra] = positionals;
  if (value === undefined || value.trim() === '' || extra.length > 0) throw usageError(`usage: ${usage}`);
  return value;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `node:util` parseArgs, strict, with positionals, and with its errors made one usage line (exit
 * 2): an unknown flag, a flag without its value (`--client-id -5` reads as one), and an empty
 * value (an unset shell variable must never mean "the default", as `--compromised ""` would).
 */
export function parseFlags<T extends Options>(args: string[], options: T) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    const { code, message } = err as { code?: string; message: string };
    if (!code?.startsWith('ERR_PARSE_ARGS')) throw err;
    throw usageError(message.split('\n').map((line) => line.trim()).filter(Boolean).join(' '));
  }
  refuseEmptyFlags(parsed.values as Record<string, string | boolean | Array<string | boolean> | undefined>);
  return parsed;
}
