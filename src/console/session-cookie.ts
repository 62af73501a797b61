import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';

/** The cookie that carries the console session's id. */
export const SESSION_COOKIE = 'rotor_console';
/** The cookie that ties a sign-in under way to the browser that started it. */
export const SIGN_IN_COOKIE = 'rotor_console_signin';

export interface CookieOptions {
  https: boolean;
  maxAgeSeconds: number;
  sameSite: 'Strict' | 'Lax';
}

/**
 * Sets a cookie scoped to `/console`: HttpOnly, Secure under an https issuer. Written by hand
 * because Koa refuses a Secure cookie on a request that reached it over plain HTTP, which is
 * every request behind a TLS-terminating proxy that is not declared (`http.trustProxy`).
 */
export function setCookie(ctx: Context, name: string, value: string, options: CookieOptions): void {
  const parts = [`${name}=${value}`, 'Path=/console', 'HttpOnly', `SameSite=${options.sameSite}`, `Max-Age=${options.maxAgeSeconds}`];
  if (options.https) parts.push('Secure');
  ctx.append('Set-Cookie', parts.join('; '));
}

export function clearCookie(ctx: Context, name: string, https: boolean): void {
  setCookie(ctx, name, '', { https, maxAgeSeconds: 0, sameSite: 'Lax' });
}

/** Whether the request carries the session's CSRF token (header `X-CSRF-Token`, or form field `csrf`). */
export function carriesCsrf(ctx: Context, expected: string): boolean {
  const body = ctx.request.body as Record<string, unknown> | undefined;
  const given = ctx.get('X-CSRF-Token') || (typeof body?.csrf === 'string' ? body.csrf : '');
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
