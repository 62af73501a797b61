import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import type { Settings } from './settings/load-settings.js';
import type { Logger } from './logging/create-logger.js';
import type { Keyring } from './keys/seal.js';
import type { AuditInput } from './audit/chain.js';
import { openStore, type Store } from './store/open-store.js';
import { reconcile } from './catalog/reconcile.js';
import { createControls } from './catalog/create-controls.js';
import { SpareKeys } from './catalog/spare-keys.js';
import { auditTransitions } from './catalog/audit-transitions.js';
import { ProviderHolder } from './provider/provider-holder.js';
import { announceGrant, announcer } from './propagation/catalog-channel.js';
import { createGrantCache } from './provider/grant-cache.js';
import { JwksEvents } from './propagation/jwks-events.js';
import { loadRevokedTokens } from './propagation/revoked-tokens.js';
import { spentRecordSeconds } from './provider/ttl.js';
import { startPropagation } from './propagation/start-propagation.js';
import { startMetricsServer } from './http/metrics-server.js';
import { createMetrics } from './metrics/create-metrics.js';
import { startJobs } from './jobs/start-jobs.js';
import { startWeb } from './start-web.js';
import { startRedis } from './redis/connections.js';
import { createThrottle, type Throttle } from './throttle/index.js';
import { ReadinessStore } from './readiness/readiness-store.js';
import { readinessReport } from './readiness/readiness-report.js';
import { readUptakeGate } from './readiness/uptake-gate.js';
import type { Catalog } from './keys/catalog.js';
import { startSsf } from './ssf/start-ssf.js';
import { withKeySetEvent } from './ssf/catalog-events.js';
import type { SecurityEvents } from './ssf/security-events.js';

export class StartupError extends Error {
  readonly code = 'ROTOR_STARTUP';
}

export interface Instance {
  server: Server | undefined;
  stop(): Promise<void>;
}

type Stop = () => Promise<void> | void;

const redactUri = (uri: string): string => uri.replace(/\/\/[^@/]*@/, '//***@');

/**
 * MongoDB, with every change other instances must hear of announced on Redis. Rotor's own
 * refusals (a KEK still needed but missing, a root secret gone) pass through as they are.
 */
async function startStore(settings: Settings, keyring: Keyring, hooks: NonNullable<Parameters<typeof openStore>[2]>['hooks']): Promise<Store> {
  // A spent refresh token must be remembered for as long as it could otherwise still be used.
  return openStore(settings.mongodbUri, keyring, { keepSpentSeconds: spentRecordSeconds(settings.tokens), hooks }).catch((err: Error) => {
    if (String((err as { code?: unknown }).code).startsWith('ROTOR_')) throw err;
    throw new StartupError(`MongoDB at ${redactUri(settings.mongodbUri)} is unreachable: ${err.message}`);
  });
}

/** Failed sign-ins and client authentications, counted in Redis, in memory while it is down. */
function startThrottle(settings: Settings, redis: Redis, logger: Logger): Throttle {
  return createThrottle({
    redis, prefix: settings.queue.prefix, limits: settings.login,
    onModeChange: (mode, reason) => (mode === 'memory'
      ? logger.warn('throttling of failed sign-ins counts in memory on this instance: Redis unavailable', { reason })
      : logger.info('throttling of failed sign-ins counts in Redis again')),
  });
}

/**
 * Wires one instance from its parts, each of which returns how to stop it: Redis connections,
 * the store, the catalog (reconciled before any port opens, so an instance never serves without
 * an active key), the provider holder, propagation, jobs (worker role) and HTTP (web role); the
 * role is `ROTOR_ROLE`'s.
 */
export async function startInstance(settings: Settings, keyring: Keyring, logger: Logger): Promise<Instance> {
  const { role } = settings;
  const now = (): Date => new Date();
  const stops: Stop[] = [];
  const redis = startRedis(settings.redisUrl);
  stops.push(() => redis.stop());
  const announce = announcer(redis.commands, settings.queue.prefix, logger);
  // Set once the transmitter is up: every catalog version written from then on has its key-set
  // event in the outbox before the write returns (the sweeper writes any missed before).
  let securityEvents: SecurityEvents | undefined;
  const hooks = { ...announce, onCatalogCommitted: withKeySetEvent(announce.onCatalogCommitted, settings.issuer, () => securityEvents, logger) };
  const store = await startStore(settings, keyring, hooks).catch((err: Error) => {
    redis.stop();
    throw err;
  });
  stops.push(() => store.close());

  const spares = new SpareKeys(keyring);
  const controls = createControls(settings, store, keyring, logger, now, spares.take);
  if (store.rootCreated) {
    logger.log(store.rootCreated === 'upgrade' ? 'warn' : 'info', 'created the deployment\'s root secret', { why: store.rootCreated, kekId: keyring.sealing.id });
    await controls.audit.record({ actor: 'system:startup', action: 'secrets.root.created', target: 'root', outcome: 'ok', detail: { why: store.rootCreated, kekId: keyring.sealing.id } });
  }
  const readiness = new ReadinessStore(redis.commands, settings.queue.prefix, settings.readiness.window);
  const uptake = settings.keys.activation === 'uptake' ? readUptakeGate(() => readiness.consumers(), settings.keys.maxActivationDelay) : undefined;
  // The transmitter first: a catalog version written from here on has its key-set event at once.
  const current = (): Catalog | undefined => (holder.loaded ? holder.state.catalog : undefined);
  const metrics = createMetrics(current, settings.keys, now, async () => (holder.loaded ? readinessReport(holder.state.catalog, await readiness.consumers()) : []));
  const ssf = startSsf({
    settings, connection: store.connection, catalogStore: store.catalog, currentCatalog: current, keyring,
    bullClient: redis.bullClient, registry: metrics.registry, logger,
  });
  stops.push(() => ssf.stop());
  securityEvents = ssf.events;
  // Start-up is where a changed policy comes in: the catalog follows it from here on.
  const { catalog, transitions } = await reconcile(store.catalog, settings.keys, keyring, now, { adopt: true, ...(uptake ? { uptake: await uptake() } : {}) });
  await auditTransitions(controls.audit, 'system:startup', catalog.version, transitions);
  const sealed = await controls.auditLog.sealUnkeyed('system:startup');
  if (sealed) logger.warn('audit chain keyed from here on: the events before it were written unkeyed by an older version', { seq: sealed.seq });
  if (role !== 'worker') {
    spares.warm(settings.keys.algorithms);
    store.accounts.warmUp().catch((err: Error) => logger.warn('cannot prepare the sign-in timing equaliser', { error: err.message }));
  }

  const onAudit = (event: AuditInput): void => void controls.audit.record(event);
  const throttle = startThrottle(settings, redis.commands, logger);
  const events = new JwksEvents(current, settings.events);
  stops.push(() => events.close());
  // Access tokens reported as leaked before this instance started: its listeners hear of them too.
  const repeatReported = (): void => void loadRevokedTokens(redis.commands, settings.queue.prefix, logger).then((tokens) => events.revokeTokens(tokens));
  if (redis.commands.status === 'ready') repeatReported();
  else redis.commands.once('ready', repeatReported);
  // Revoked here, forgotten everywhere: a grant cached by another instance goes within a message.
  const grantCache = createGrantCache({ onRevoked: (grantId) => void announceGrant(redis.commands, settings.queue.prefix, grantId, logger) });
  const holder = new ProviderHolder({
    settings, adapter: store.adapter, accounts: store.accounts, logger,
    cookieKeys: store.secrets.cookies, refreshSuccessorKey: store.secrets.refreshSuccessors, grantCache,
    onTokenIssued: (kid, type) => metrics.tokensIssued.inc({ kid, type }),
    onAudit, throttle, recordSecurityEvent: (event) => ssf.events.record(event),
  }, keyring, {
    onSwap: (state, previous) => {
      events.broadcast(state.interim ? { ...state.catalog, version: state.interim } : state.catalog, previous?.catalog);
      if (previous && !state.interim) logger.info('catalog swapped in', { version: state.catalog.version, previous: previous.catalog.version });
    },
  });
  await holder.load(catalog);

  stops.push(startPropagation({
    catalog: store.catalog, holder, subscriber: redis.subscriber, prefix: settings.queue.prefix, pollInterval: settings.catalog.pollInterval, logger,
    // A changed client or account may have lost its grants (removal, a new password): no cached grant survives that.
    forgetClient: (clientId) => {
      store.clients.invalidate(clientId);
      grantCache.clear();
    },
    forgetAccount: (sub) => {
      store.accounts.invalidate(sub);
      grantCache.clear();
    },
    forgetGrant: (grantId) => grantCache.forget(grantId),
    revokeTokens: (tokens) => events.revokeTokens(tokens),
  }));
  if (role !== 'web') {
    stops.push(startJobs({
      connection: store.connection, catalog: store.catalog, policy: settings.keys, janitorInterval: settings.janitor.interval, keyring,
      audit: controls.audit, anchor: (why) => controls.anchorer.anchor(why), anchorInterval: settings.audit.anchorInterval, metrics, redis: redis.commands, bullClient: redis.bullClient, prefix: settings.queue.prefix, logger, now, uptake,
    }));
    ssf.startWorker();
  }

  let server: Server | undefined;
  if (role !== 'worker') {
    const web = await startWeb({ settings, store, redis: redis.commands, holder, controls, metrics, events, readiness, ssf, throttle, onAudit, logger, now });
    server = web.server;
    stops.push(() => web.stop());
  }
  if (settings.metrics.port !== undefined) {
    const metricsServer = await startMetricsServer(metrics, settings.metrics.host, settings.metrics.port);
    stops.push(() => metricsServer.stop());
    logger.info('metrics listening', { host: settings.metrics.host, metricsPort: metricsServer.port });
  }
  logger.info('rotor started', { role, port: server ? settings.port : undefined, issuer: settings.issuer, catalogVersion: holder.version });

  return {
    server,
    async stop() {
      // The reverse of starting: listeners first, connections last.
      for (const stop of stops.reverse()) await stop();
    },
  };
}
