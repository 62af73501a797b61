import type Queue from 'bull';
import { reconcile } from '../catalog/reconcile.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { auditTransitions } from '../catalog/audit-transitions.js';
import type { UptakeGate } from '../keys/uptake.js';
import type { Policy } from '../keys/policy.js';
import type { Keyring } from '../keys/seal.js';
import type { CatalogStore } from '../keys/catalog-store.js';
import type { Logger } from '../logging/create-logger.js';
import type { Metrics } from '../metrics/create-metrics.js';

export const ROTATE_KEYS_JOB = 'rotate-keys';

export interface RotateKeysDeps {
  repo: CatalogStore;
  policy: Policy;
  keyring: Keyring;
  audit: AuditTrail;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
  /** With `keys.activation: "uptake"`: what the consumers of `/jwks` hold, read before each run. */
  uptake?: (() => Promise<UptakeGate>) | undefined;
}

/**
 * The rotation job: reconcile the catalog with the policy and the clock (the repository
 * announces the new version), and audit each transition. It works out what is due from the
 * clock, never from counting ticks, so a missed run (Redis down, every instance stopped) is
 * caught up by the next one.
 */
export function processRotateKeys(queue: Queue.Queue, deps: RotateKeysDeps): void {
  void queue.process(ROTATE_KEYS_JOB, 1, async () => {
    try {
      const uptake = deps.uptake ? await deps.uptake() : undefined;
      const { catalog, transitions } = await reconcile(deps.repo, deps.policy, deps.keyring, deps.now, uptake ? { uptake } : {});
      deps.metrics.reconcilerRuns.inc({ result: 'ok' });
      if (transitions.length === 0) return { version: catalog.version, transitions: 0 };
      await auditTransitions(deps.audit, 'system:reconciler', catalog.version, transitions);
      return { version: catalog.version, transitions: transitions.length };
    } catch (err) {
      deps.metrics.reconcilerRuns.inc({ result: 'error' });
      throw err;
    }
  });
}
