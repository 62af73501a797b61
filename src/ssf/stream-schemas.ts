import { z } from 'zod';
import { streamIdParam } from './stream-id.js';

export const PUSH_URN = 'urn:ietf:rfc:8935';
export const POLL_URN = 'urn:ietf:rfc:8936';

const streamId = streamIdParam;
const delivery = z.object({
  method: z.enum([PUSH_URN, POLL_URN], { message: `must be "${PUSH_URN}" or "${POLL_URN}"` }),
  endpoint_url: z.string().max(2048).optional(),
  authorization_header: z.string().min(1).max(4096).regex(/^[\x20-\x7E]+$/, 'must be printable ASCII').optional(),
});
const eventsRequested = z.array(z.string().min(1).max(512)).max(20);
const description = z.string().max(500);

/** `POST /ssf/streams`: a new stream (SSF 1.0 §8.1.1.1); `stream_id`, `iss`, `aud` are the transmitter's. */
export const createStreamBody = z.object({
  delivery,
  events_requested: eventsRequested.default([]),
  description: description.optional(),
});

/** `PATCH /ssf/streams`: the fields given change. */
export const updateStreamBody = z.object({
  stream_id: streamId,
  delivery: delivery.optional(),
  events_requested: eventsRequested.optional(),
  description: description.optional(),
});

/** `PUT /ssf/streams`: the whole stream is replaced. */
export const replaceStreamBody = createStreamBody.extend({ stream_id: streamId });

export const streamQuery = z.object({ stream_id: streamId });
export const optionalStreamQuery = z.object({ stream_id: streamId.optional() });

/** `POST /ssf/status`. */
export const statusBody = z.object({
  stream_id: streamId,
  status: z.enum(['enabled', 'paused', 'disabled']),
  reason: z.string().max(500).optional(),
});

/** `POST /ssf/verify`. */
export const verifyBody = z.object({ stream_id: streamId, state: z.string().max(500).optional() });

const jti = z.string().min(1).max(200);

/** `POST /ssf/poll/<stream_id>` (RFC 8936 §2.4). */
export const pollBody = z.object({
  maxEvents: z.number().int().min(0).max(1000).optional(),
  returnImmediately: z.boolean().optional(),
  ack: z.array(jti).max(1000).default([]),
  setErrs: z.record(jti, z.object({ err: z.string().max(100), description: z.string().max(500).optional() })).default({}),
});
