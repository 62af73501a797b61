import Koa from 'koa';
import Router from '@koa/router';
import type { Connection } from 'mongoose';
import type { Redis } from 'ioredis';
import type { Settings } from '../settings/load-settings.js';
import type { ProviderHolder } from '../provider/provider-holder.js';
import type { AccountStore } from '../store/account-store.js';
import type { Logger } from '../logging/create-logger.js';
import { interactionRouter } from '../provider/interactions.js';
import { errorHandler } from './error-handler.js';
import { securityHeaders } from './security-headers.js';
import { healthRouter } from './health-routes.js';
import { jwksRoute } from './jwks-route.js';
import type { JwksEvents } from './jwks-events.js';
import { metricsRoute } from './metrics-route.js';
import type { Metrics } from '../metrics/create-metrics.js';

export interface AppDeps {
  settings: Settings;
  holder: ProviderHolder;
  connection: Connection;
  redis: Redis;
  accounts: AccountStore;
  csrfKey: Buffer;
  logger: Logger;
  now: () => Date;
  events: JwksEvents;
  metrics: Metrics;
  admin: Router;
}

/**
 * The Koa app: Rotor's own routes first (health, JWKS and its events, metrics, admin API, interactions), then everything else is
 * handed to the oidc-provider of the current catalog version.
 */
export function createApp(deps: AppDeps): Koa {
  const { settings, holder, logger } = deps;
  const app = new Koa({ proxy: settings.http.trustProxy });
  app.silent = true;
  app.use(securityHeaders(settings.issuer.startsWith('https:')));
  app.use(errorHandler(logger));

  const health = healthRouter(deps.connection, deps.redis, holder);
  app.use(health.routes());

  const jwks = new Router();
  jwks.get('/jwks', jwksRoute(holder, settings.keys, settings.jwks.maxAge, deps.now));
  jwks.get('/jwks/events', deps.events.route());
  jwks.get('/metrics', metricsRoute(deps.metrics));
  app.use(jwks.routes());

  app.use(deps.admin.routes()).use(deps.admin.allowedMethods());

  const interactions = interactionRouter({ provider: () => holder.state.provider, accounts: deps.accounts, csrfKey: deps.csrfKey, logger });
  app.use(interactions.routes()).use(interactions.allowedMethods());

  app.use(async (ctx) => {
    ctx.respond = false;
    await holder.state.handler(ctx.req, ctx.res);
  });
  return app;
}
