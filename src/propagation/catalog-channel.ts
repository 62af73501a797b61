import type { Redis } from 'ioredis';
import type { Logger } from '../logging/create-logger.js';

/** The Redis channel that announces catalog versions and client changes to every instance. */
export const catalogChannel = (prefix: string): string => `${prefix}:catalog`;

async function publish(redis: Redis, prefix: string, message: Record<string, unknown>, logger: Logger): Promise<void> {
  try {
    await redis.publish(catalogChannel(prefix), JSON.stringify(message));
  } catch (err) {
    logger.warn('cannot announce a change on Redis; instances will see it at their next poll or cache expiry', { ...message, error: (err as Error).message });
  }
}

/**
 * Announces a new catalog version and the kids it holds as revoked, so every instance drops
 * those from its JWKS before it has read the version. Best effort by design: MongoDB holds the
 * truth and every instance also polls it, so a lost message only delays propagation by one poll
 * interval.
 */
export async function announceCatalog(redis: Redis, prefix: string, version: number, revoked: readonly string[], logger: Logger): Promise<void> {
  await publish(redis, prefix, revoked.length ? { version, revoked } : { version }, logger);
}

/** Announces that a client's registration changed, so every instance drops its cached copy. */
export async function announceClient(redis: Redis, prefix: string, clientId: string, logger: Logger): Promise<void> {
  await publish(redis, prefix, { client: clientId }, logger);
}

/** Announces that an account changed (disabled, roles, password), so every instance drops its cached copy. */
export async function announceAccount(redis: Redis, prefix: string, sub: string, logger: Logger): Promise<void> {
  await publish(redis, prefix, { account: sub }, logger);
}

/** Announces that a grant was revoked, so every instance drops its cached copy. */
export async function announceGrant(redis: Redis, prefix: string, grantId: string, logger: Logger): Promise<void> {
  await publish(redis, prefix, { grant: grantId }, logger);
}

/** A reported access token, refused by resource servers until it expires. */
export interface RevokedToken {
  jti: string;
  /** Its `exp`, in seconds since the epoch. */
  exp: number;
}

/** Announces reported access tokens, so every instance tells its `/jwks/events` listeners. */
export async function announceRevokedTokens(redis: Redis, prefix: string, revokedTokens: readonly RevokedToken[], logger: Logger): Promise<void> {
  await publish(redis, prefix, { revokedTokens }, logger);
}

const isRevokedToken = (value: unknown): value is RevokedToken => typeof value === 'object' && value !== null
  && typeof (value as RevokedToken).jti === 'string' && typeof (value as RevokedToken).exp === 'number';

/** The store hooks that announce every change on the channel, for every instance to hear. */
export function announcer(redis: Redis, prefix: string, logger: Logger) {
  return {
    onCatalogCommitted: (version: number, revoked: string[]) => announceCatalog(redis, prefix, version, revoked, logger),
    onClientChanged: (clientId: string) => announceClient(redis, prefix, clientId, logger),
    onAccountChanged: (sub: string) => announceAccount(redis, prefix, sub, logger),
  };
}

export interface ChannelHandlers {
  /** A new version, with the kids it holds as revoked (empty when none). */
  onVersion(version: number, revoked: string[]): void;
  onClient(clientId: string): void;
  onAccount(sub: string): void;
  onGrant(grantId: string): void;
  onRevokedTokens(tokens: RevokedToken[]): void;
}

/**
 * Listens for announcements on the instance's subscribed connection (shared with Bull's events;
 * messages of other channels are not ours) and hands each to its handler; ioredis resubscribes
 * by itself after a reconnect. Returns a function that stops listening.
 */
export function subscribeCatalog(subscriber: Redis, prefix: string, logger: Logger, handlers: ChannelHandlers): () => void {
  const channel = catalogChannel(prefix);
  let down = false;
  subscriber.on('error', (err: Error) => {
    if (!down) logger.warn('catalog subscription lost; polling MongoDB until Redis returns', { error: err.message });
    down = true;
  });
  subscriber.on('ready', () => {
    if (down) logger.info('catalog subscription restored');
    down = false;
  });
  const onMessage = (from: string, message: string): void => {
    if (from !== channel) return;
    try {
      const { version, revoked, client, account, grant, revokedTokens } = JSON.parse(message) as { version?: unknown; revoked?: unknown; client?: unknown; account?: unknown; grant?: unknown; revokedTokens?: unknown };
      if (typeof version === 'number') handlers.onVersion(version, Array.isArray(revoked) ? revoked.filter((kid): kid is string => typeof kid === 'string') : []);
      if (typeof client === 'string') handlers.onClient(client);
      if (typeof account === 'string') handlers.onAccount(account);
      if (typeof grant === 'string') handlers.onGrant(grant);
      if (Array.isArray(revokedTokens)) handlers.onRevokedTokens(revokedTokens.filter(isRevokedToken));
    } catch {
      logger.warn('ignoring a malformed catalog announcement');
    }
  };
  subscriber.on('message', onMessage);
  void subscriber.subscribe(channel).catch(() => undefined);
  return () => {
    subscriber.off('message', onMessage);
    void subscriber.unsubscribe(channel).catch(() => undefined);
  };
}
