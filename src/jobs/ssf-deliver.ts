import type Queue from 'bull';
import type { Logger } from '../logging/create-logger.js';
import type { SsfStores } from '../ssf/ssf-stores.js';
import type { SignSet } from '../ssf/set-signer.js';
import type { Delivery } from '../ssf/delivery-store.js';
import type { Stream } from '../ssf/stream-store.js';
import { checkReceiverUrl, type ReceiverUrlRules } from '../ssf/receiver-url.js';
import { pushSet, type PushOutcome } from '../ssf/push-set.js';
import { retryDelayMs } from '../ssf/backoff.js';
import { DELIVER_JOB, deliverJobId, enqueueDelivery, StreamBusyError, type DeliverJob } from './ssf-queue.js';

/** Pushes one instance makes at once, over all streams. */
const CONCURRENCY = 16;
/** Pushes one instance makes at once to one stream: a slow receiver holds no more slots than this. */
export const STREAM_CONCURRENCY = 2;

export interface DeliverDeps {
  stores: SsfStores;
  sign: SignSet;
  rules: ReceiverUrlRules;
  maxAttempts: number;
  /** `ssf.retryBase`, seconds. */
  retryBase: number;
  /** Each attempt's result: `delivered`, `retry`, `dead`. */
  onResult?: (result: 'delivered' | 'retry' | 'dead') => void;
  logger: Logger;
}

async function attempt(deps: DeliverDeps, delivery: Delivery, stream: Stream): Promise<PushOutcome> {
  let url: URL;
  try {
    url = checkReceiverUrl(stream.endpointUrl ?? '', deps.rules);
  } catch (err) {
    return { ok: false, retry: false, error: (err as Error).message };
  }
  const event = await deps.stores.outbox.get(delivery.eventId);
  if (!event) return { ok: false, retry: false, error: 'the event is gone from the outbox' };
  return pushSet(url, await deps.sign(event, stream.clientId, delivery.jti), stream.authorizationHeader);
}

/**
 * After a push that had failed before succeeds, the receiver is back: its other deliveries
 * waiting out a backoff are pushed now rather than at their next retry.
 */
async function receiverBack(queue: Queue.Queue, deps: DeliverDeps, streamId: string): Promise<void> {
  for (const waiting of await deps.stores.deliveries.pending(streamId)) {
    if (waiting.attempts === 0) continue;
    const job = await queue.getJob(deliverJobId(waiting.jti, waiting.attempts));
    if (job && await job.isDelayed()) await job.promote().catch(() => undefined);
  }
}

/** Records an attempt's outcome in MongoDB first, then enqueues the next attempt if there is one. */
async function settle(queue: Queue.Queue, deps: DeliverDeps, delivery: Delivery, outcome: PushOutcome): Promise<void> {
  const { deliveries } = deps.stores;
  if (outcome.ok) {
    await deliveries.delivered(delivery.jti);
    deps.onResult?.('delivered');
    if (delivery.attempts > 0) await receiverBack(queue, deps, delivery.streamId);
    return;
  }
  const attempts = delivery.attempts + 1;
  if (!outcome.retry || attempts >= deps.maxAttempts) {
    await deliveries.failed(delivery.jti, attempts, outcome.error, undefined);
    deps.onResult?.('dead');
    deps.logger.warn('security event dead-lettered', { jti: delivery.jti, stream: delivery.streamId, attempts, error: outcome.error });
    return;
  }
  const delay = retryDelayMs(attempts, deps.retryBase);
  await deliveries.failed(delivery.jti, attempts, outcome.error, new Date(Date.now() + delay));
  deps.onResult?.('retry');
  await enqueueDelivery(queue, delivery.jti, attempts, delay);
}

/**
 * Push delivery: one job per delivery and attempt. A job whose attempt is no longer the
 * delivery's (a duplicate from the sweeper) does nothing. Each stream gets at most
 * {@link STREAM_CONCURRENCY} pushes at once on an instance, so a slow receiver never holds the
 * slots the others need; a paused stream keeps its deliveries pending.
 */
export function processSsfDeliveries(queue: Queue.Queue, deps: DeliverDeps): void {
  const inFlight = new Map<string, number>();
  void queue.process(DELIVER_JOB, CONCURRENCY, async (job: Queue.Job<DeliverJob>) => {
    const delivery = await deps.stores.deliveries.get(job.data.jti);
    if (!delivery || delivery.state !== 'pending' || delivery.attempts !== job.data.attempt) return 'stale';
    const stream = await deps.stores.streams.get(delivery.streamId);
    if (!stream) {
      await deps.stores.deliveries.kill(delivery.jti, 'the stream was deleted');
      return 'stream gone';
    }
    if (stream.status !== 'enabled' || stream.method !== 'push') return stream.status;
    const busy = inFlight.get(stream.id) ?? 0;
    if (busy >= STREAM_CONCURRENCY) throw new StreamBusyError(`stream ${stream.id} has ${busy} pushes in flight`);
    inFlight.set(stream.id, busy + 1);
    try {
      const outcome = await attempt(deps, delivery, stream);
      await settle(queue, deps, delivery, outcome);
      return outcome.ok ? 'delivered' : outcome.error;
    } finally {
      const left = (inFlight.get(stream.id) ?? 1) - 1;
      if (left > 0) inFlight.set(stream.id, left);
      else inFlight.delete(stream.id);
    }
  });
}
