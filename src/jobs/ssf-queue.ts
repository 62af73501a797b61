import type Queue from 'bull';
import { createQueue, type QueueOptions } from './create-queue.js';

export const SSF_QUEUE = 'ssf';
export const DELIVER_JOB = 'ssf-deliver';
const BUSY_BACKOFF = 'ssf-busy';

/** What a delivery job carries: the delivery (the SET's `jti`) and which push attempt it makes. */
export interface DeliverJob {
  jti: string;
  attempt: number;
}

/** Thrown by a delivery job whose stream already has its share of pushes in flight: Bull runs it again shortly. */
export class StreamBusyError extends Error {
  readonly code = 'ROTOR_SSF_STREAM_BUSY';
}

/** One job id per delivery and attempt: enqueueing the same attempt twice adds one job. */
export const deliverJobId = (jti: string, attempt: number): string => `${jti}:${attempt}`;

/** Longest wait of a job that failed for any other reason than a busy stream (MongoDB down, no key to sign with). */
const MAX_FAULT_BACKOFF_MS = 60_000;

/**
 * Bull's wait before running a delivery job again: 100–500 ms for a busy stream (not an
 * attempt: the push never started), doubling from 1 s up to a minute for a job that failed
 * otherwise, so a dependency outage does not spin every worker.
 */
export function jobBackoffMs(jobRuns: number, err: Error | undefined): number {
  if ((err as { code?: string } | undefined)?.code === 'ROTOR_SSF_STREAM_BUSY') return 100 + Math.floor(Math.random() * 400);
  return Math.min(MAX_FAULT_BACKOFF_MS, 1000 * 2 ** Math.max(0, jobRuns - 1));
}

/** The queue of security-event deliveries (retries of its jobs: {@link jobBackoffMs}). */
export function createSsfQueue(options: Omit<QueueOptions, 'backoffStrategies'>): Queue.Queue {
  return createQueue(SSF_QUEUE, { ...options, backoffStrategies: { [BUSY_BACKOFF]: jobBackoffMs } });
}

/**
 * Enqueues push attempt `attempt` of a delivery, due in `delayMs`. Bull's own retries only
 * serve a busy stream (a high cap, short waits); the real attempts are counted in MongoDB.
 */
export async function enqueueDelivery(queue: Queue.Queue, jti: string, attempt: number, delayMs = 0): Promise<void> {
  const data: DeliverJob = { jti, attempt };
  await queue.add(DELIVER_JOB, data, {
    jobId: deliverJobId(jti, attempt), delay: Math.max(0, Math.round(delayMs)),
    attempts: 10_000, backoff: { type: BUSY_BACKOFF }, removeOnComplete: true, removeOnFail: true,
  });
}
