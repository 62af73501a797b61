import './logging/quiet-runtime-warning.js';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { loadSettings } from './settings/load-settings.js';
import { loadKek } from './settings/load-kek.js';
import { SettingsError } from './settings/settings-error.js';
import { createLogger } from './logging/create-logger.js';
import { openStore } from './store/open-store.js';
import { deriveSecret } from './keys/derive-secret.js';
import { reconcile } from './catalog/reconcile.js';
import { ProviderHolder } from './provider/provider-holder.js';
import { startCatalogPoll } from './provider/catalog-poll.js';
import { createApp } from './http/create-app.js';
import { createQueue, scheduleRepeatable } from './jobs/create-queue.js';
import { JANITOR_JOB, processJanitor } from './jobs/janitor.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

/** Starts one Rotor instance: settings, store, catalog, provider, HTTP, jobs; stops cleanly. */
async function main(): Promise<void> {
  const settings = loadSettings(root);
  const logger = createLogger({ level: settings.logLevel, production: settings.production });
  const { kek, created } = loadKek(settings);
  if (created) logger.warn('created a new KEK; keep it safe and give the same one to every instance', { file: settings.kekFile });
  const now = (): Date => new Date();

  const store = await openStore(settings.mongodbUri, kek).catch((err: Error) => {
    throw new StartupError(`MongoDB at ${redactUri(settings.mongodbUri)} is unreachable: ${err.message}`);
  });
  const { catalog } = await reconcile(store.catalog, settings.keys, kek, now);

  const holder = new ProviderHolder({
    settings, adapter: store.adapter, accounts: store.accounts, logger,
    cookieKeys: [deriveSecret(kek, 'oidc-provider cookies').toString('base64url')],
  }, kek);
  await holder.load(catalog);
  const stopPoll = startCatalogPoll(store.catalog, holder, settings.catalog.pollInterval, logger);

  const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  redis.on('error', () => undefined);
  const queueOptions = { redisUrl: settings.redisUrl, prefix: settings.queue.prefix, logger };
  const maintenance = createQueue('maintenance', queueOptions);
  processJanitor(maintenance, store.connection, logger, now);
  scheduleRepeatable(maintenance, JANITOR_JOB, settings.janitor.interval).catch((err: Error) => logger.warn('cannot schedule the janitor yet', { error: err.message }));

  const app = createApp({ settings, holder, connection: store.connection, redis, accounts: store.accounts, csrfKey: deriveSecret(kek, 'interaction csrf'), logger, now });
  const server = createServer(app.callback());
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(settings.port, () => resolveListen());
  });
  logger.info('rotor listening', { port: settings.port, issuer: settings.issuer, catalogVersion: holder.version });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    stopPoll();
    server.closeIdleConnections();
    await new Promise((done) => server.close(done));
    await maintenance.close().catch(() => undefined);
    redis.disconnect();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
}

class StartupError extends Error {}

main().catch((err: Error) => {
  const code = (err as { code?: unknown }).code;
  const known = err instanceof SettingsError || err instanceof StartupError || code === 'EADDRINUSE' || (typeof code === 'string' && code.startsWith('ROTOR_'));
  process.stderr.write(`rotor: ${known ? err.message : `start-up failed: ${err.stack ?? err.message}`}\n`);
  process.exit(1);
});
