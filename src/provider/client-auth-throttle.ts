import type { Context, Middleware, Next } from 'koa';
import Provider, { type Adapter, type AdapterPayload } from 'oidc-provider';
import type { AuditInput } from '../audit/chain.js';
import type { Attempt, Throttle } from '../throttle/index.js';

/** Endpoints where a client authenticates with its secret. */
const CLIENT_AUTH_ROUTES = new Set(['token', 'introspection', 'revocation']);
/** Bounds what a request can put into the audit log. */
const MAX_AUDITED_ID = 200;

type OidcContext = Context & { oidc?: { route?: string; params?: Record<string, unknown> } };

/** The client_id of an `Authorization: Basic` header (form-encoded, RFC 6749 2.3.1), if any. */
export function basicClientId(header: string | undefined): string | undefined {
  const match = /^Basic +([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, '%20'));
  } catch {
    return undefined;
  }
}

/** Set on a request whose client was found locked while oidc-provider looked it up: seconds to wait. */
const LOCKED = 'rotorClientLocked';
/** Set on a request whose secret was checked against the throttle: whether failures were being counted. */
const FAILING = 'rotorClientFailing';

/**
 * oidc-provider's Client adapter, made to answer "no such client" for a client that is locked
 * out from this IP, when a request to an authenticating endpoint carries its secret in the body
 * (client_secret_post). oidc-provider looks the client up before it compares the secret and long
 * before the grant runs, so nothing happens (no code spent, no token issued) and the middleware
 * below turns the answer into a 429. With HTTP Basic the middleware refuses before that already.
 */
export function lockAwareClientAdapter(adapter: Adapter, throttle: Throttle): Adapter {
  return {
    ...adapter,
    find: async (id: string): Promise<AdapterPayload | undefined> => {
      const ctx = Provider.ctx as OidcContext | undefined;
      if (ctx && CLIENT_AUTH_ROUTES.has(ctx.oidc?.route ?? '') && typeof ctx.oidc?.params?.client_secret === 'string') {
        const { locked, retryAfter, failing } = await throttle.check({ subject: `client:${id}`, ip: ctx.ip });
        ctx.state[FAILING] = failing;
        if (locked) {
          ctx.state[LOCKED] = retryAfter;
          return undefined;
        }
      }
      return (await adapter.find(id)) ?? undefined;
    },
  };
}

function isInvalidClient(ctx: Context): boolean {
  const body = ctx.body as { error?: unknown } | string | undefined;
  return ctx.status === 401 && (typeof body !== 'object' || body === null || body.error === 'invalid_client');
}

/**
 * Throttles failed client authentication at oidc-provider's token, introspection and revocation
 * endpoints, by client_id and IP. A locked client+IP (or IP) gets 429 with `Retry-After`, before
 * its secret is compared (see {@link lockAwareClientAdapter} for secrets in the body); an
 * `invalid_client` answer counts as a failure; a 2xx with a secret clears the client's count from
 * that IP when the check before it saw one (so a success costs Redis one read, no write); a
 * lock-out is audited as `client.lockout`.
 */
export function clientAuthThrottle(throttle: Throttle, onAudit?: (event: AuditInput) => void): Middleware {
  const refuse = (ctx: Context, retryAfter: number): void => {
    ctx.status = 429;
    ctx.set('Retry-After', String(retryAfter));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { error: 'too_many_requests', error_description: `too many failed client authentications; retry after ${retryAfter} seconds` };
  };
  const refuseIfLocked = async (ctx: Context, attempt: Attempt): Promise<boolean> => {
    const { locked, retryAfter, failing } = await throttle.check(attempt);
    ctx.state[FAILING] = failing;
    if (locked) refuse(ctx, retryAfter);
    return locked;
  };

  return async (ctx: OidcContext, next: Next) => {
    if (ctx.method !== 'POST') return next();
    const basic = basicClientId(ctx.get('authorization'));
    // With HTTP Basic the lock is checked before oidc-provider compares the secret.
    if (basic !== undefined && await refuseIfLocked(ctx, { subject: `client:${basic}`, ip: ctx.ip })) return undefined;
    await next();
    const lockedFor = ctx.state[LOCKED] as number | undefined;
    if (lockedFor !== undefined) {
      refuse(ctx, lockedFor);
      return undefined;
    }
    if (!CLIENT_AUTH_ROUTES.has(ctx.oidc?.route ?? '')) return undefined;
    const posted = ctx.oidc?.params?.client_id;
    const clientId = basic ?? (typeof posted === 'string' ? posted : undefined);
    if (clientId === undefined) return undefined;
    const attempt = { subject: `client:${clientId}`, ip: ctx.ip };
    if (ctx.status >= 200 && ctx.status < 300) {
      if (ctx.state[FAILING] === true) await throttle.recordSuccess(attempt);
    } else if (isInvalidClient(ctx)) {
      const { lockouts } = await throttle.recordFailure(attempt);
      const id = clientId.slice(0, MAX_AUDITED_ID);
      for (const { scope, retryAfter } of lockouts) {
        onAudit?.({ actor: 'system:throttle', action: 'client.lockout', target: `client:${id}`, outcome: 'refused', detail: { clientId: id, ip: ctx.ip.slice(0, 64), scope: scope === 'subject' ? 'client' : 'ip', retryAfter } });
      }
    }
    return undefined;
  };
}
