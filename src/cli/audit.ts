import { parseFlags } from './flags.js';
import { CliError, usageError } from './cli-error.js';
import type { CliContext } from './context.js';

/** `rotor audit verify`: exit 0 when the hash chain is intact, 1 (with the first bad event) otherwise. */
export async function auditCommand(args: string[], open: () => Promise<CliContext>): Promise<void> {
  const [action, ...rest] = args;
  parseFlags(rest, { json: { type: 'boolean' } });
  if (action !== 'verify') throw usageError(`unknown audit command ${JSON.stringify(action ?? '')}; try: rotor audit verify`);
  const ctx = await open();
  const result = await ctx.controls().auditLog.verify();
  if (result.ok) return ctx.out(`audit log intact: ${result.checked} events verified`, result);
  if (ctx.json) ctx.out('', result);
  throw new CliError(`audit log broken at event ${result.firstBad!.seq}: ${result.firstBad!.problem} (${result.checked} events verified before it)`);
}
