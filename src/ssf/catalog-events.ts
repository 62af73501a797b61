import { PUBLISHED_STATES, type Catalog } from '../keys/catalog.js';
import type { CatalogStore } from '../keys/catalog-store.js';
import { jwksChanged, type SecurityEvent } from './security-event.js';
import type { SecurityEvents } from './security-events.js';
import type { Outbox } from './outbox.js';
import type { Logger } from '../logging/create-logger.js';

/** The key-set event of one catalog version: the kids `/jwks` publishes, and the kids revoked. */
export function catalogEvent(issuer: string, version: number, keys: Catalog['keys']): SecurityEvent {
  return jwksChanged(issuer, version,
    keys.filter((key) => PUBLISHED_STATES.has(key.state)).map((key) => key.kid),
    keys.filter((key) => key.state === 'revoked').map((key) => key.kid));
}

/**
 * The store hook of every process that writes catalog versions: `announce` (the Redis
 * announcement), then the version's key-set event, right after the version itself and before
 * the operation that wrote it returns, once `events` has a transmitter to give. A failed write
 * is logged, never thrown (the version is stored already): the sweeper writes it.
 */
export const withKeySetEvent = (announce: (version: number, revoked: string[]) => Promise<void>, issuer: string, events: () => SecurityEvents | undefined, logger: Logger) =>
  async (version: number, revoked: string[], keys: Catalog['keys']): Promise<void> => {
    await announce(version, revoked);
    const transmitter = events();
    if (!transmitter) return;
    await transmitter.record(catalogEvent(issuer, version, keys))
      .catch((err: Error) => logger.warn('cannot write the key-set event yet; the sweeper will', { version, error: err.message }));
  };

/**
 * The sweeper's safety net: the newest catalog version has its key-set event (a writer that died
 * between writing a version and its event, or one without the hook, leaves none).
 */
export async function ensureCatalogEvent(outbox: Outbox, repo: CatalogStore, issuer: string): Promise<void> {
  const catalog = await repo.load();
  if (!catalog) return;
  const event = catalogEvent(issuer, catalog.version, catalog.keys);
  if (!(await outbox.has(event.id))) await outbox.record(event);
}
