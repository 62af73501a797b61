import { POLL_URN, PUSH_URN } from './stream-schemas.js';
import type { Stream } from './stream-store.js';
import { supportedEventTypes } from './event-types.js';
import type { DeliveryCounts } from './delivery-store.js';

/** A stream as the stream API shows it (SSF 1.0 stream configuration); its authorization header is never shown back. */
export function streamJson(stream: Stream, issuer: string): Record<string, unknown> {
  return {
    stream_id: stream.id,
    iss: issuer,
    aud: stream.clientId,
    delivery: stream.method === 'push'
      ? { method: PUSH_URN, endpoint_url: stream.endpointUrl }
      : { method: POLL_URN, endpoint_url: `${issuer}/ssf/poll/${stream.id}` },
    events_supported: supportedEventTypes(issuer),
    events_requested: stream.eventsRequested,
    events_delivered: stream.eventsDelivered,
    ...(stream.description !== undefined ? { description: stream.description } : {}),
  };
}

/** A stream as `GET /admin/streams` shows it. */
export function adminStreamJson(stream: Stream, counts: DeliveryCounts | undefined, issuer: string): Record<string, unknown> {
  return {
    stream_id: stream.id,
    client_id: stream.clientId,
    method: stream.method,
    endpoint_url: stream.endpointUrl ?? `${issuer}/ssf/poll/${stream.id}`,
    status: stream.status,
    delivered: counts?.delivered ?? 0,
    pending: counts?.pending ?? 0,
    deadLettered: counts?.deadLettered ?? 0,
  };
}
