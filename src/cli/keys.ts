import { parseArgs } from 'node:util';
import type { KeyRecord } from '../keys/catalog.js';
import { CliError, usageError } from './cli-error.js';
import { ALGORITHMS, type Algorithm } from '../settings/schema.js';
import { CatalogOperationError, rotateNow } from '../catalog/rotate.js';
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

async function rotate(ctx: CliContext, alg: string | undefined, reason: string | undefined): Promise<void> {
  const family = alg ?? ctx.settings.keys.algorithms[0]!;
  if (!(ALGORITHMS as readonly string[]).includes(family)) throw usageError(`--alg ${family}: use one of ${ALGORITHMS.join(', ')}`);
  try {
    const { catalog, key } = await rotateNow(ctx.store.catalog, ctx.settings.keys, ctx.kek, family as Algorithm, reason, () => new Date());
    await ctx.announce(catalog.version);
    ctx.out(`key ${key.kid} (${key.alg}) is pending; it signs from ${key.activatesAt.toISOString()} (catalog version ${catalog.version})`, { version: catalog.version, key: describeKey(key) });
  } catch (err) {
    if (err instanceof CatalogOperationError) throw new CliError(err.message);
    throw err;
  }
}

/** `rotor keys list`, `rotor keys rotate [--alg A] [--reason R]` */
export async function keysCommand(args: string[], open: () => Promise<CliContext>): Promise<void> {
  const [action, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' }, alg: { type: 'string' }, reason: { type: 'string' } }, strict: true });
  if (action === 'list') return list(await open());
  if (action === 'rotate') return rotate(await open(), values.alg, values.reason);
  throw usageError(`unknown keys command ${JSON.stringify(action ?? '')}; try: rotor keys list`);
}
