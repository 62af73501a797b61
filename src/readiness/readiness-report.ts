import type { Catalog } from '../keys/catalog.js';
import type { ConsumerRecord } from './readiness-store.js';

/** One consumer's state for one pending key. */
export interface ConsumerReadiness {
  consumer: string;
  lastSeen: string;
  lastVersion: number;
  /** It has fetched a JWKS that holds the key. */
  ready: boolean;
}

/** A pending key and every consumer seen within the window (the `GET /admin/keys/readiness` shape). */
export interface PendingReadiness {
  kid: string;
  alg: string;
  publishedAt: string;
  consumers: ConsumerReadiness[];
}

/**
 * For each pending key of `catalog`, whether each consumer seen holds it: its last fetch served
 * a JWKS with the key (which is only possible after the key was published).
 */
export function readinessReport(catalog: Catalog, consumers: readonly ConsumerRecord[]): PendingReadiness[] {
  return catalog.keys.filter((key) => key.state === 'pending').map((key) => ({
    kid: key.kid,
    alg: key.alg,
    publishedAt: key.createdAt.toISOString(),
    consumers: consumers.map((record) => ({
      consumer: record.consumer,
      lastSeen: new Date(record.lastSeen).toISOString(),
      lastVersion: record.version,
      ready: record.kids.includes(key.kid),
    })),
  }));
}

/** The share of consumers that hold each pending key (1 when none was seen), for Prometheus. */
export function readyShare(pending: PendingReadiness): number {
  return pending.consumers.length === 0 ? 1 : pending.consumers.filter((consumer) => consumer.ready).length / pending.consumers.length;
}
