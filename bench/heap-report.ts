import type { Tally } from './heap-graph.js';
import type { HeapProfile } from './heap-snapshot.js';
import type { MemorySample, ProbeRecord } from './memory-probe.js';
import type { ProcMemory } from './proc-memory.js';
import { round } from './stats.js';

export type Phase = 'rest' | 'load';

/** What one snapshot of one server gave. */
export interface Taken {
  /** The process's own figures just before the snapshot, and just after it. */
  probe: ProbeRecord;
  /** RSS by kind of mapping just before the snapshot. */
  rss: ProcMemory;
  /** Highest RSS sampled through the load (the phase's RSS for `rest`). */
  peakRssMiB: number;
  profile: HeapProfile;
}

const MiB = 1024 * 1024;
const mib = (bytes: number, digits = 2): number => round(bytes / MiB, digits);

/** The process's memory as one line's fields, each prefixed with the server's name. */
export function memoryRow(name: string, taken: Taken): Record<string, number> {
  const at = (sample: MemorySample): Record<string, number> => ({ heap_used_mib: mib(sample.memoryUsage.heapUsed), heap_total_mib: mib(sample.memoryUsage.heapTotal), heap_physical_mib: mib(sample.heapPhysical), heap_malloced_mib: mib(sample.heapMalloced), external_mib: mib(sample.memoryUsage.external), array_buffers_mib: mib(sample.memoryUsage.arrayBuffers) });
  const spaces = Object.fromEntries(Object.entries(taken.probe.before.spaces).filter(([, bytes]) => bytes > 0).map(([space, bytes]) => [`${space}_mib`, mib(bytes)]));
  const prefixed = (values: Record<string, number>, prefix = ''): Record<string, number> => Object.fromEntries(Object.entries(values).map(([key, value]) => [`${name}_${prefix}${key}`, value]));
  return {
    ...prefixed({ rss_mib: taken.rss.rss, rss_file_mib: taken.rss.file, rss_malloc_mib: taken.rss.malloc, rss_other_anon_mib: taken.rss.otherAnon, rss_peak_mib: taken.peakRssMiB }),
    ...prefixed(at(taken.probe.before)),
    ...prefixed(spaces, 'space_'),
    ...prefixed({ snapshot_mib: mib(taken.profile.totalBytes), snapshot_nodes: taken.profile.nodes, extra_native_mib: mib(taken.profile.extraNativeBytes) }),
    ...prefixed(at(taken.probe.after), 'after_gc_'),
  };
}

/** The keys worth a line: the largest on either side, and where Rotor holds the most beyond the baseline. */
function comparedKeys(rotor: Record<string, Tally>, baseline: Record<string, Tally>, top: number, differences: number): string[] {
  const keys = [...new Set([...Object.keys(rotor), ...Object.keys(baseline)])];
  const bytes = (tallies: Record<string, Tally>, key: string): number => tallies[key]?.bytes ?? 0;
  const largest = [...keys].sort((a, b) => Math.max(bytes(rotor, b), bytes(baseline, b)) - Math.max(bytes(rotor, a), bytes(baseline, a))).slice(0, top);
  const extra = [...keys].sort((a, b) => (bytes(rotor, b) - bytes(baseline, b)) - (bytes(rotor, a) - bytes(baseline, a))).slice(0, differences);
  return [...new Set([...largest, ...extra])].sort((a, b) => bytes(rotor, b) - bytes(rotor, a));
}

/** One line per class or package worth showing, Rotor beside the baseline. */
export function compare(benchmark: string, field: string, alg: string, phase: Phase, rotor: Record<string, Tally>, baseline: Record<string, Tally>, top: number, differences: number): Record<string, unknown>[] {
  return comparedKeys(rotor, baseline, top, differences).map((key) => {
    const r = rotor[key] ?? { count: 0, bytes: 0 };
    const b = baseline[key] ?? { count: 0, bytes: 0 };
    return { benchmark, alg, phase, [field]: key, rotor_mib: mib(r.bytes, 3), baseline_mib: mib(b.bytes, 3), difference_mib: mib(r.bytes - b.bytes, 3), rotor_count: r.count, baseline_count: b.count };
  });
}
