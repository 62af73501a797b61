import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Settings } from '../settings/load-settings.js';
import type { AdminAnswer, AdminClient } from './admin-client.js';
import { requireSession, signedIn } from './console-session.js';
import type { SessionStore } from './session-store.js';

const reason = z.string().max(500);
const id = z.string().min(1).max(200).regex(/^[A-Za-z0-9._~-]+$/);
const rotateInput = z.strictObject({ reason, alg: z.string().max(20).optional() });
const rolloverInput = z.strictObject({ reason, compromisedKid: id.optional(), alg: z.string().max(20).optional(), dryRun: z.boolean().optional() });
const revokeInput = z.strictObject({ reason, kid: id, dryRun: z.boolean().optional() });
const decideInput = z.strictObject({ reason, requestId: id });

/** Answers the page with what the admin API said: its status, body and retry time. */
function relay(ctx: Context, answer: AdminAnswer): void {
  ctx.status = answer.status;
  if (answer.retryAfter !== undefined) ctx.set('Retry-After', String(answer.retryAfter));
  ctx.body = { ...answer.body, ...(answer.retryAfter !== undefined ? { retryAfter: answer.retryAfter } : {}) };
}

function input<T>(ctx: Context, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(ctx.request.body);
  if (!parsed.success) ctx.throw(400, `bad request: ${parsed.error.issues[0]?.message ?? 'invalid body'}`);
  return parsed.data!;
}

export interface ApiDeps {
  settings: Settings;
  sessions: SessionStore;
  admin: AdminClient;
}

/**
 * The JSON the console's modules use: the catalog (with what the timeline needs of the policy)
 * and every action, each a call of the admin API with the person's own token.
 */
export function apiRoutes(router: Router, deps: ApiDeps): void {
  const { settings } = deps;
  const guard = requireSession(deps.sessions, 'api');
  const call = (ctx: Context, method: string, path: string, body?: unknown): Promise<AdminAnswer> => {
    const { id: sessionId, session } = signedIn(ctx);
    return deps.admin.call(sessionId, session, method, path, body);
  };
  const { tokens, keys } = settings;
  const policy = {
    algorithms: keys.algorithms, accessTokenTTL: tokens.accessTokenTTL, idTokenTTL: tokens.idTokenTTL, clockSkew: tokens.clockSkew,
    prePublish: keys.prePublish, overlap: keys.overlap, rotationInterval: keys.rotationInterval,
  };

  router.get('/console/api/catalog', guard, async (ctx) => {
    const answer = await call(ctx, 'GET', '/keys');
    if (answer.status !== 200) return relay(ctx, answer);
    ctx.body = { ...answer.body, now: new Date().toISOString(), policy };
  });

  router.post('/console/api/rotate', guard, async (ctx) => {
    relay(ctx, await call(ctx, 'POST', '/keys/rotate', input(ctx, rotateInput)));
  });

  router.post('/console/api/rollover', guard, async (ctx) => {
    relay(ctx, await call(ctx, 'POST', '/keys/rollover', input(ctx, rolloverInput)));
  });

  router.post('/console/api/revoke', guard, async (ctx) => {
    const { kid, ...body } = input(ctx, revokeInput);
    relay(ctx, await call(ctx, 'POST', `/keys/${encodeURIComponent(kid)}/revoke`, body));
  });

  for (const decision of ['approve', 'reject'] as const) {
    router.post(`/console/api/${decision}`, guard, async (ctx) => {
      const { requestId, reason: why } = input(ctx, decideInput);
      relay(ctx, await call(ctx, 'POST', `/emergency/${encodeURIComponent(requestId)}/${decision}`, { reason: why }));
    });
  }

  router.get('/console/api/audit/verify', guard, async (ctx) => {
    relay(ctx, await call(ctx, 'GET', '/audit/verify'));
  });
}
