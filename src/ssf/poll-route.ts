import type Router from '@koa/router';
import type { Guard } from '../admin/guard.js';
import { parseInput as parse } from '../admin/parse-input.js';
import type { SsfStores } from './ssf-stores.js';
import type { SignSet } from './set-signer.js';
import { pollBody } from './stream-schemas.js';
import { ownStream, SCOPE } from './stream-routes.js';
import { SsfError } from './ssf-error.js';
import { streamIdParam } from './stream-id.js';

/** SETs one poll returns when the receiver names no `maxEvents`. */
const DEFAULT_MAX_EVENTS = 100;

/**
 * Poll delivery (RFC 8936) at `POST /ssf/poll/<stream_id>`, for the stream's owner. Acks (and
 * `setErrs`, the receiver refusing a SET) are applied first, so a SET acknowledged is never
 * returned again; then the stream's pending SETs, oldest first, each signed now under its stable
 * `jti`. The answer comes at once (holding the request is optional in RFC 8936).
 */
export function pollRoute(router: Router, guard: Guard, deps: { stores: SsfStores; sign: SignSet }): void {
  const { stores } = deps;
  router.post('/ssf/poll/:streamId', guard(SCOPE, async (ctx, principal) => {
    const stream = await ownStream(stores, parse(streamIdParam, ctx.params.streamId), principal);
    if (stream.method !== 'poll') throw new SsfError('this stream delivers by push, not by poll', 'ROTOR_SSF_WRONG_METHOD');
    const body = parse(pollBody, ctx.request.body ?? {});
    const ours = (jti: string): boolean => jti.endsWith(`.${stream.id}`);
    for (const jti of body.ack.filter(ours)) await stores.deliveries.delivered(jti);
    for (const [jti, error] of Object.entries(body.setErrs).filter(([jti]) => ours(jti))) await stores.deliveries.kill(jti, `refused: ${error.err}`);
    const max = body.maxEvents ?? DEFAULT_MAX_EVENTS;
    const pending = stream.status === 'enabled' ? await stores.deliveries.pending(stream.id) : [];
    const sets: Record<string, string> = {};
    for (const delivery of pending.slice(0, max)) {
      const event = await stores.outbox.get(delivery.eventId);
      // An event the outbox no longer holds can never be sent: dead-lettered, so it stops taking a place in every poll.
      if (event) sets[delivery.jti] = await deps.sign(event, stream.clientId, delivery.jti);
      else await stores.deliveries.kill(delivery.jti, 'the event is gone from the outbox');
    }
    ctx.body = { sets, moreAvailable: pending.length > max };
  }));
}
