import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, mkdtempSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ROOT } from './server.js';

/** An engine process of a test's own, so the test can stop and restart it. */
export interface PrivateEngine {
  port: number;
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function waitForPort(port: number, up: boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((done) => {
      const socket = createConnection(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); done(true); });
      socket.once('error', () => done(false));
    });
    if (open === up) return;
    await sleep(100);
  }
  throw new Error(`port ${port} did not go ${up ? 'up' : 'down'}`);
}

function privateEngine(command: string, args: (port: number) => string[], url: (port: number) => string, port: number): PrivateEngine {
  let child: ChildProcess | undefined;
  return {
    port,
    url: url(port),
    async start() {
      child = spawn(command, args(port), { stdio: 'ignore' });
      await waitForPort(port, true);
    },
    async stop() {
      if (!child) return;
      const exited = new Promise((done) => child!.once('exit', done));
      child.kill('SIGKILL');
      await exited;
      child = undefined;
      await waitForPort(port, false);
    },
  };
}

/** A FerretDB of the test's own (SQLite in a temp dir), on a free port. */
export async function startPrivateFerretDb(): Promise<PrivateEngine> {
  const bin = process.env.FERRETDB_BIN ?? join(ROOT, '.data/bin/ferretdb');
  if (!existsSync(bin)) throw new Error(`no FerretDB binary at ${bin}: jest's global set-up provides one in FERRETDB_BIN`);
  const dir = mkdtempSync(join(tmpdir(), 'rotor-ferret-'));
  const engine = privateEngine(bin, (port) => [
    '--handler=sqlite', `--sqlite-url=file:${dir}/`, `--listen-addr=127.0.0.1:${port}`, `--state-dir=${dir}`,
    '--debug-addr=-', '--telemetry=disable', '--log-level=error',
  ], (port) => `mongodb://127.0.0.1:${port}/rotor`, await freePort());
  await engine.start();
  return engine;
}

/** A redis-server of the test's own, keeping nothing on disk, on a free port. */
export async function startPrivateRedis(): Promise<PrivateEngine> {
  const engine = privateEngine('redis-server', (port) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], (port) => `redis://127.0.0.1:${port}`, await freePort());
  await engine.start();
  return engine;
}
