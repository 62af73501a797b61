import { describeClient } from '../lifecycle/describe-client.js';
import { CliError, usageError } from './cli-error.js';
import { onePositional, parseFlags } from './flags.js';
import { addClient } from './clients-add.js';
import { cliLifecycle, refusalsAsCliErrors } from './lifecycle.js';
import type { CliContext } from './context.js';

const USAGE = 'rotor clients add --client-id ID --scope "a b" [...] | list | show ID | remove ID [--reason R] | rotate-secret ID [--reason R]';

function parse(args: string[], withReason: boolean) {
  const { values, positionals } = parseFlags(args, { json: { type: 'boolean' }, ...(withReason ? { reason: { type: 'string' } } : {}) });
  return { reason: typeof values.reason === 'string' ? values.reason : undefined, positionals };
}

/** `rotor clients add|list|show|remove|rotate-secret`: no listing ever shows a secret. */
export async function clientsCommand(args: string[], open: () => Promise<CliContext>): Promise<void> {
  const [action, ...rest] = args;
  if (action === 'add') return addClient(rest, open);
  if (action === 'list') {
    const { positionals } = parse(rest, false);
    if (positionals.length > 0) throw usageError('usage: rotor clients list');
    const ctx = await open();
    const clients = (await ctx.store.clients.list()).map(describeClient);
    const lines = clients.map((client) => `${client.client_id}  ${client.public ? 'public' : 'confidential'}  grants: ${client.grant_types?.join(',') ?? ''}  scope: ${client.scope ?? ''}`);
    return ctx.out(lines.length > 0 ? lines.join('\n') : 'no clients', { clients });
  }
  if (action === 'show') {
    const id = onePositional(parse(rest, false).positionals, 'rotor clients show ID');
    const ctx = await open();
    const view = await ctx.store.clients.describe(id);
    if (!view) throw new CliError(`no client ${id}`);
    const client = describeClient(view);
    return ctx.out(Object.entries(client).map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(' ') : String(value)}`).join('\n'), client);
  }
  if (action === 'remove') {
    const { reason, positionals } = parse(rest, true);
    const id = onePositional(positionals, 'rotor clients remove ID [--reason R]');
    const ctx = await open();
    const { artifacts } = await refusalsAsCliErrors(() => cliLifecycle(ctx).removeClient(ctx.principal, id, reason));
    return ctx.out(`client ${id} removed; ${artifacts} grants, tokens and other artifacts deleted`, { client_id: id, removed: true, artifactsDeleted: artifacts });
  }
  if (action === 'rotate-secret') {
    const { reason, positionals } = parse(rest, true);
    const id = onePositional(positionals, 'rotor clients rotate-secret ID [--reason R]');
    const ctx = await open();
    const secret = await refusalsAsCliErrors(() => cliLifecycle(ctx).rotateClientSecret(ctx.principal, id, reason));
    return ctx.out(`client ${id} has a new secret (shown once): ${secret}\nthe old secret no longer works`, { client_id: id, client_secret: secret });
  }
  throw usageError(`unknown clients command ${JSON.stringify(action ?? '')}; ${USAGE}`);
}
