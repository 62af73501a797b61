import { createServer, type Server } from 'node:http';
import { Redis } from 'ioredis';
import type { Settings } from './settings/load-settings.js';
import type { Logger } from './logging/create-logger.js';
import type { Kek } from './keys/seal.js';
import { deriveSecret } from './keys/derive-secret.js';
import { openStore } from './store/open-store.js';
import { reconcile } from './catalog/reconcile.js';
import { announceAccount, announceCatalog, announceClient, subscribeCatalog } from './catalog/catalog-channel.js';
import { createControls } from './catalog/create-controls.js';
import { SpareKeys } from './catalog/spare-keys.js';
import { auditTransitions } from './catalog/audit-transitions.js';
import { adminRouter } from './admin/admin-router.js';
import { redisReplayStore } from './admin/dpop-replay-store.js';
import { ProviderHolder } from './provider/provider-holder.js';
import { startCatalogPoll } from './provider/catalog-poll.js';
import { createApp } from './http/create-app.js';
import { jwksFastPath } from './http/jwks-fast-path.js';
import { JwksEvents } from './http/jwks-events.js';
import { createMetrics } from './metrics/create-metrics.js';
import { startMetricsServer, type MetricsServer } from './http/metrics-server.js';
import { createQueue, scheduleRepeatable } from './jobs/create-queue.js';
import { JANITOR_JOB, processJanitor } from './jobs/janitor.js';
import { ROTATE_KEYS_JOB, processRotateKeys } from './jobs/rotate-keys.js';
import { createThrottle } from './throttle/index.js';
import type { AuditInput } from './audit/chain.js';

import type { Role } from './settings/env-schema.js';

export class StartupError extends Error {
  readonly code = 'ROTOR_STARTUP';
}

export interface Instance {
  server: Server | undefined;
  stop(): Promise<void>;
}

const redactUri = (uri: string): string => uri.replace(/\/\/[^@/]*@/, '//***@');

/**
 * Wires one instance: store, catalog, provider holder, propagation, jobs and (for the web role)
 * the HTTP server. The catalog is reconciled before the port opens, so an instance never
 * serves without an active key.
 */
export async function startInstance(settings: Settings, kek: Kek, logger: Logger, role: Role): Promise<Instance> {
  const now = (): Date => new Date();
  // A spent refresh token must be remembered for as long as it could otherwise still be used.
  const store = await openStore(settings.mongodbUri, kek, { keepSpentSeconds: settings.tokens.refreshTokenTTL + 86400 }).catch((err: Error) => {
    throw new StartupError(`MongoDB at ${redactUri(settings.mongodbUri)} is unreachable: ${err.message}`);
  });
  const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  store.catalog.onCommitted = (version) => announceCatalog(redis, settings.queue.prefix, version, logger);
  store.clients.onChanged = (clientId) => announceClient(redis, settings.queue.prefix, clientId, logger);
  store.accounts.onChanged = (sub) => announceAccount(redis, settings.queue.prefix, sub, logger);
  const spares = new SpareKeys(kek);
  const controls = createControls(settings, store, kek, logger, now, spares.take);
  const { catalog, transitions } = await reconcile(store.catalog, settings.keys, kek, now);
  await auditTransitions(controls.audit, 'system:startup', catalog.version, transitions);
  if (role !== 'worker') spares.warm(settings.keys.algorithms);

  const onAudit = (event: AuditInput): void => void controls.audit.record(event);
  // Failed sign-ins and client authentications, counted in Redis, in memory while it is down.
  const throttle = createThrottle({
    redis, prefix: settings.queue.prefix, limits: settings.login,
    onModeChange: (mode, reason) => (mode === 'memory'
      ? logger.warn('throttling of failed sign-ins counts in memory on this instance: Redis unavailable', { reason })
      : logger.info('throttling of failed sign-ins counts in Redis again')),
  });

  const holder = new ProviderHolder({
    settings, adapter: store.adapter, accounts: store.accounts, logger,
    cookieKeys: [deriveSecret(kek, 'oidc-provider cookies').toString('base64url')],
    onTokenIssued: (kid, type) => metrics.tokensIssued.inc({ kid, type }),
    onAudit, throttle,
  }, kek);
  const metrics = createMetrics(() => (holder.loaded ? holder.state.catalog : undefined), settings.keys, now);
  const events = new JwksEvents(() => (holder.loaded ? holder.state.catalog : undefined));
  holder.onSwap((state, previous) => {
    events.broadcast(state.catalog, previous?.catalog);
    if (previous) logger.info('catalog swapped in', { version: state.catalog.version, previous: previous.catalog.version });
  });
  await holder.load(catalog);

  const reload = (version: number): void => {
    const started = performance.now();
    store.catalog.loadVersion(version).then(async (latest) => {
      const loaded = performance.now();
      if (latest) await holder.load(latest);
      logger.debug('catalog reload', { version: holder.version, loadMs: Math.round(loaded - started), swapMs: Math.round(performance.now() - loaded) });
    }).catch((err: Error) => logger.warn('catalog reload failed', { error: err.message }));
  };
  const stopPoll = startCatalogPoll(store.catalog, holder, settings.catalog.pollInterval, logger);
  const subscriber = subscribeCatalog(settings.redisUrl, settings.queue.prefix, logger, {
    onVersion: (version) => {
      if (version > holder.version) reload(version);
    },
    onClient: (clientId) => store.clients.invalidate(clientId),
    onAccount: (sub) => store.accounts.invalidate(sub),
  });

  const queue = createQueue('maintenance', { redisUrl: settings.redisUrl, prefix: settings.queue.prefix, logger });
  if (role !== 'web') {
    processJanitor(queue, store.connection, store.catalog, logger, now);
    processRotateKeys(queue, { repo: store.catalog, policy: settings.keys, kek, audit: controls.audit, logger, metrics, now });
    // Re-registered on every (re)connect: a Redis that restarted empty has lost the schedule.
    const schedule = (): void => {
      Promise.all([
        scheduleRepeatable(queue, ROTATE_KEYS_JOB, settings.keys.tick),
        scheduleRepeatable(queue, JANITOR_JOB, settings.janitor.interval),
      ]).catch((err: Error) => logger.warn('cannot schedule jobs yet', { error: err.message }));
    };
    redis.on('ready', schedule);
    if (redis.status === 'ready') schedule();
  }

  let server: Server | undefined;
  if (role !== 'worker') {
    const admin = adminRouter({ settings, holder, clients: store.clients, accounts: store.accounts, dpopReplay: redisReplayStore(redis, settings.queue.prefix), operations: controls.operations, emergency: controls.emergency, audit: controls.audit, auditLog: controls.auditLog });
    const app = createApp({ settings, holder, connection: store.connection, redis, accounts: store.accounts, csrfKey: deriveSecret(kek, 'interaction csrf'), logger, now, events, metrics, publicMetrics: settings.metrics.port === undefined, admin, throttle, onAudit });
    const jwks = jwksFastPath(holder, settings.keys, settings.jwks.maxAge, settings.issuer.startsWith('https:'), now);
    const handle = app.callback();
    server = createServer((req, res) => {
      if (!jwks(req, res)) void handle(req, res);
    });
    await new Promise<void>((resolveListen, reject) => {
      server!.once('error', reject);
      server!.listen(settings.port, () => resolveListen());
    });
  }
  let metricsServer: MetricsServer | undefined;
  if (settings.metrics.port !== undefined) {
    metricsServer = await startMetricsServer(metrics, settings.metrics.host, settings.metrics.port);
    logger.info('metrics listening', { host: settings.metrics.host, metricsPort: metricsServer.port });
  }
  logger.info('rotor started', { role, port: server ? settings.port : undefined, issuer: settings.issuer, catalogVersion: holder.version });

  return {
    server,
    async stop() {
      stopPoll();
      events.close();
      await metricsServer?.stop();
      if (server) {
        server.closeIdleConnections();
        await new Promise((done) => server!.close(done));
      }
      await queue.close().catch(() => undefined);
      subscriber.disconnect();
      redis.disconnect();
      await store.close();
    },
  };
}
