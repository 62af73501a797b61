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
