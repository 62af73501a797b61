import type Queue from 'bull';
import type { Logger } from '../logging/create-logger.js';
import { processSsfDeliveries, type DeliverDeps } from './ssf-deliver.js';
import { sweep, type SweepDeps } from './ssf-sweep.js';

export interface SsfJobsDeps extends DeliverDeps, SweepDeps {
  /** `ssf.sweepInterval`, seconds. */
  sweepInterval: number;
  logger: Logger;
}

/**
 * The worker part of security-event delivery: push jobs on the `ssf` queue, and the sweeper.
 * The sweeper runs on a timer of each worker, not as a Bull job: it is what repairs a Redis that
 * lost its jobs (its schedule among them), so it must not depend on Redis to run. Sweeps are
 * idempotent (one job id per delivery and attempt), so workers sweeping at once do no harm.
 */
export function startSsfJobs(queue: Queue.Queue, deps: SsfJobsDeps): () => void {
  processSsfDeliveries(queue, deps);
  let running = false;
  let lastError = '';
  const run = (): void => {
    if (running) return;
    running = true;
    sweep(queue, deps).then(() => {
      if (lastError) deps.logger.info('security-event sweeper running again');
      lastError = '';
    }, (err: Error) => {
      // Redis or MongoDB away: said once, tried again at the next tick.
      if (err.message !== lastError) deps.logger.warn('security-event sweep failed; retrying at the next one', { error: err.message });
      lastError = err.message;
    }).finally(() => { running = false; });
  };
  const timer = setInterval(run, Math.round(deps.sweepInterval * 1000));
  timer.unref();
  return () => clearInterval(timer);
}
