import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import type { Settings } from './settings/load-settings.js';
import type { Logger } from './logging/create-logger.js';
import type { AuditInput } from './audit/chain.js';
import type { Store } from './store/open-store.js';
import type { Controls } from './catalog/create-controls.js';
import type { Metrics } from './metrics/create-metrics.js';
import type { ProviderHolder } from './provider/provider-holder.js';
import type { JwksEvents } from './propagation/jwks-events.js';
import type { ReadinessStore } from './readiness/readiness-store.js';
import type { Ssf } from './ssf/start-ssf.js';
import { adminRouter } from './admin/admin-router.js';
import { anonymousRefusals } from './admin/anonymous-refusals.js';
import { redisReplayStore } from './admin/dpop-replay-store.js';
import { dpopSettings } from './verifier/dpop-binding.js';
import { startLeaks } from './leaks/start-leaks.js';
import { createApp } from './http/create-app.js';
import { startHttp } from './http/start-http.js';
import { recordJwksFetch } from './readiness/record-jwks-fetch.js';
import { consoleRouter } from './console/console-router.js';
import { registerConsoleClient } from './console/console-client.js';
import { ssfRouter } from './ssf/ssf-router.js';
import { createThrottle, type Throttle } from './throttle/index.js';

/** What the web role is built from: the parts every role starts first. */
export interface WebDeps {
  settings: Settings;
  store: Store;
  redis: Redis;
  holder: ProviderHolder;
  controls: Controls;
  metrics: Metrics;
  events: JwksEvents;
  readiness: ReadinessStore;
  ssf: Ssf;
  throttle: Throttle;
  onAudit: (event: AuditInput) => void;
  logger: Logger;
  now: () => Date;
}

/**
 * Admin API requests refused before authentication, counted per IP by the rules of failed
 * sign-ins from one IP (`login.maxFailuresPerIp`, `login.window`, `login.lockout`), apart from them.
 */
function startAdminThrottle(settings: Settings, redis: Redis): Throttle {
  const { login } = settings;
  return createThrottle({ redis, prefix: `${settings.queue.prefix}:admin`, limits: { ...login, maxFailures: login.maxFailuresPerIp } });
}

/** The SSF streams API, for receivers authenticated by tokens of this server. */
function streamsRouter({ settings, store, redis, holder, controls, ssf }: WebDeps) {
  return ssfRouter({
    issuer: settings.issuer, stores: ssf.stores, rules: ssf.rules, events: ssf.events, sign: ssf.sign, audit: controls.audit,
    entitledToSubjects: async (clientId) => (await store.clients.find(clientId))?.introspection_any_client === true,
    auth: { holder, clients: store.clients, accounts: store.accounts, issuer: settings.issuer, clockSkew: settings.tokens.clockSkew, dpop: dpopSettings({ replay: redisReplayStore(redis, settings.queue.prefix), clockSkewSec: settings.tokens.clockSkew }) },
  });
}

/** The console, through the first-party client Rotor registers for it. */
async function consoleRoutes({ settings, store, redis, holder, logger }: WebDeps) {
  const client = await registerConsoleClient({
    clients: store.clients, issuer: settings.issuer, secret: store.secrets.consoleClient,
    validate: async (metadata) => void await holder.state.provider.Client.validate(metadata),
  });
  return consoleRouter({ settings, redis, clientSecret: String(client.client_secret), sessionKey: store.secrets.consoleSessions, findAccount: (sub) => store.accounts.findBySub(sub), jwks: () => holder.state.localJwks, logger });
}

/** The web role: the admin API, leak intake, SSF streams and the console on one Koa app, listening. */
export async function startWeb(deps: WebDeps): Promise<{ server: Server; stop(): Promise<void> }> {
  const { settings, store, redis, holder, controls, metrics, events, readiness, ssf, throttle, onAudit, logger, now } = deps;
  const admin = adminRouter({ settings, holder, clients: store.clients, accounts: store.accounts, dpopReplay: redisReplayStore(redis, settings.queue.prefix), operations: controls.operations, emergency: controls.emergency, audit: controls.audit, auditLog: controls.auditLog,
    verifyAudit: () => controls.verifyAudit(),
    consumers: () => readiness.consumers(),
    anonymous: anonymousRefusals({ throttle: startAdminThrottle(settings, redis), counter: metrics.adminUnauthenticated, logger }),
    securityEvents: ssf.events, streams: () => ssf.adminStreams(),
  });
  const leaks = startLeaks({ settings, holder, store, redis, events, audit: controls.audit, logger, securityEvents: ssf.events });
  const app = createApp({ settings, holder, connection: store.connection, redis, accounts: store.accounts, csrfKey: store.secrets.csrf, logger, now, events, metrics, publicMetrics: settings.metrics.port === undefined, admin, leaks, console: await consoleRoutes(deps), ssf: streamsRouter(deps), throttle, onAudit });
  return startHttp(app, { port: settings.port, holder, policy: settings.keys, jwksMaxAge: settings.jwks.maxAge, https: settings.issuer.startsWith('https:'), now, onJwksServed: recordJwksFetch(readiness, settings.http.proxyHops) });
}
