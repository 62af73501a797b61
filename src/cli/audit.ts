import { resolve } from 'node:path';
import { parseFlags } from './flags.js';
import { CliError, usageError } from './cli-error.js';
import type { CliContext } from './context.js';
import { AnchorFileError } from '../audit/anchor-file.js';

/**
 * `rotor audit verify [--anchors FILE]`: exit 0 when the chain is intact and reaches the newest
 * anchor of FILE (default `audit.anchorFile`) with the same hash; 1, naming the problem, otherwise.
 */
export async function auditCommand(args: string[], open: () => Promise<CliContext>): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parseFlags(rest, { json: { type: 'boolean' }, anchors: { type: 'string' } });
  if (action !== 'verify' || positionals.length > 0) throw usageError(`unknown audit command ${JSON.stringify([action ?? '', ...positionals].join(' '))}; try: rotor audit verify [--anchors FILE]`);
  const ctx = await open();
  const result = await ctx.controls().verifyAudit(values.anchors === undefined ? undefined : resolve(values.anchors)).catch((err: unknown) => {
    throw err instanceof AnchorFileError ? new CliError(err.message) : err;
  });
  const anchored = result.anchor ? `, up to the anchor of event ${result.anchor.seq}` : '';
  if (result.ok) return ctx.out(`audit log intact: ${result.checked} events verified${anchored}`, result);
  if (ctx.json) ctx.out('', result);
  // A broken chain's problem starts with `event N: `, which the message says first.
  const where = result.firstBad ? ` at event ${result.firstBad.seq}` : '';
  const problem = result.firstBad ? result.problem!.slice(`event ${result.firstBad.seq}: `.length) : result.problem!;
  throw new CliError(`audit log broken${where}: ${problem} (${result.checked} events checked)`);
}
