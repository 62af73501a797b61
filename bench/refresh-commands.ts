import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, ROOT } from '../test/helpers/server.js';
import { startBaseline, startRotor, SPA_CLIENT, type Target } from './targets.js';
import { refreshTokenPool } from './throughput.js';

/** Refreshes per target: sequential, one chain after another, so every command is counted once. */
const REFRESHES = 200;

interface EngineWithMetrics {
  mongodbUri: string;
  /** `ferretdb_client_requests_total` by command name. */
  commands(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

/** A FerretDB of its own, as `npm run engines` starts it but with its metrics listener on. */
async function startCountingEngine(): Promise<EngineWithMetrics> {
  const { ferretDbBinary } = (await import(resolve(ROOT, 'scripts/engines.mjs'))) as { ferretDbBinary(options: { root: string; log?: () => void }): Promise<string> };
  const bin = await ferretDbBinary({ root: ROOT, log: () => undefined });
  const dir = mkdtempSync(join(tmpdir(), 'rotor-bench-ferret-'));
  const [port, debugPort] = [await freePort(), await freePort()];
  const child = spawn(bin, [
    '--handler=sqlite', `--sqlite-url=file:${dir}/?_pragma=synchronous(normal)`, `--listen-addr=127.0.0.1:${port}`, `--state-dir=${dir}`,
    `--debug-addr=127.0.0.1:${debugPort}`, '--telemetry=disable', '--log-level=error',
  ], { stdio: 'ignore' });
  const commands = async (): Promise<Map<string, number>> => {
    const text = await (await fetch(`http://127.0.0.1:${debugPort}/debug/metrics`)).text();
    const counts = new Map<string, number>();
    for (const [, labels, value] of text.matchAll(/^ferretdb_client_requests_total\{([^}]*)\} (\d+)/gm)) {
      const command = /command="([^"]*)"/.exec(labels!)?.[1] ?? 'unknown';
      counts.set(command, (counts.get(command) ?? 0) + Number(value));
    }
    return counts;
  };
  for (let i = 0; ; i++) {
    if (await commands().then(() => true, () => false)) break;
    if (i === 100) throw new Error('the counting FerretDB did not start');
    await sleep(100);
  }
  return {
    mongodbUri: `mongodb://127.0.0.1:${port}/rotor`,
    commands,
    async stop() {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The commands the engine served for `REFRESHES` rotating refreshes, per refresh, by command. */
async function countRefresh(engine: EngineWithMetrics, target: Target): Promise<Record<string, number>> {
  const chains = await refreshTokenPool(target, 10);
  // One refresh of each chain first: the grant cache then holds the grants, as it does while clients keep refreshing.
  const refresh = async (token: string): Promise<string> => {
    const res = await fetch(`${target.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token, client_id: SPA_CLIENT }) });
    const body = (await res.json()) as { refresh_token?: string };
    if (!body.refresh_token) throw new Error(`${target.name}: refresh failed: ${JSON.stringify(body)}`);
    return body.refresh_token;
  };
  for (let i = 0; i < chains.length; i++) chains[i] = await refresh(chains[i]!);
  const before = await engine.commands();
  for (let i = 0; i < REFRESHES; i++) chains[i % chains.length] = await refresh(chains[i % chains.length]!);
  const after = await engine.commands();
  const perRefresh: Record<string, number> = {};
  let total = 0;
  for (const [command, count] of after) {
    const delta = count - (before.get(command) ?? 0);
    if (delta <= 0) continue;
    perRefresh[command] = Math.round((delta / REFRESHES) * 100) / 100;
    total += delta;
  }
  return { ...perRefresh, total: Math.round((total / REFRESHES) * 100) / 100 };
}

/**
 * `npm run bench -- refresh-commands`: how many commands one rotating refresh sends to the
 * engine, counted by the engine itself (FerretDB's `ferretdb_client_requests_total`), for Rotor
 * and the bare oidc-provider baseline, each on its own database of one counting FerretDB.
 * Nothing else uses that engine, so the counts are exact up to background jobs (none runs
 * within the few seconds this takes).
 */
export async function benchRefreshCommands(): Promise<Record<string, unknown>[]> {
  const engine = await startCountingEngine();
  // Each target takes a database of its own on this engine (`uniqueMongoUri` reads MONGODB_URI).
  const previous = process.env.MONGODB_URI;
  process.env.MONGODB_URI = engine.mongodbUri;
  try {
    const results: Record<string, unknown>[] = [];
    for (const start of [startRotor, startBaseline]) {
      const target = await start('ES256');
      try {
        results.push({ benchmark: 'refresh-commands', target: target.name, refreshes: REFRESHES, commandsPerRefresh: await countRefresh(engine, target) });
      } finally {
        await target.stop();
      }
    }
    return results;
  } finally {
    if (previous === undefined) delete process.env.MONGODB_URI;
    else process.env.MONGODB_URI = previous;
    await engine.stop();
  }
}
