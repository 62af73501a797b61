import type { Context } from 'koa';
import { authenticate, requireScope, type AdminPrincipal, type AuthenticateDeps } from './authenticate.js';

/** An admin handler, called once the caller is authenticated and holds the route's scope. */
export type AdminHandler = (ctx: Context, principal: AdminPrincipal) => Promise<void>;

/** Wraps a handler so that it runs only for a caller holding `scope` (401 or 403 otherwise). */
export type Guard = (scope: string, handler: AdminHandler) => (ctx: Context) => Promise<void>;

/** The guard every admin route goes through; the principal is left in `ctx.state.admin` for the audit of refusals. */
export function createGuard(deps: AuthenticateDeps): Guard {
  return (scope, handler) => async (ctx) => {
    const principal = await authenticate(ctx, deps);
    ctx.state.admin = principal;
    requireScope(principal, scope);
    await handler(ctx, principal);
  };
}
