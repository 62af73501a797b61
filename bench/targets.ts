import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startServer, freePort, ROOT } from '../test/helpers/server.js';
import { cliJson } from '../test/helpers/cli.js';
import { uniqueMongoUri } from '../test/helpers/engines.js';
import { dropDatabase } from '../test/helpers/database.js';

export type Alg = 'RS256' | 'ES256' | 'EdDSA';

/** A server under load: Rotor, or the bare oidc-provider baseline, with the same clients. */
export interface Target {
  name: 'rotor' | 'baseline';
  url: string;
  pid: number;
  /** The database the server stores in. */
  mongodbUri: string;
  stop(): Promise<void>;
}

export const CC_CLIENT = ['bench-cc', 'bench-secret-0123456789-abcdefghij'] as const;
export const SPA_CLIENT = 'bench-spa';
export const REDIRECT = 'http://127.0.0.1:9/cb';

/** `env` is added to the server's environment (e.g. NODE_OPTIONS for a profile). */
export async function startRotor(alg: Alg, env: Record<string, string> = {}): Promise<Target> {
  const mongodbUri = uniqueMongoUri('benchrotor');
  const kek = randomBytes(32).toString('base64');
  const server = await startServer({ mongodbUri, kek, config: { keys: { algorithms: [alg] }, queue: { prefix: `rotor-bench-${Date.now()}` } }, env: { LOG_LEVEL: 'warn', ...env } });
  const cliEnv = { MONGODB_URI: mongodbUri, KEK: kek };
  await cliJson(['clients', 'add', '--client-id', CC_CLIENT[0], '--client-secret', CC_CLIENT[1], '--scope', 'api:read api:write'], cliEnv);
  await cliJson(['clients', 'add', '--client-id', SPA_CLIENT, '--public', '--first-party', '--redirect-uri', REDIRECT, '--scope', 'openid offline_access api:read'], cliEnv);
  await cliJson(['users', 'add', '--username', 'bench', '--password', 'bench-password'], cliEnv);
  return {
    name: 'rotor', url: server.url, pid: server.child.pid!, mongodbUri,
    async stop() {
      await server.stop();
      await dropDatabase(mongodbUri);
    },
  };
}

export async function startBaseline(alg: Alg, env: Record<string, string> = {}): Promise<Target> {
  const mongodbUri = uniqueMongoUri('benchbase');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [join(ROOT, 'dist/bench/baseline-server.js')], {
    env: { ...process.env, ...env, PORT: String(port), ISSUER: url, MONGODB_URI: mongodbUri, ALG: alg },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`baseline exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
  });
  return {
    name: 'baseline', url, pid: child.pid!, mongodbUri,
    async stop() {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
      await dropDatabase(mongodbUri);
    },
  };
}
