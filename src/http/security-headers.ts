import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';

/** Request id (kept from `X-Request-Id` when sane) and the headers every answer carries. */
export function securityHeaders(https: boolean) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const given = ctx.get('X-Request-Id');
    ctx.state.requestId = /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId as string);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    if (https) ctx.set('Strict-Transport-Security', 'max-age=31536000');
    await next();
  };
}
