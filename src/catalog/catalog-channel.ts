import { Redis } from 'ioredis';
import type { Logger } from '../logging/create-logger.js';

/** The Redis channel that announces a new catalog version to every instance. */
export const catalogChannel = (prefix: string): string => `${prefix}:catalog`;

/**
 * Announces a new catalog version. Best effort by design: MongoDB holds the truth and every
 * instance also polls it, so a lost message only delays propagation by one poll interval.
 */
export async function announceCatalog(redis: Redis, prefix: string, version: number, logger: Logger): Promise<void> {
  try {
    await redis.publish(catalogChannel(prefix), JSON.stringify({ version }));
  } catch (err) {
    logger.warn('cannot announce the catalog change on Redis; instances will see it at their next poll', { version, error: (err as Error).message });
  }
}

/**
 * Listens for announcements on a connection of its own (a subscribed connection can do nothing
 * else) and calls `onVersion` for each; ioredis resubscribes by itself after a reconnect.
 */
export function subscribeCatalog(redisUrl: string, prefix: string, logger: Logger, onVersion: (version: number) => void): Redis {
  const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: null });
  let down = false;
  subscriber.on('error', (err: Error) => {
    if (!down) logger.warn('catalog subscription lost; polling MongoDB until Redis returns', { error: err.message });
    down = true;
  });
  subscriber.on('ready', () => {
    if (down) logger.info('catalog subscription restored');
    down = false;
  });
  subscriber.on('message', (_channel: string, message: string) => {
    try {
      const { version } = JSON.parse(message) as { version?: unknown };
      if (typeof version === 'number') onVersion(version);
    } catch {
      logger.warn('ignoring a malformed catalog announcement');
    }
  });
  void subscriber.subscribe(catalogChannel(prefix)).catch(() => undefined);
  return subscriber;
}
