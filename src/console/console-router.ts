import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import type { JWTVerifyGetKey } from 'jose';
import type { Redis } from 'ioredis';
import type { Settings } from '../settings/load-settings.js';
import type { Account } from '../store/account-store.js';
import type { Logger } from '../logging/create-logger.js';
import { SessionStore } from './session-store.js';
import { ConsoleSeal } from './console-seal.js';
import { DependencyDown } from './dependency-down.js';
import { messagePage } from './views/console-layout.js';
import { tokenClient } from './token-client.js';
import { adminClient, SessionEnded } from './admin-client.js';
import { signInRoutes } from './sign-in-routes.js';
import { apiRoutes } from './api-routes.js';
import { pageRoutes } from './page-routes.js';
import { loadAssets } from './static-assets.js';

export interface ConsoleDeps {
  settings: Settings;
  redis: Redis;
  /** The console client's secret (`consoleClientMetadata`). */
  clientSecret: string;
  /** The deployment's console key (`DeploymentSecrets.consoleSessions`). */
  sessionKey: Buffer;
  findAccount(sub: string): Promise<Account | undefined>;
  jwks(): JWTVerifyGetKey;
  logger: Logger;
}

/** Only this origin's scripts, styles and connections; no inline code, no framing. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * A session whose tokens the server refuses now: pages go to sign-in again, API calls get 401.
 * A dependency down (Redis, the token endpoint): 503 with Retry-After, in words or in JSON.
 */
const consoleFailures = (logger: Logger) => async (ctx: Context, next: Next): Promise<void> => {
  try {
    await next();
  } catch (err) {
    const api = ctx.path.startsWith('/console/api/');
    if (err instanceof DependencyDown) {
      logger.warn('console request failed: dependency down', { path: ctx.path, dependency: err.dependency });
      ctx.status = 503;
      ctx.set('Retry-After', '5');
      const words = `${err.dependency} cannot be reached just now; nothing was changed. Try again in a few seconds.`;
      if (api) {
        ctx.body = { error: 'temporarily_unavailable', error_description: words };
      } else {
        ctx.type = 'html';
        ctx.body = messagePage('Temporarily unavailable', words, { href: ctx.path, label: 'Try again' });
      }
      return;
    }
    if (!(err instanceof SessionEnded)) throw err;
    logger.info('console session ended', { reason: err.message });
    if (api) {
      ctx.status = 401;
      ctx.body = { error: 'login_required', error_description: 'the session has ended; sign in again' };
    } else {
      ctx.redirect(`/console/login?return=${encodeURIComponent(ctx.path)}`);
    }
  }
};

/**
 * The security team's console under `/console`: a backend-for-frontend on the admin API. It
 * reaches this instance's own token endpoint and admin API over loopback, as the console
 * client and then as the signed-in person.
 */
export function consoleRouter(deps: ConsoleDeps): Router {
  const { settings } = deps;
  const base = `http://127.0.0.1:${settings.port}`;
  const https = settings.issuer.startsWith('https:');
  const seal = new ConsoleSeal(deps.sessionKey);
  const sessions = new SessionStore(deps.redis, settings.queue.prefix, settings.session.maxAge, seal);
  const tokens = tokenClient(base, deps.clientSecret);
  const admin = adminClient(base, sessions, tokens);
  const assets = loadAssets();
  const router = new Router();

  router.use(async (ctx, next) => {
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  router.get('/console/static/:name', (ctx) => {
    const asset = assets.get(String(ctx.params.name));
    if (!asset) ctx.throw(404, 'no such file');
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('ETag', asset!.etag);
    if (ctx.get('If-None-Match') === asset!.etag) {
      ctx.status = 304;
      return;
    }
    ctx.type = asset!.type;
    ctx.body = asset!.body;
  });
  router.use(consoleFailures(deps.logger));
  router.use(bodyParser({ enableTypes: ['json', 'form'], jsonLimit: '16kb', formLimit: '16kb', onError: (_err, ctx) => ctx.throw(400, 'the body could not be read') }));

  signInRoutes(router, { issuer: settings.issuer, https, sessions, seal, tokens, findAccount: deps.findAccount, jwks: deps.jwks, logger: deps.logger });
  pageRoutes(router, { algorithms: settings.keys.algorithms, sessions, admin });
  apiRoutes(router, { settings, sessions, admin });
  return router;
}
