import type { Connection } from 'mongoose';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/create-logger.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { CatalogStore } from '../keys/catalog-store.js';
import type { UptakeGate } from '../keys/uptake.js';
import type { Policy } from '../keys/policy.js';
import type { Keyring } from '../keys/seal.js';
import type { Metrics } from '../metrics/create-metrics.js';
import type { BullConnectionType } from '../redis/connections.js';
import { createQueue, scheduleRepeatable } from './create-queue.js';
import { JANITOR_JOB, processJanitor } from './janitor.js';
import { ROTATE_KEYS_JOB, processRotateKeys } from './rotate-keys.js';
import { ANCHOR_AUDIT_JOB, processAnchorAudit } from './anchor-audit.js';

export interface JobsDeps {
  connection: Connection;
  catalog: CatalogStore;
  policy: Policy & { tick: number };
  janitorInterval: number;
  keyring: Keyring;
  audit: AuditTrail;
  /** Anchors the audit chain's head (`Controls.anchorer`); every `anchorInterval` seconds. */
  anchor(why: string): Promise<{ seq: number } | undefined>;
  anchorInterval: number;
  metrics: Metrics;
  /** The instance's command connection: its `ready` event re-registers the schedule. */
  redis: Redis;
  bullClient(type: BullConnectionType): Redis;
  prefix: string;
  logger: Logger;
  now(): Date;
  /** Set with `keys.activation: "uptake"` (see `RotateKeysDeps`). */
  uptake?: (() => Promise<UptakeGate>) | undefined;
}

/**
 * The worker part of an instance: the key reconciler, the janitor and the audit anchor as Bull
 * repeatable jobs with fixed ids, so every instance shares one schedule. Returns its stop function.
 */
export function startJobs(deps: JobsDeps): () => Promise<void> {
  const { logger, now } = deps;
  const queue = createQueue('maintenance', { createClient: deps.bullClient, prefix: deps.prefix, logger });
  processJanitor(queue, deps.connection, deps.catalog, logger, now);
  processRotateKeys(queue, { repo: deps.catalog, policy: deps.policy, keyring: deps.keyring, audit: deps.audit, logger, metrics: deps.metrics, now, uptake: deps.uptake });
  processAnchorAudit(queue, deps.anchor);
  // Re-registered on every (re)connect: a Redis that restarted empty has lost the schedule.
  const schedule = (): void => {
    Promise.all([
      scheduleRepeatable(queue, ROTATE_KEYS_JOB, deps.policy.tick),
      scheduleRepeatable(queue, JANITOR_JOB, deps.janitorInterval),
      scheduleRepeatable(queue, ANCHOR_AUDIT_JOB, deps.anchorInterval),
    ]).catch((err: Error) => logger.warn('cannot schedule jobs yet', { error: err.message }));
  };
  deps.redis.on('ready', schedule);
  if (deps.redis.status === 'ready') schedule();
  return async () => {
    deps.redis.off('ready', schedule);
    await queue.close().catch(() => undefined);
  };
}
