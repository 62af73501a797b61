import type { AccessTokenClaims } from './create-verifier.js';
import { checkAuthorization, type VerifierLike } from './bearer-challenge.js';
import { requestUrlBuilder, type MiddlewareOptions } from './request-url.js';

/** The part of a Koa context the middleware uses (so this library needs no Koa import). */
export interface KoaLikeContext {
  get(field: string): string;
  set(field: string, value: string): void;
  status: number;
  body: unknown;
  state: { auth?: AccessTokenClaims };
  method: string;
  protocol: string;
  host: string;
  originalUrl: string;
}

/**
 * Koa middleware: lets a request through with its claims on `ctx.state.auth` when it carries a
 * valid token with every scope in `options.scope` — `Authorization: Bearer <token>`, or
 * `Authorization: DPoP <token>` with its `DPoP` proof header; answers 401, 403 or 503 otherwise
 * (see {@link checkAuthorization}).
 */
export function koaMiddleware(verifier: VerifierLike, options: MiddlewareOptions = {}) {
  const urlOf = requestUrlBuilder(options.publicUrl);
  return async (ctx: KoaLikeContext, next: () => Promise<unknown>): Promise<void> => {
    const outcome = await checkAuthorization(verifier, {
      authorization: ctx.get('Authorization') || undefined,
      dpop: ctx.get('DPoP') || undefined,
      method: ctx.method,
      url: urlOf({ protocol: ctx.protocol, host: ctx.host, path: ctx.originalUrl }),
    }, options);
    if ('refusal' in outcome) {
      const { status, headers, body } = outcome.refusal;
      ctx.status = status;
      for (const [name, value] of Object.entries(headers)) ctx.set(name, value);
      ctx.body = body;
      return;
    }
    ctx.state.auth = outcome.claims;
    await next();
  };
}
