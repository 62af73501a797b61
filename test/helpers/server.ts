import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { withDeploymentPrefix } from './engines.js';

const above = resolve(import.meta.dirname, '../..');
/** The project root, whether this runs from `test/` (jest) or from `dist/test/` (benchmarks). */
export const ROOT = basename(above) === 'dist' ? dirname(above) : above;

export interface ServerOptions {
  mongodbUri: string;
  kek: string;
  /** Written to a file passed as ROTOR_CONFIG. */
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  port?: number;
  /** Shared by instances that must look like one deployment. */
  issuer?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Writes a config file for ROTOR_CONFIG and returns its path. */
export function writeConfig(config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-test-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

export function serverEnv(options: ServerOptions, port: number): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'test',
    PORT: String(port),
    ISSUER: options.issuer ?? `http://localhost:${port}`,
    MONGODB_URI: options.mongodbUri,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    KEK: options.kek,
    LOG_LEVEL: process.env.ROTOR_TEST_LOG_LEVEL ?? 'info',
    ROTOR_CONFIG: writeConfig(withDeploymentPrefix(options.config ?? {}, options.mongodbUri)),
    ...options.env,
  };
}

function waitExit(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
}

/** Starts `node dist/src/main.js` and resolves once `/readyz` answers 200. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const port = options.port ?? await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js')], { cwd: ROOT, env: serverEnv(options, port), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  if (Date.now() >= deadline) {
    child.kill('SIGKILL');
    throw new Error(`server did not become ready: ${output}`);
  }
  return {
    url,
    port,
    child,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await waitExit(child);
    },
    async kill() {
      child.kill('SIGKILL');
      await waitExit(child);
    },
  };
}

/** Runs a server that is expected to fail at start-up; returns its exit code and output. */
export async function runServerExpectingExit(options: ServerOptions): Promise<{ code: number | null; stderr: string; port: number }> {
  const port = options.port ?? await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js')], { cwd: ROOT, env: serverEnv(options, port), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await waitExit(child);
  clearTimeout(timer);
  return { code: child.exitCode, stderr, port };
}
