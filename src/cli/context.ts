import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import type Provider from 'oidc-provider';
import { loadSettings, type Settings } from '../settings/load-settings.js';
import { loadKeyring } from '../settings/load-keyring.js';
import { openStore, type Store } from '../store/open-store.js';
import { securityEvents, type SecurityEvents } from '../ssf/security-events.js';
import { openSsfStores } from '../ssf/ssf-stores.js';
import { withKeySetEvent } from '../ssf/catalog-events.js';
import type { Keyring } from '../keys/seal.js';
import { createLogger, type Logger } from '../logging/create-logger.js';
import { reconcile } from '../catalog/reconcile.js';
import { CliError } from './cli-error.js';
import type { Principal } from '../audit/principal.js';
import type { Redis } from 'ioredis';
import { hostname, userInfo } from 'node:os';
import { createControls, type Controls } from '../catalog/create-controls.js';
import { auditTransitions } from '../catalog/audit-transitions.js';
import { announceAccount, announceCatalog, announceClient } from '../propagation/catalog-channel.js';

export interface CliContext {
  settings: Settings;
  keyring: Keyring;
  store: Store;
  logger: Logger;
  json: boolean;
  out(human: string, data: unknown): void;
  /** An oidc-provider built from the current catalog, for validating what is registered. */
  provider(): Promise<Provider>;
  /** The same audited key operations the admin API uses. */
  controls(): Controls;
  /** Who the audit log names for what this CLI does. */
  actor: string;
  principal: Principal;
  /** The outbox: what the CLI does that receivers must hear of is written there (the sweeper delivers it). */
  securityEvents: SecurityEvents;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Reads the same configuration as the server and opens the same MongoDB. */
export async function openContext(json: boolean): Promise<CliContext> {
  const settings = loadSettings(root, process.env, { defaultLogLevel: 'warn' });
  const logger = createLogger({ level: settings.logLevel, production: settings.production, service: 'rotor-cli' });
  const { keyring } = loadKeyring(settings);

  /**
   * Tells running instances about a change at once (otherwise they poll, or caches expire).
   * The Redis client is loaded here, so a command that changes nothing never loads it.
   */
  async function announce(send: (redis: Redis) => Promise<void>, what: string): Promise<void> {
    const { Redis: RedisClient } = await import('ioredis');
    const redis = new RedisClient(settings.redisUrl, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await send(redis);
    } catch {
      logger.warn(`Redis unreachable: running instances see ${what} at their next poll or cache expiry`);
    } finally {
      redis.disconnect();
    }
  }

  const { prefix } = settings.queue;
  let events: SecurityEvents | undefined;
  const store = await openStore(settings.mongodbUri, keyring, {
    hooks: {
      onCatalogCommitted: withKeySetEvent((version, revoked) => announce((redis) => announceCatalog(redis, prefix, version, revoked, logger), `catalog version ${version}`), settings.issuer, () => events, logger),
      onClientChanged: (clientId) => announce((redis) => announceClient(redis, prefix, clientId, logger), `client ${clientId}`),
      onAccountChanged: (sub) => announce((redis) => announceAccount(redis, prefix, sub, logger), `account ${sub}`),
    },
  }).catch((err: Error) => {
    // Rotor's own refusals (a KEK still needed but missing, a root secret gone) say it all.
    if (String((err as { code?: unknown }).code).startsWith('ROTOR_')) throw new CliError(err.message);
    throw new CliError(`MongoDB at ${settings.mongodbUri.replace(/\/\/[^@/]*@/, '//***@')} is unreachable: ${err.message}`);
  });

  events = securityEvents(settings.issuer, openSsfStores(store.connection), undefined, logger);
  const actor = `cli:${userInfo().username}@${hostname()}`;
  let controls: Controls | undefined;
  const context: CliContext = {
    settings, keyring, store, logger, json,
    actor, securityEvents: events,
    principal: { actor },
    controls() {
      controls ??= createControls(settings, store, keyring, logger, () => new Date());
      return controls;
    },
    out(human, data) {
      process.stdout.write(json ? `${JSON.stringify(data)}\n` : `${human}\n`);
    },
    async provider() {
      // Only an empty catalog is bootstrapped here: the CLI must never rotate on its own clock.
      let catalog = await store.catalog.load();
      if (!catalog) {
        const bootstrapped = await reconcile(store.catalog, settings.keys, keyring, () => new Date());
        await auditTransitions(context.controls().audit, context.actor, bootstrapped.catalog.version, bootstrapped.transitions);
        catalog = bootstrapped.catalog;
      }
      // Validate against the algorithms the catalog signs with, whatever this CLI's own config says.
      const active = new Set(catalog.keys.filter((key) => key.state === 'active').map((key) => key.alg));
      const signing = [...settings.keys.algorithms.filter((alg) => active.has(alg)), ...[...active].filter((alg) => !settings.keys.algorithms.includes(alg))];
      if (signing.length === 0) throw new CliError('the catalog has no active key: start an instance first');
      // Loaded here: only `clients add` validates against oidc-provider, and it is the heaviest import.
      const [{ providerKeys }, { createProvider }] = await Promise.all([import('../provider/provider-keys.js'), import('../provider/create-provider.js')]);
      const keys = await providerKeys(catalog, signing, keyring);
      const asServed = { ...settings, keys: { ...settings.keys, algorithms: signing } };
      return createProvider({ settings: asServed, adapter: store.adapter, accounts: store.accounts, cookieKeys: ['unused-by-the-cli'], logger, refreshSuccessorKey: store.secrets.refreshSuccessors }, keys);
    },
  };
  if (store.rootCreated) {
    logger.log(store.rootCreated === 'upgrade' ? 'warn' : 'info', 'created the deployment\'s root secret', { why: store.rootCreated, kekId: keyring.sealing.id });
    await context.controls().audit.record({ actor, action: 'secrets.root.created', target: 'root', outcome: 'ok', detail: { why: store.rootCreated, kekId: keyring.sealing.id } });
  }
  return context;
}
