import { parseArgs } from 'node:util';
import type { KeyRecord } from '../keys/catalog.js';
import { usageError } from './cli-error.js';
import type { CliContext } from './context.js';

/** The admin view of a key: times as ISO 8601, never the private part. */
export function describeKey(key: KeyRecord) {
  return {
    kid: key.kid,
    alg: key.alg,
    state: key.state,
    createdAt: key.createdAt.toISOString(),
    activatesAt: key.activatesAt.toISOString(),
    retiresAt: key.retiresAt.toISOString(),
    removesAt: key.removesAt.toISOString(),
    ...(key.revokedAt ? { revokedAt: key.revokedAt.toISOString() } : {}),
    ...(key.reason ? { reason: key.reason } : {}),
  };
}

async function list(ctx: CliContext): Promise<void> {
  const catalog = (await ctx.store.catalog.load()) ?? { version: 0, keys: [] };
  const keys = catalog.keys.map(describeKey);
  const lines = keys.map((key) => `${key.kid}  ${key.alg.padEnd(6)} ${key.state.padEnd(8)} activates ${key.activatesAt}  retires ${key.retiresAt}  removed ${key.removesAt}`);
  ctx.out([`catalog version ${catalog.version}`, ...lines].join('\n'), { version: catalog.version, keys });
}

/** `rotor keys list` */
export async function keysCommand(args: string[], open: () => Promise<CliContext>): Promise<void> {
  const [action, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } }, strict: true });
  void values;
  if (action === 'list') return list(await open());
  throw usageError(`unknown keys command ${JSON.stringify(action ?? '')}; try: rotor keys list`);
}
