import type Router from '@koa/router';
import type { Guard } from '../admin/guard.js';
import { parseInput as parse } from '../admin/parse-input.js';
import type { SecurityEvents } from './security-events.js';
import { streamUpdated, verification } from './security-event.js';
import { statusBody, streamQuery, verifyBody } from './stream-schemas.js';
import { ownStream, SCOPE, type StreamRoutesDeps } from './stream-routes.js';

/**
 * Stream status (SSF 1.0 §8.1.2) at `/ssf/status` and verification (§8.1.4) at `/ssf/verify`.
 * A status change is told to the stream itself with a stream-updated event; a verification
 * request is answered with a verification event carrying the receiver's `state`.
 */
export function controlRoutes(router: Router, guard: Guard, deps: StreamRoutesDeps & { events: SecurityEvents }): void {
  const { stores, events } = deps;

  router.get('/ssf/status', guard(SCOPE, async (ctx, principal) => {
    const { stream_id: id } = parse(streamQuery, ctx.query);
    const stream = await ownStream(stores, id, principal);
    ctx.body = { stream_id: stream.id, status: stream.status, ...(stream.reason ? { reason: stream.reason } : {}) };
  }));

  router.post('/ssf/status', guard(SCOPE, async (ctx, principal) => {
    const body = parse(statusBody, ctx.request.body);
    const stream = await ownStream(stores, body.stream_id, principal);
    await stores.streams.update(stream.id, { status: body.status, reason: body.reason });
    await deps.audit.record({ ...principal.principal, action: 'ssf.stream.status', target: stream.id, outcome: 'ok', detail: { status: body.status } });
    if (body.status !== stream.status) await events.record(streamUpdated(stream.id, body.status, body.reason));
    ctx.body = { stream_id: stream.id, status: body.status, ...(body.reason ? { reason: body.reason } : {}) };
  }));

  router.post('/ssf/verify', guard(SCOPE, async (ctx, principal) => {
    const body = parse(verifyBody, ctx.request.body);
    const stream = await ownStream(stores, body.stream_id, principal);
    await events.record(verification(stream.id, body.state));
    ctx.status = 204;
  }));
}
