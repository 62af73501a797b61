import type Queue from 'bull';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/create-logger.js';
import { scheduleRepeatable } from './create-queue.js';
import { processSsfDeliveries, type DeliverDeps } from './ssf-deliver.js';
import { processSsfSweep, type SweepDeps } from './ssf-sweep.js';
import { SWEEP_JOB } from './ssf-queue.js';

export interface SsfJobsDeps extends DeliverDeps, SweepDeps {
  /** The instance's command connection: its `ready` event re-registers the sweeper's schedule. */
  redis: Redis;
  /** `ssf.sweepInterval`, seconds. */
  sweepInterval: number;
  logger: Logger;
}

/**
 * The worker part of security-event delivery: push jobs and the sweeper, on the `ssf` queue.
 * The sweeper's schedule is registered again on every Redis (re)connect: a Redis that restarted
 * empty has lost it, and the sweeper is what finds the deliveries it lost too.
 */
export function startSsfJobs(queue: Queue.Queue, deps: SsfJobsDeps): () => void {
  processSsfDeliveries(queue, deps);
  processSsfSweep(queue, deps);
  const schedule = (): void => {
    scheduleRepeatable(queue, SWEEP_JOB, deps.sweepInterval).catch((err: Error) => deps.logger.warn('cannot schedule the security-event sweeper yet', { error: err.message }));
  };
  deps.redis.on('ready', schedule);
  if (deps.redis.status === 'ready') schedule();
  return () => deps.redis.off('ready', schedule);
}
