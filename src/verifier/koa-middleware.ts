import type { AccessTokenClaims, Verifier } from './create-verifier.js';
import { checkBearer, type BearerOptions } from './bearer-challenge.js';

/** The part of a Koa context the middleware uses (so this library needs no Koa import). */
export interface KoaLikeContext {
  get(field: string): string;
  set(field: string, value: string): void;
  status: number;
  body: unknown;
  state: { auth?: AccessTokenClaims };
}

/**
 * Koa middleware: lets a request through with its claims on `ctx.state.auth` when it carries a
 * valid bearer token with every scope in `options.scope`; answers 401, 403 or 503 otherwise.
 */
export function koaMiddleware(verifier: Pick<Verifier, 'verify'>, options: BearerOptions = {}) {
  return async (ctx: KoaLikeContext, next: () => Promise<unknown>): Promise<void> => {
    const outcome = await checkBearer(verifier, ctx.get('Authorization') || undefined, options);
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
