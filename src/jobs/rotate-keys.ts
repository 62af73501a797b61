import type Queue from 'bull';
import type { Redis } from 'ioredis';
import { reconcile } from '../catalog/reconcile.js';
import { announceCatalog } from '../catalog/catalog-channel.js';
import type { Policy } from '../keys/policy.js';
import type { Kek } from '../keys/seal.js';
import type { CatalogRepository } from '../store/catalog-repository.js';
import type { Logger } from '../logging/create-logger.js';
import type { Metrics } from '../metrics/create-metrics.js';

export const ROTATE_KEYS_JOB = 'rotate-keys';

export interface RotateKeysDeps {
  repo: CatalogRepository;
  policy: Policy;
  kek: Kek;
  redis: Redis;
  prefix: string;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
}

/**
 * The rotation job: reconcile the catalog with the policy and the clock, then announce the new
 * version. Works out what is due from the clock, never from counting ticks, so a missed run
 * (Redis down, every instance stopped) is caught up by the next one.
 */
export function processRotateKeys(queue: Queue.Queue, deps: RotateKeysDeps): void {
  void queue.process(ROTATE_KEYS_JOB, 1, async () => {
    try {
      const { catalog, transitions } = await reconcile(deps.repo, deps.policy, deps.kek, deps.now);
      deps.metrics.reconcilerRuns.inc({ result: 'ok' });
      if (transitions.length === 0) return { version: catalog.version, transitions: 0 };
      deps.logger.info('key catalog reconciled', { version: catalog.version, transitions: transitions.map(({ type, ...rest }) => ({ type, kid: 'kid' in rest ? rest.kid : undefined, alg: 'alg' in rest ? rest.alg : undefined })) });
      await announceCatalog(deps.redis, deps.prefix, catalog.version, deps.logger);
      return { version: catalog.version, transitions: transitions.length };
    } catch (err) {
      deps.metrics.reconcilerRuns.inc({ result: 'error' });
      throw err;
    }
  });
}
