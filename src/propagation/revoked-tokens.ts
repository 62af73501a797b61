import type { Redis } from 'ioredis';
import type { Logger } from '../logging/create-logger.js';
import type { RevokedToken } from './catalog-channel.js';

/** The sorted set (score: `exp`) of access tokens reported as leaked and not expired yet. */
const revokedTokensKey = (prefix: string): string => `${prefix}:revoked-tokens`;

/**
 * Keeps reported access tokens in Redis until they expire, so an instance that starts after a
 * report still tells its `/jwks/events` listeners. Best effort, like the announcement: a token
 * lives minutes, and a listener already connected heard of it when it was reported.
 */
export async function rememberRevokedTokens(redis: Redis, prefix: string, tokens: readonly RevokedToken[], logger: Logger): Promise<void> {
  if (tokens.length === 0) return;
  const key = revokedTokensKey(prefix);
  const lastExp = Math.max(...tokens.map((token) => token.exp));
  try {
    await redis.multi()
      .zadd(key, ...tokens.flatMap((token) => [token.exp, token.jti]))
      .zremrangebyscore(key, '-inf', Math.floor(Date.now() / 1000))
      .expireat(key, lastExp, 'GT')
      .expireat(key, lastExp, 'NX')
      .exec();
  } catch (err) {
    logger.warn('cannot keep reported access tokens in Redis; instances started later will not repeat them', { error: (err as Error).message });
  }
}

/** The reported access tokens that have not expired, for an instance starting up. */
export async function loadRevokedTokens(redis: Redis, prefix: string, logger: Logger): Promise<RevokedToken[]> {
  try {
    const flat = await redis.zrangebyscore(revokedTokensKey(prefix), `(${Math.floor(Date.now() / 1000)}`, '+inf', 'WITHSCORES');
    const tokens: RevokedToken[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) tokens.push({ jti: flat[i]!, exp: Number(flat[i + 1]) });
    return tokens;
  } catch (err) {
    logger.warn('cannot read reported access tokens from Redis; this instance repeats only those reported from now on', { error: (err as Error).message });
    return [];
  }
}
