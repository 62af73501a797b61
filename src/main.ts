import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { loadSettings } from './settings/load-settings.js';
import { loadKeyring } from './settings/load-keyring.js';
import { createLogger } from './logging/create-logger.js';
import { startInstance } from './start-instance.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Starts one Rotor instance in the role `ROTOR_ROLE` names (default `all`); stops on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const settings = loadSettings(root);
  const logger = createLogger({ level: settings.logLevel, production: settings.production });
  const { keyring, created } = loadKeyring(settings);
  if (created) logger.warn('created a new KEK; keep it safe and give the same one to every instance', { file: settings.kekFile });
  const instance = await startInstance(settings, keyring, logger);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    instance.stop().then(() => process.exit(0), (err: Error) => {
      logger.error('unclean shutdown', { error: err.message });
      process.exit(1);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: Error) => {
  const code = (err as { code?: unknown }).code;
  const known = code === 'EADDRINUSE' || (typeof code === 'string' && code.startsWith('ROTOR_'));
  process.stderr.write(`rotor: ${known ? err.message : `start-up failed: ${err.stack ?? err.message}`}\n`);
  process.exit(1);
});
