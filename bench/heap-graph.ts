import { readFileSync } from 'node:fs';

/** How many objects, and their size in bytes. */
export interface Tally {
  count: number;
  bytes: number;
}

/** A parsed V8 heap snapshot: nodes and edges as flat arrays, as the file holds them. */
export interface HeapGraph {
  count: number;
  nodes: number[];
  edges: number[];
  strings: string[];
  nodeFields: number;
  edgeFields: number;
  /** Offsets of each field in a node's and an edge's record. */
  at: { type: number; name: number; size: number; edgeCount: number; edgeType: number; edgeName: number; edgeTo: number };
  nodeTypes: string[];
  edgeTypes: string[];
  /** Index in `edges` of each node's first edge; node `i`'s edges end at `firstEdge[i + 1]`. */
  firstEdge: Uint32Array;
  extraNativeBytes: number;
}

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] }; extra_native_bytes?: number };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Reads a `.heapsnapshot` file (V8's JSON format). */
export function readHeapSnapshot(file: string): HeapGraph {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawSnapshot;
  const { meta } = raw.snapshot;
  const nodeField = (field: string): number => meta.node_fields.indexOf(field);
  const edgeField = (field: string): number => meta.edge_fields.indexOf(field);
  const nodeFields = meta.node_fields.length;
  const edgeFields = meta.edge_fields.length;
  const at = { type: nodeField('type'), name: nodeField('name'), size: nodeField('self_size'), edgeCount: nodeField('edge_count'), edgeType: edgeField('type'), edgeName: edgeField('name_or_index'), edgeTo: edgeField('to_node') };
  const count = raw.nodes.length / nodeFields;
  const firstEdge = new Uint32Array(count + 1);
  for (let node = 0; node < count; node++) firstEdge[node + 1] = firstEdge[node]! + raw.nodes[node * nodeFields + at.edgeCount]! * edgeFields;
  return { count, nodes: raw.nodes, edges: raw.edges, strings: raw.strings, nodeFields, edgeFields, at, nodeTypes: meta.node_types[0], edgeTypes: meta.edge_types[0], firstEdge, extraNativeBytes: raw.snapshot.extra_native_bytes ?? 0 };
}

export const nodeType = (graph: HeapGraph, node: number): string => graph.nodeTypes[graph.nodes[node * graph.nodeFields + graph.at.type]!]!;
export const nodeName = (graph: HeapGraph, node: number): string => graph.strings[graph.nodes[node * graph.nodeFields + graph.at.name]!]!;
export const selfSize = (graph: HeapGraph, node: number): number => graph.nodes[node * graph.nodeFields + graph.at.size]!;

/** The class DevTools' Summary view puts a node in: the constructor's name, or a kind in parentheses. */
export function classOf(graph: HeapGraph, node: number): string {
  const type = nodeType(graph, node);
  switch (type) {
    case 'object':
    case 'native':
    case 'synthetic':
      return nodeName(graph, node);
    case 'hidden':
      return '(system)';
    case 'code':
      return '(compiled code)';
    case 'string':
    case 'concatenated string':
    case 'sliced string':
      return '(string)';
    case 'number':
      return '(heap number)';
    default:
      return `(${type})`;
  }
}

/** The node an internal edge of this name leads to, or -1. */
export function internalTarget(graph: HeapGraph, node: number, name: string): number {
  const { edges, strings, edgeFields, at } = graph;
  const internal = graph.edgeTypes.indexOf('internal');
  for (let edge = graph.firstEdge[node]!; edge < graph.firstEdge[node + 1]!; edge += edgeFields) {
    if (edges[edge + at.edgeType] === internal && strings[edges[edge + at.edgeName]!] === name) return edges[edge + at.edgeTo]! / graph.nodeFields;
  }
  return -1;
}

export const addTo = (tallies: Record<string, Tally>, key: string, bytes: number, count = 1): void => {
  const tally = (tallies[key] ??= { count: 0, bytes: 0 });
  tally.count += count;
  tally.bytes += bytes;
};
