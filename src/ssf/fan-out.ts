import type { SecurityEvent } from './security-event.js';
import type { Stream } from './stream-store.js';
import { jtiOf } from './delivery-store.js';
import type { SsfStores } from './ssf-stores.js';

/**
 * Whether `stream` gets `event`: an event for one stream goes to that stream alone (whatever it
 * requested: verification and stream-updated are the SSF's own); any other goes to every stream
 * not disabled that existed when it happened and delivers its type.
 */
export function streamWants(stream: Stream, event: SecurityEvent): boolean {
  if (event.streamId) return stream.id === event.streamId;
  return stream.status !== 'disabled' && stream.createdAt.getTime() <= event.at.getTime() && stream.eventsDelivered.includes(event.type);
}

/**
 * Opens the delivery of `event` to every stream that gets it, then marks the event fanned out.
 * Idempotent (a delivery's id is its `jti`), so the instance that wrote the event and the
 * sweeper may both run it. Returns the `jti`s of the push deliveries to enqueue now.
 */
export async function fanOut({ outbox, streams, deliveries }: SsfStores, event: SecurityEvent): Promise<string[]> {
  const targets = event.streamId ? [await streams.get(event.streamId)].filter((s): s is Stream => s !== undefined) : await streams.all();
  const push: string[] = [];
  for (const stream of targets.filter((s) => streamWants(s, event))) {
    await deliveries.open(event.id, stream.id, stream.method);
    if (stream.method === 'push' && stream.status === 'enabled') push.push(jtiOf(event.id, stream.id));
  }
  await outbox.markFannedOut(event.id);
  return push;
}
