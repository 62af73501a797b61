import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

/** A process's memory as it sees it. */
export interface MemorySample {
  memoryUsage: NodeJS.MemoryUsage;
  /** Pages of V8's heap actually backed by memory, and what V8 itself has from malloc. */
  heapPhysical: number;
  heapMalloced: number;
  /** Used bytes of each V8 heap space, by space name. */
  spaces: Record<string, number>;
}

/** Just before a heap snapshot, and just after it (and after the full collection it makes). */
export interface ProbeRecord {
  before: MemorySample;
  after: MemorySample;
}

const sample = (): MemorySample => ({
  memoryUsage: process.memoryUsage(),
  heapPhysical: getHeapStatistics().total_physical_size,
  heapMalloced: getHeapStatistics().malloced_memory,
  spaces: Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, space.space_used_size])),
});

/**
 * Loaded with `--import` into a server under `npm run bench -- heap`, beside
 * `--heapsnapshot-signal=SIGUSR2`. On each SIGUSR2 it writes a ProbeRecord to `probe-<n>.json`
 * in `ROTOR_BENCH_PROBE_DIR`: that file appearing is the sign that the snapshot is complete.
 */
const dir = process.env.ROTOR_BENCH_PROBE_DIR;
if (dir) {
  let count = 0;
  let before: MemorySample | undefined;
  // Node's own snapshot listener was added at start-up, before this module: prepend to run before it.
  process.prependListener('SIGUSR2', () => { before = sample(); });
  process.on('SIGUSR2', () => {
    count += 1;
    const record: ProbeRecord = { before: before ?? sample(), after: sample() };
    const file = join(dir, `probe-${count}.json`);
    writeFileSync(`${file}.partial`, JSON.stringify(record));
    renameSync(`${file}.partial`, file);
  });
}
