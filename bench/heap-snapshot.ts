import { codeByPackage } from './heap-code.js';
import { retainedByClass } from './heap-dominators.js';
import { addTo, classOf, readHeapSnapshot, selfSize, type Tally } from './heap-graph.js';

/** What one heap snapshot holds. */
export interface HeapProfile {
  nodes: number;
  /** Self size of every node: the live heap after the collection the snapshot makes. */
  totalBytes: number;
  /** Off-heap memory V8 reports beside the graph (the snapshot's `extra_native_bytes`). */
  extraNativeBytes: number;
  /** Self size by class, grouped as DevTools' Summary view groups them. */
  classes: Record<string, Tally>;
  /** Retained size by class: what collecting its outermost instances would free (see heap-dominators). */
  retained: Record<string, Tally>;
  /** Source text and compiled functions of each package's scripts (see heap-code). */
  code: Record<string, Tally>;
}

/** Reads a snapshot and sums it by class (self and retained size) and by package. */
export function profileHeapSnapshot(file: string): HeapProfile {
  const graph = readHeapSnapshot(file);
  const profile: HeapProfile = { nodes: graph.count, totalBytes: 0, extraNativeBytes: graph.extraNativeBytes, classes: {}, retained: retainedByClass(graph), code: codeByPackage(graph) };
  for (let node = 0; node < graph.count; node++) {
    const bytes = selfSize(graph, node);
    profile.totalBytes += bytes;
    addTo(profile.classes, classOf(graph, node), bytes);
  }
  return profile;
}
