import { onePositional, parseFlags } from './flags.js';
import { describeKey } from '../keys/describe-key.js';
import { CatalogOperationError } from '../catalog/operation-error.js';
import { checkAlgorithm } from '../catalog/rotate.js';
import type { DryRun } from '../catalog/key-operations.js';
import { outcomeJson, type EmergencyOutcome } from '../catalog/emergency-workflow.js';
import { CliError, usageError } from './cli-error.js';
import type { CliContext } from './context.js';

const OPTIONS = {
  json: { type: 'boolean' }, alg: { type: 'string' }, reason: { type: 'string' }, compromised: { type: 'string' }, 'promote-pending': { type: 'boolean' }, 'dry-run': { type: 'boolean' },
} as const;

const USAGE = 'rotor keys list | rotate [--alg A] [--reason R] | rollover --reason R [--compromised KID] [--alg A] [--promote-pending] | revoke KID --reason R | approve REQUEST --reason R  (rotate, rollover, revoke take --dry-run)';

async function asCliError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof CatalogOperationError) throw new CliError(err.message);
    throw err;
  }
}

function describeDryRun(result: DryRun): string {
  const lines = result.changes.map((change) => `  ${change.kid} (${change.alg || 'new'}): ${change.from ?? 'none'} -> ${change.to}${change.activatesAt ? `, signs from ${change.activatesAt}` : ''}`);
  return [`dry run against catalog version ${result.version}; nothing changed. Would change:`, ...lines, `live grants: ${result.liveGrants}`].join('\n');
}

function describeOutcome(outcome: EmergencyOutcome): string {
  if (outcome.kind === 'pending') return `request ${outcome.requestId} is waiting for a second approver until ${outcome.expiresAt.toISOString()}: rotor keys approve ${outcome.requestId} --reason R`;
  if (outcome.kind === 'dry-run') return describeDryRun(outcome.dryRun);
  const active = outcome.activeKid ? `; ${outcome.activeKid} signs now` : '';
  return `revoked ${outcome.revokedKids.join(', ')}${active} (catalog version ${outcome.version})`;
}

async function list(ctx: CliContext): Promise<void> {
  const catalog = (await ctx.store.catalog.load()) ?? { version: 0, keys: [] };
  const keys = catalog.keys.map(describeKey);
  const lines = keys.map((key) => `${key.kid}  ${key.alg.padEnd(6)} ${key.state.padEnd(8)} activates ${key.activatesAt}  retires ${key.retiresAt}  removed ${key.removesAt}`);
  ctx.out([`catalog version ${catalog.version}`, ...lines].join('\n'), { version: catalog.version, keys });
}

/** `rotor keys list|rotate|rollover|revoke|approve` */
export async function keysCommand(args: string[], open: () => Promise<CliContext>): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parseFlags(rest, OPTIONS);
  const needReason = (): string => {
    if (!values.reason || values.reason.trim().length < 3) throw usageError(`--reason is required: say why (rotor keys ${action} ... --reason "...")`);
    return values.reason;
  };
  if (action !== 'revoke' && action !== 'approve' && positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}; usage: ${USAGE}`);
  if (action === 'list') return list(await open());
  if (action === 'rotate') {
    const ctx = await open();
    const alg = await asCliError(async () => checkAlgorithm(ctx.settings.keys, values.alg ?? ctx.settings.keys.algorithms[0]!));
    const result = await asCliError(() => ctx.controls().operations.rotate(ctx.principal, { alg, reason: values.reason, dryRun: values['dry-run'] }));
    if ('dryRun' in result) return ctx.out(describeDryRun(result), result);
    return ctx.out(`key ${result.key.kid} (${result.key.alg}) is pending; it signs from ${result.key.activatesAt.toISOString()} (catalog version ${result.catalog.version})`, { version: result.catalog.version, key: describeKey(result.key) });
  }
  if (action === 'rollover') {
    const reason = needReason();
    const ctx = await open();
    const alg = values.alg ? await asCliError(async () => checkAlgorithm(ctx.settings.keys, values.alg!)) : undefined;
    const outcome = await asCliError(() => ctx.controls().emergency.request(ctx.principal, 'rollover', { alg, compromisedKid: values.compromised, promotePending: values['promote-pending'] }, reason, values['dry-run']));
    return ctx.out(describeOutcome(outcome), outcomeJson(outcome));
  }
  if (action === 'revoke' || action === 'approve') {
    const id = onePositional(positionals, action === 'revoke' ? 'rotor keys revoke KID --reason R [--dry-run]' : 'rotor keys approve REQUEST --reason R');
    const reason = needReason();
    const ctx = await open();
    const outcome = await asCliError(() => (action === 'revoke'
      ? ctx.controls().emergency.request(ctx.principal, 'revoke', { kid: id }, reason, values['dry-run'])
      : ctx.controls().emergency.approve(ctx.principal, id, reason)));
    return ctx.out(describeOutcome(outcome), outcomeJson(outcome));
  }
  throw usageError(`unknown keys command ${JSON.stringify(action ?? '')}; ${USAGE}`);
}
