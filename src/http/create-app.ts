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
import type { JwksEvents } from '../propagation/jwks-events.js';
import { metricsRoute } from './metrics-route.js';
import type { Metrics } from '../metrics/create-metrics.js';
import type { Throttle } from '../throttle/index.js';
import type { AuditInput } from '../audit/chain.js';
import { createLoginThrottle } from '../provider/login-throttle.js';

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
  /** Serve `/metrics` on this port too (only when no `METRICS_PORT` is set, outside production). */
  publicMetrics: boolean;
  admin: Router;
  /** `POST /leaks`. */
  leaks: Router;
  /** The security team's console under `/console`. */
  console: Router;
  /** The SSF transmitter: `/.well-known/ssf-configuration` and `/ssf/...`. */
  ssf: Router;
  /** Throttles failed sign-ins; lock-outs are audited through `onAudit`. */
  throttle: Throttle;
  onAudit: (event: AuditInput) => void;
}

/** Paths Rotor answers itself; everything else belongs to oidc-provider. */
const OWN_PATHS = /^\/(?:jwks(?:\/events)?|healthz|readyz|metrics|leaks|admin(?:\/.*)?|console(?:\/.*)?|ssf\/.*|\.well-known\/ssf-configuration|interaction\/.*)$/;

/**
 * The Koa app: Rotor's own routes (health, JWKS and its events, metrics, admin API,
 * leak reports, security-event streams, interactions); every other request goes straight to the oidc-provider of the current catalog
 * version, past Rotor's routers, since the token endpoint is the hot path.
 */
export function createApp(deps: AppDeps): Koa {
  const { settings, holder, logger } = deps;
  const app = new Koa({ proxy: settings.http.proxyHops > 0, maxIpsCount: settings.http.proxyHops });
  app.silent = true;
  app.use(securityHeaders(settings.issuer.startsWith('https:')));
  app.use(async (ctx, next) => {
    if (OWN_PATHS.test(ctx.path)) return next();
    ctx.respond = false;
    await holder.state.handler(ctx.req, ctx.res);
  });
  app.use(errorHandler(logger));

  const own = new Router();
  own.get('/jwks/events', deps.events.route());
  if (deps.publicMetrics) own.get('/metrics', metricsRoute(deps.metrics));
  app.use(healthRouter(deps.connection, deps.redis, holder).routes());
  app.use(own.routes()).use(own.allowedMethods());
  app.use(deps.admin.routes()).use(deps.admin.allowedMethods());
  app.use(deps.leaks.routes()).use(deps.leaks.allowedMethods());
  app.use(deps.console.routes()).use(deps.console.allowedMethods());
  app.use(deps.ssf.routes()).use(deps.ssf.allowedMethods());

  const loginThrottle = createLoginThrottle({ throttle: deps.throttle, onAudit: deps.onAudit, now: deps.now });
  const interactions = interactionRouter({ provider: () => holder.state.provider, accounts: deps.accounts, csrfKey: deps.csrfKey, logger, loginThrottle });
  app.use(interactions.routes()).use(interactions.allowedMethods());
  app.use((ctx) => {
    ctx.throw(404, 'no such path');
  });
  return app;
}
