import { createHash, randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Account } from '../store/account-store.js';
import type { Logger } from '../logging/create-logger.js';
import { CONSOLE_CLIENT_ID, CONSOLE_SCOPE, callbackUrl } from './console-client.js';
import type { ConsoleSeal } from './console-seal.js';
import type { SessionStore } from './session-store.js';
import { TokenRefusal, type TokenAnswer, type TokenClient } from './token-client.js';
import { SESSION_COOKIE, SIGN_IN_COOKIE, carriesCsrf, clearCookie, setCookie } from './session-cookie.js';
import { SIGN_IN_SECONDS, openSignIn, sealSignIn, type SignIn } from './sign-in-state.js';
import { escapeHtml } from '../provider/views/layout.js';
import { consoleLayout, messagePage } from './views/console-layout.js';

export interface SignInDeps {
  issuer: string;
  https: boolean;
  sessions: SessionStore;
  seal: ConsoleSeal;
  tokens: TokenClient;
  findAccount(sub: string): Promise<Account | undefined>;
  /** The keys this instance publishes, to check the ID token with. */
  jwks(): JWTVerifyGetKey;
  logger: Logger;
}

const RETURN_PATH = /^\/console(?:\/[a-z]+)?$/;

/** Where to go after signing in: a console page, nothing else (no open redirect). */
export const safeReturn = (value: unknown): string => (typeof value === 'string' && RETURN_PATH.test(value) ? value : '/console');

/** Redeems the code and checks the ID token (issuer, audience, nonce); undefined when either fails. */
async function redeem(deps: SignInDeps, code: string, signIn: SignIn): Promise<{ answer: TokenAnswer; sub: string } | undefined> {
  try {
    const answer = await deps.tokens.redeem(code, signIn.verifier, callbackUrl(deps.issuer));
    const { payload } = await jwtVerify(answer.id_token ?? '', deps.jwks(), { issuer: deps.issuer, audience: CONSOLE_CLIENT_ID });
    if (payload.nonce !== signIn.nonce || typeof payload.sub !== 'string') return undefined;
    return { answer, sub: payload.sub };
  } catch (err) {
    if (err instanceof TokenRefusal || err instanceof errors.JOSEError) {
      deps.logger.info('console sign-in failed', { error: err.message });
      return undefined;
    }
    throw err;
  }
}

function refusalPage(ctx: Context, username: string): void {
  ctx.status = 403;
  ctx.type = 'html';
  ctx.body = consoleLayout({ title: 'Not for you, sorry' }, `<p class="notice" role="alert">You signed in as <strong>${escapeHtml(username)}</strong>, but the console is only for the security team: it needs the role <code>security</code>.</p>
<p>If you should have it, ask someone of the security team to run <code>rotor users grant ${escapeHtml(username)} security</code>, then sign in again.</p>
<p><a href="/session/end">Sign out of Rotor</a></p>`);
}

/**
 * Sign-in with Rotor's own OpenID Connect (code + PKCE S256, a nonce and a state bound to the
 * browser by a cookie), sign-out, and the refusal of anyone without the `security` role.
 * Tokens go from the token endpoint into the server-side session and never to the browser.
 */
export function signInRoutes(router: Router, deps: SignInDeps): void {
  const { sessions, https } = deps;

  router.get('/console/login', async (ctx) => {
    const signIn: SignIn = {
      verifier: randomBytes(32).toString('base64url'), nonce: randomBytes(16).toString('base64url'), state: randomBytes(32).toString('base64url'),
      returnTo: safeReturn(ctx.query.return), expiresAt: Date.now() + SIGN_IN_SECONDS * 1000,
    };
    setCookie(ctx, SIGN_IN_COOKIE, await sealSignIn(deps.seal, signIn), { https, maxAgeSeconds: SIGN_IN_SECONDS, sameSite: 'Lax' });
    const params = new URLSearchParams({
      client_id: CONSOLE_CLIENT_ID, response_type: 'code', redirect_uri: callbackUrl(deps.issuer), scope: CONSOLE_SCOPE,
      code_challenge: createHash('sha256').update(signIn.verifier).digest('base64url'), code_challenge_method: 'S256',
      // offline_access needs a consent prompt; the console is first-party, so no page is shown.
      state: signIn.state, nonce: signIn.nonce, prompt: 'consent',
    });
    ctx.redirect(`${deps.issuer}/auth?${params}`);
  });

  router.get('/console/callback', async (ctx) => {
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const cookie = ctx.cookies.get(SIGN_IN_COOKIE) ?? '';
    clearCookie(ctx, SIGN_IN_COOKIE, https);
    const signIn = state && cookie ? await openSignIn(deps.seal, cookie, state) : undefined;
    ctx.type = 'html';
    if (!signIn) {
      ctx.status = 400;
      ctx.body = messagePage('Sign-in problem', 'This sign-in was not started here, or it expired. Start again.', { href: '/console/login', label: 'Sign in' });
      return;
    }
    if (typeof ctx.query.error === 'string' || typeof ctx.query.code !== 'string') {
      ctx.status = 400;
      ctx.body = messagePage('Sign-in problem', `The sign-in did not finish: ${String(ctx.query.error_description ?? ctx.query.error ?? 'no code')}.`, { href: '/console/login', label: 'Try again' });
      return;
    }
    const signedIn = await redeem(deps, ctx.query.code, signIn);
    if (!signedIn) {
      ctx.status = 400;
      ctx.body = messagePage('Sign-in problem', 'The sign-in could not be completed (the code was refused or the ID token did not match). Start again.', { href: '/console/login', label: 'Sign in' });
      return;
    }
    const { answer, sub } = signedIn;
    const account = await deps.findAccount(sub);
    if (!account || account.disabled || !account.roles.includes('security')) {
      deps.logger.info('console sign-in refused: no security role', { sub });
      if (answer.refresh_token) await deps.tokens.revoke(answer.refresh_token).catch(() => undefined);
      refusalPage(ctx, account?.username ?? 'an unknown account');
      return;
    }
    const { id } = await sessions.create({
      sub: account.sub, username: account.username, accessToken: answer.access_token, accessExpiresAt: Date.now() + answer.expires_in * 1000,
      refreshToken: answer.refresh_token,
    });
    setCookie(ctx, SESSION_COOKIE, id, { https, maxAgeSeconds: sessions.maxAgeSeconds, sameSite: 'Strict' });
    deps.logger.info('console sign-in', { username: account.username });
    ctx.redirect(signIn.returnTo);
  });

  router.post('/console/logout', async (ctx) => {
    const id = ctx.cookies.get(SESSION_COOKIE);
    const session = id ? await sessions.find(id) : undefined;
    if (!id || !session) return ctx.redirect('/console/signed-out');
    if (!carriesCsrf(ctx, session.csrf)) ctx.throw(403, 'the sign-out form did not come from this console');
    await sessions.destroy(id);
    clearCookie(ctx, SESSION_COOKIE, https);
    if (session.refreshToken) await deps.tokens.revoke(session.refreshToken).catch(() => undefined);
    // No id_token_hint: no token ever travels in a URL. With the client's id alone, Rotor asks
    // the person whether to end their Rotor sign-in too, then comes back to /console/signed-out.
    const params = new URLSearchParams({ client_id: CONSOLE_CLIENT_ID, post_logout_redirect_uri: `${deps.issuer}/console/signed-out` });
    ctx.redirect(`${deps.issuer}/session/end?${params}`);
  });

  router.get('/console/signed-out', (ctx) => {
    ctx.type = 'html';
    ctx.body = messagePage('Signed out', 'You have signed out of the console.', { href: '/console/login', label: 'Sign in again' });
  });
}
