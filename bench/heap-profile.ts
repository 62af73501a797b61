import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { ROOT } from '../test/helpers/server.js';
import { startBaseline, startRotor, type Alg, type Target } from './targets.js';
import { CONNECTIONS, refreshTokenPool, rssMiB, scenarios, type Scenario } from './throughput.js';
import { profileHeapSnapshot } from './heap-snapshot.js';
import type { ProbeRecord } from './memory-probe.js';
import { procMemory } from './proc-memory.js';
import { compare, memoryRow, type Phase, type Taken } from './heap-report.js';
import { round } from './stats.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const SNAPSHOT_TIMEOUT_MS = 120_000;
const TOP_CLASSES = 15;
const TOP_DIFFERENCES = 12;
const TOP_PACKAGES = 12;
const OUT = join(ROOT, '.data', 'heap-profile');

/** Sends SIGUSR2, waits for the probe's record (written once the snapshot is on disk), profiles and deletes the snapshot. */
async function snapshot(target: Target, dir: string, peakRssMiB: number): Promise<Taken> {
  const rss = procMemory(target.pid);
  process.kill(target.pid, 'SIGUSR2');
  const probeFile = join(dir, 'probe-1.json');
  const deadline = Date.now() + SNAPSHOT_TIMEOUT_MS;
  while (!existsSync(probeFile)) {
    if (Date.now() > deadline) throw new Error(`${target.name}: no heap snapshot within ${SNAPSHOT_TIMEOUT_MS / 1000} s`);
    await sleep(100);
  }
  const probe = JSON.parse(readFileSync(probeFile, 'utf8')) as ProbeRecord;
  const files = readdirSync(dir).filter((name) => name.endsWith('.heapsnapshot'));
  if (files.length !== 1) throw new Error(`${target.name}: expected one heap snapshot in ${dir}, found ${files.length}`);
  const file = join(dir, files[0]!);
  try {
    return { probe, rss, peakRssMiB, profile: profileHeapSnapshot(file) };
  } finally {
    rmSync(file);
  }
}

/**
 * One server, started twice: signed in and at rest, then (in a fresh process, since writing a
 * snapshot leaves the process's RSS 60-100 MiB higher for good) right after the throughput
 * figures' load.
 */
async function profileTarget(start: (alg: Alg, env: Record<string, string>) => Promise<Target>, alg: Alg, dir: string): Promise<Record<Phase, Taken>> {
  const probe = pathToFileURL(join(ROOT, 'dist/bench/memory-probe.js')).href;
  const taken: Partial<Record<Phase, Taken>> = {};
  for (const phase of ['rest', 'load'] as const) {
    const phaseDir = join(dir, phase);
    mkdirSync(phaseDir, { recursive: true });
    const target = await start(alg, { NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${phaseDir} --import=${probe}`, ROTOR_BENCH_PROBE_DIR: phaseDir });
    try {
      await autocannon({ url: `${target.url}/jwks`, connections: CONNECTIONS, duration: 1 });
      const pool = await refreshTokenPool(target, CONNECTIONS * 2);
      await sleep(1000);
      let peak = rssMiB(target.pid);
      if (phase === 'load') {
        const sampler = setInterval(() => { peak = Math.max(peak, rssMiB(target.pid)); }, 250);
        try {
          for (const scenario of Object.keys(scenarios) as Scenario[]) await scenarios[scenario](target, pool, SECONDS);
        } finally {
          clearInterval(sampler);
        }
      }
      taken[phase] = await snapshot(target, phaseDir, round(Math.max(peak, rssMiB(target.pid))));
    } finally {
      await target.stop();
    }
  }
  return taken as Record<Phase, Taken>;
}

/**
 * Where the memory goes: Rotor and bare oidc-provider (the throughput baseline), one after the
 * other, each with Node's `--heapsnapshot-signal`. Each server is started twice: once for a
 * snapshot at rest after start-up and the sign-ins, once for a snapshot right after the
 * throughput figures' load (`BENCH_SECONDS`, 3 by default, per figure). Each snapshot is summed
 * by class (self and retained size) and by package, then deleted; so is the folder, on any
 * exit. Prints the process memory just before each snapshot (RSS from /proc by kind of mapping,
 * V8's heap and spaces, external and ArrayBuffer memory) and the comparisons, and keeps them in
 * `.data/heap-profile/summary.json`.
 */
export async function benchHeapProfile(alg: Alg = 'ES256'): Promise<Record<string, unknown>[]> {
  const snapshots = join(OUT, `snapshots-${process.pid}`);
  const removeSnapshots = (): void => rmSync(snapshots, { recursive: true, force: true });
  const interrupted = (signal: NodeJS.Signals): void => {
    removeSnapshots();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', removeSnapshots);
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const rotor = await profileTarget(startRotor, alg, join(snapshots, 'rotor'));
    const baseline = await profileTarget(startBaseline, alg, join(snapshots, 'baseline'));
    const results: Record<string, unknown>[] = [];
    for (const phase of ['rest', 'load'] as const) {
      results.push({ benchmark: 'heap-memory', alg, phase, seconds: phase === 'load' ? SECONDS : 0, ...memoryRow('rotor', rotor[phase]), ...memoryRow('baseline', baseline[phase]) });
      results.push(...compare('heap-class', 'class', alg, phase, rotor[phase].profile.classes, baseline[phase].profile.classes, TOP_CLASSES, TOP_DIFFERENCES));
      results.push(...compare('heap-retained', 'class', alg, phase, rotor[phase].profile.retained, baseline[phase].profile.retained, TOP_CLASSES, TOP_DIFFERENCES));
      results.push(...compare('heap-code', 'package', alg, phase, rotor[phase].profile.code, baseline[phase].profile.code, TOP_PACKAGES, TOP_DIFFERENCES));
    }
    writeFileSync(join(OUT, 'summary.json'), `${JSON.stringify({ date: new Date().toISOString(), results }, null, 1)}\n`);
    return results;
  } finally {
    removeSnapshots();
    process.removeListener('exit', removeSnapshots);
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
  }
}
