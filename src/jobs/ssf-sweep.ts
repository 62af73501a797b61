import type Queue from 'bull';
import type { SsfStores } from '../ssf/ssf-stores.js';
import { fanOut } from '../ssf/fan-out.js';
import { deliverJobId, enqueueDelivery } from './ssf-queue.js';

/** A delivery due this long ago without a job in Redis has lost it (an enqueue in flight is younger). */
const LOST_AFTER_MS = 2000;
/** How long a delivered record is kept (what `GET /admin/streams` counts as delivered). */
const KEEP_DELIVERED_MS = 7 * 86_400_000;
/** How long events and dead letters are kept: a poll receiver away longer misses what is older. */
const KEEP_EVENTS_MS = 30 * 86_400_000;

export interface SweepDeps {
  stores: SsfStores;
  /** Writes the newest catalog version's key-set event if it is missing. */
  ensureCatalogEvent(): Promise<void>;
  /** The key-set event type (`<ISSUER>/secevent/jwks-changed`): those events are never pruned. */
  keySetType: string;
  now(): Date;
}

/**
 * Whether a push delivery's job for this attempt is still in Redis, waiting or running. The
 * caller asks only about deliveries overdue: a job of theirs still delayed has missed its timer
 * (Bull's delay timer can go stale across a Redis restart) and is moved to the wait list.
 */
async function jobAlive(queue: Queue.Queue, jti: string, attempt: number): Promise<boolean> {
  const job = await queue.getJob(deliverJobId(jti, attempt));
  if (!job) return false;
  const state = await job.getState();
  if (state === 'completed' || state === 'failed' || state === 'stuck') {
    await job.remove().catch(() => undefined);
    return false;
  }
  if (state === 'delayed') await job.promote().catch(() => undefined);
  return true;
}

/**
 * The sweeper, every `ssf.sweepInterval` on each worker: MongoDB says what must be delivered, Redis
 * only when. It writes a missing key-set event, fans out events written without a queue (the
 * CLI) or whose fan-out was cut short, and enqueues again every pending push whose job Redis
 * lost (restarted empty, or every instance killed mid-delivery). It forgets deliveries done more
 * than a week ago, and events and dead letters older than 30 days. Returns what it fanned out
 * and re-enqueued.
 */
export async function sweep(queue: Queue.Queue, { stores, ensureCatalogEvent, keySetType, now }: SweepDeps): Promise<{ fannedOut: number; requeued: number }> {
  await ensureCatalogEvent();
  const events = await stores.outbox.notFannedOut();
  for (const event of events) {
    for (const jti of await fanOut(stores, event)) await enqueueDelivery(queue, jti, 0);
  }
  const streams = new Map((await stores.streams.all()).map((stream) => [stream.id, stream]));
  const due = now().getTime() - LOST_AFTER_MS;
  let requeued = 0;
  for (const delivery of await stores.deliveries.pending()) {
    const stream = streams.get(delivery.streamId);
    // The stream's method now, not the delivery's: a stream switched from poll to push gets what it had pending.
    if (stream?.method !== 'push' || stream.status !== 'enabled' || delivery.nextAt.getTime() > due) continue;
    if (await jobAlive(queue, delivery.jti, delivery.attempts)) continue;
    await enqueueDelivery(queue, delivery.jti, delivery.attempts);
    requeued++;
  }
  await stores.deliveries.prune(new Date(now().getTime() - KEEP_DELIVERED_MS), new Date(now().getTime() - KEEP_EVENTS_MS));
  await stores.outbox.prune(new Date(now().getTime() - KEEP_EVENTS_MS), keySetType);
  return { fannedOut: events.length, requeued };
}
