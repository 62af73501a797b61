import Queue from 'bull';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/create-logger.js';

export interface QueueOptions {
  /** Hands out the instance's shared connections (see `redis/connections.ts`). */
  createClient: (type: 'client' | 'subscriber' | 'bclient') => Redis;
  prefix: string;
  logger: Logger;
  /** Named backoff strategies jobs of this queue may use (Bull's `settings.backoffStrategies`). */
  backoffStrategies?: Record<string, (attemptsMade: number, err: Error) => number>;
}

/**
 * A Bull queue on the instance's shared Redis connections. Redis errors are logged, never
 * thrown at the process: a Redis outage delays jobs, it must not take token issuance down with it.
 */
export function createQueue(name: string, { createClient, prefix, logger, backoffStrategies }: QueueOptions): Queue.Queue {
  const queue = new Queue(name, { prefix, createClient, ...(backoffStrategies ? { settings: { backoffStrategies } } : {}) });
  let lastError = '';
  queue.on('error', (err: Error) => {
    // ioredis repeats the same error on every reconnect attempt: log each distinct one once.
    if (err.message !== lastError) logger.warn('queue error', { queue: name, error: err.message });
    lastError = err.message;
  });
  queue.on('failed', (job, err) => {
    if (job.attemptsMade >= (job.opts.attempts ?? 1)) logger.error('job failed', { queue: name, job: job.name, error: err.message });
  });
  return queue;
}

/** Registers a repeatable job under a fixed id, so every instance shares one schedule. */
export async function scheduleRepeatable(queue: Queue.Queue, name: string, everySeconds: number): Promise<void> {
  await queue.add(name, {}, { repeat: { every: Math.max(200, Math.round(everySeconds * 1000)) }, jobId: name, removeOnComplete: true, removeOnFail: 50 });
}
