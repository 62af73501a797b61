import type { KeyRecord } from './catalog.js';

/** The public view of a key (admin API, CLI): times as ISO 8601, never the private part. */
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
