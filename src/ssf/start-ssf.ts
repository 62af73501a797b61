import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import type { Registry } from 'prom-client';
import type { Settings } from '../settings/load-settings.js';
import type { Logger } from '../logging/create-logger.js';
import type { Catalog } from '../keys/catalog.js';
import type { CatalogStore } from '../keys/catalog-store.js';
import type { Keyring } from '../keys/seal.js';
import type { BullConnectionType } from '../redis/connections.js';
import { createSsfQueue, enqueueDelivery } from '../jobs/ssf-queue.js';
import { startSsfJobs } from '../jobs/start-ssf-jobs.js';
import { openSsfStores, type SsfStores } from './ssf-stores.js';
import { securityEvents, type SecurityEvents } from './security-events.js';
import { setSigner, type SignSet } from './set-signer.js';
import { ensureCatalogEvent } from './catalog-events.js';
import { jwksChangedType } from './event-types.js';
import { ssfMetrics } from './ssf-metrics.js';
import { adminStreamJson } from './stream-view.js';
import type { ReceiverUrlRules } from './receiver-url.js';

export interface SsfDeps {
  settings: Settings;
  connection: Connection;
  catalogStore: CatalogStore;
  /** The catalog this instance serves: its active key signs the SETs. */
  currentCatalog: () => Catalog | undefined;
  keyring: Keyring;
  bullClient(type: BullConnectionType): Redis;
  registry: Registry;
  logger: Logger;
}

export interface Ssf {
  stores: SsfStores;
  events: SecurityEvents;
  sign: SignSet;
  rules: ReceiverUrlRules;
  /** `GET /admin/streams`' list. */
  adminStreams(): Promise<Record<string, unknown>[]>;
  /** Runs the delivery and sweeper jobs here (worker role), once the catalog is loaded. */
  startWorker(): void;
  stop(): Promise<void>;
}

/**
 * The SSF transmitter of one instance: its collections, the outbox writer (which enqueues at
 * once), the SET signer and, once started on a worker, the delivery and sweeper jobs.
 */
export function startSsf(deps: SsfDeps): Ssf {
  const { settings, logger } = deps;
  const stores = openSsfStores(deps.connection);
  const queue = createSsfQueue({ createClient: deps.bullClient, prefix: settings.queue.prefix, logger });
  const events = securityEvents(settings.issuer, stores, (jti) => enqueueDelivery(queue, jti, 0), logger);
  const sign = setSigner(deps.currentCatalog, settings.keys.algorithms, deps.keyring, settings.issuer);
  const rules: ReceiverUrlRules = { production: settings.production, allowedHosts: settings.ssf.allowedReceiverHosts };
  const attempts = ssfMetrics(deps.registry, stores.deliveries);
  let stopJobs = (): void => undefined;
  return {
    stores, events, sign, rules,
    startWorker() {
      stopJobs = startSsfJobs(queue, {
        stores, sign, rules, maxAttempts: settings.ssf.maxAttempts, retryBase: settings.ssf.retryBase,
        onResult: (result) => attempts.inc({ result }),
        ensureCatalogEvent: () => ensureCatalogEvent(stores.outbox, deps.catalogStore, settings.issuer),
        keySetType: jwksChangedType(settings.issuer),
        now: () => new Date(), sweepInterval: settings.ssf.sweepInterval, logger,
      });
    },
    async adminStreams() {
      const [streams, counts] = await Promise.all([stores.streams.all(), stores.deliveries.counts()]);
      return streams.map((stream) => adminStreamJson(stream, counts.get(stream.id), settings.issuer));
    },
    async stop() {
      stopJobs();
      await queue.close().catch(() => undefined);
    },
  };
}
