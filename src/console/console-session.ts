import type { Context, Next } from 'koa';
import type { ConsoleSession, SessionStore } from './session-store.js';
import { SESSION_COOKIE, carriesCsrf } from './session-cookie.js';

/** The signed-in person's session and its id, as the console's handlers get it. */
export interface SignedIn {
  id: string;
  session: ConsoleSession;
}

export const signedIn = (ctx: Context): SignedIn => ctx.state.console as SignedIn;

/**
 * Loads the session the cookie names. Without one, a page sends the browser to sign in and an
 * API call gets 401. Every change (any method but GET and HEAD) must carry the session's CSRF
 * token, or it is refused with 403 before anything is done.
 */
export function requireSession(sessions: SessionStore, kind: 'page' | 'api') {
  return async (ctx: Context, next: Next): Promise<void> => {
    const id = ctx.cookies.get(SESSION_COOKIE);
    const session = id ? await sessions.find(id) : undefined;
    if (!id || !session) {
      if (kind === 'page') return ctx.redirect(`/console/login?return=${encodeURIComponent(ctx.path)}`);
      ctx.status = 401;
      ctx.body = { error: 'login_required', error_description: 'sign in to the console again' };
      return;
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD' && !carriesCsrf(ctx, session.csrf)) {
      ctx.status = 403;
      ctx.body = { error: 'csrf', error_description: 'the request did not carry this session\'s CSRF token; reload the page' };
      return;
    }
    ctx.state.console = { id, session } satisfies SignedIn;
    await next();
  };
}
