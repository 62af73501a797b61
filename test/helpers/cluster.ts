import { randomBytes } from 'node:crypto';
import { startServer, freePort, writeConfig, type RunningServer } from './server.js';
import { cliJson } from './cli.js';
import { uniqueMongoUri } from './engines.js';
import { dropDatabase } from './database.js';

export interface Cluster {
  issuer: string;
  servers: RunningServer[];
  mongodbUri: string;
  kek: string;
  cliEnv: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts `size` Rotor instances of one deployment (one issuer, one KEK, one fresh database),
 * then registers `clients` (each the arguments of `rotor clients add`) with the CLI.
 */
export async function startCluster(label: string, size: number, config: Record<string, unknown>, clients: string[][] = []): Promise<Cluster> {
  const mongodbUri = uniqueMongoUri(label);
  const kek = randomBytes(32).toString('base64');
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const servers: RunningServer[] = [];
  const cliEnv = { MONGODB_URI: mongodbUri, KEK: kek, ROTOR_CONFIG: writeConfig(config) };
  try {
    for (let i = 0; i < size; i++) servers.push(await startServer({ mongodbUri, kek, config, issuer, ...(i === 0 ? { port } : {}) }));
    // A few at a time: each is a process of its own, mostly waiting on its start-up and the engine.
    for (let i = 0; i < clients.length; i += 3) await Promise.all(clients.slice(i, i + 3).map((args) => cliJson(['clients', 'add', ...args], cliEnv)));
  } catch (err) {
    await Promise.all(servers.map((server) => server.stop()));
    throw err;
  }
  return {
    issuer, servers, mongodbUri, kek, cliEnv,
    async close() {
      await Promise.all(servers.map((server) => server.stop()));
      await dropDatabase(mongodbUri);
    },
  };
}
