import type Router from '@koa/router';
import type { Guard } from '../admin/guard.js';
import { parseInput as parse } from '../admin/parse-input.js';
import type { AdminPrincipal } from '../admin/authenticate.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { SsfStores } from './ssf-stores.js';
import type { Stream } from './stream-store.js';
import type { ReceiverUrlRules } from './receiver-url.js';
import { createStreamBody, optionalStreamQuery, replaceStreamBody, streamQuery, updateStreamBody } from './stream-schemas.js';
import { deliveryFields, eventFields } from './stream-config.js';
import { streamJson } from './stream-view.js';
import { SsfError } from './ssf-error.js';

export interface StreamRoutesDeps {
  issuer: string;
  stores: SsfStores;
  rules: ReceiverUrlRules;
  /** Whether the client may receive events naming people and clients (see `SUBJECT_EVENT_TYPES`). */
  entitledToSubjects(clientId: string): Promise<boolean>;
  audit: AuditTrail;
}

export const SCOPE = 'ssf:manage';

/** The caller's stream, or a 404 that does not tell another client's stream from none. */
export async function ownStream(stores: SsfStores, id: string, principal: AdminPrincipal): Promise<Stream> {
  const stream = await stores.streams.owned(id, principal.clientId);
  if (!stream) throw new SsfError(`no stream ${id} of this client`, 'ROTOR_SSF_UNKNOWN_STREAM');
  return stream;
}

/**
 * Stream management (SSF 1.0 §8.1.1) at `/ssf/streams`: create, read (one, or all of the
 * caller's), update, replace, delete. A receiver sees and changes only its own streams; each
 * change is audited.
 */
export function streamRoutes(router: Router, guard: Guard, deps: StreamRoutesDeps): void {
  const { issuer, stores, rules } = deps;
  const audited = (principal: AdminPrincipal, action: string, stream: string): Promise<unknown> => deps.audit.record({ ...principal.principal, action, target: stream, outcome: 'ok' });

  router.post('/ssf/streams', guard(SCOPE, async (ctx, principal) => {
    const body = parse(createStreamBody, ctx.request.body);
    const stream = await stores.streams.create({
      clientId: principal.clientId,
      ...deliveryFields(body.delivery, rules),
      ...eventFields(issuer, body.events_requested, await deps.entitledToSubjects(principal.clientId)),
      description: body.description,
    });
    await audited(principal, 'ssf.stream.create', stream.id);
    ctx.status = 201;
    ctx.body = streamJson(stream, issuer);
  }));

  router.get('/ssf/streams', guard(SCOPE, async (ctx, principal) => {
    const { stream_id: id } = parse(optionalStreamQuery, ctx.query);
    ctx.body = id ? streamJson(await ownStream(stores, id, principal), issuer)
      : (await stores.streams.ofClient(principal.clientId)).map((stream) => streamJson(stream, issuer));
  }));

  router.patch('/ssf/streams', guard(SCOPE, async (ctx, principal) => {
    const body = parse(updateStreamBody, ctx.request.body);
    const stream = await ownStream(stores, body.stream_id, principal);
    const updated = await stores.streams.update(stream.id, {
      ...(body.delivery ? deliveryFields(body.delivery, rules) : {}),
      ...(body.events_requested ? eventFields(issuer, body.events_requested, await deps.entitledToSubjects(principal.clientId)) : {}),
      ...(body.description !== undefined ? { description: body.description } : {}),
    });
    await audited(principal, 'ssf.stream.update', stream.id);
    ctx.body = streamJson(updated ?? stream, issuer);
  }));

  router.put('/ssf/streams', guard(SCOPE, async (ctx, principal) => {
    const body = parse(replaceStreamBody, ctx.request.body);
    const stream = await ownStream(stores, body.stream_id, principal);
    const updated = await stores.streams.update(stream.id, {
      ...deliveryFields(body.delivery, rules),
      ...eventFields(issuer, body.events_requested, await deps.entitledToSubjects(principal.clientId)),
      description: body.description,
    });
    await audited(principal, 'ssf.stream.replace', stream.id);
    ctx.body = streamJson(updated ?? stream, issuer);
  }));

  router.delete('/ssf/streams', guard(SCOPE, async (ctx, principal) => {
    const { stream_id: id } = parse(streamQuery, ctx.query);
    const stream = await ownStream(stores, id, principal);
    await stores.streams.remove(stream.id);
    await stores.deliveries.removeOfStream(stream.id);
    await audited(principal, 'ssf.stream.delete', stream.id);
    ctx.status = 204;
  }));
}
