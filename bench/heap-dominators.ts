import { addTo, classOf, nodeType, selfSize, type HeapGraph, type Tally } from './heap-graph.js';

/**
 * Retained size by constructor, as DevTools computes it: the dominator tree of the graph from
 * its root, weak edges left out (Cooper, Harvey and Kennedy's iterative algorithm), and a node's
 * retained size is its own plus that of every node it dominates. Only objects named by their
 * constructor (`object` and `native` nodes) are tallied, and for each class only its outermost
 * instances, those no other instance of the same class dominates, so a class's figure is what
 * collecting all its instances would free. Classes overlap: a router's figure includes the
 * objects its handlers hold.
 */
export function retainedByClass(graph: HeapGraph): Record<string, Tally> {
  const { count, edges, edgeFields, nodeFields, at, firstEdge } = graph;
  const weak = graph.edgeTypes.indexOf('weak');
  const strong = (edge: number): boolean => edges[edge + at.edgeType] !== weak;
  const target = (edge: number): number => edges[edge + at.edgeTo]! / nodeFields;

  // Post-order of a depth-first walk from the root (node 0).
  const postIndex = new Int32Array(count).fill(-1);
  const order: number[] = [];
  const seen = new Uint8Array(count);
  const stack = [0];
  const cursor = [firstEdge[0]!];
  seen[0] = 1;
  while (stack.length > 0) {
    const node = stack[stack.length - 1]!;
    let edge = cursor[cursor.length - 1]!;
    while (edge < firstEdge[node + 1]! && (!strong(edge) || seen[target(edge)])) edge += edgeFields;
    if (edge < firstEdge[node + 1]!) {
      cursor[cursor.length - 1] = edge + edgeFields;
      const next = target(edge);
      seen[next] = 1;
      stack.push(next);
      cursor.push(firstEdge[next]!);
    } else {
      stack.pop();
      cursor.pop();
      postIndex[node] = order.length;
      order.push(node);
    }
  }

  // Predecessors of each reachable node, in compressed rows.
  const firstPred = new Uint32Array(count + 1);
  for (const node of order) for (let edge = firstEdge[node]!; edge < firstEdge[node + 1]!; edge += edgeFields) if (strong(edge)) firstPred[target(edge) + 1]! += 1;
  for (let node = 0; node < count; node++) firstPred[node + 1]! += firstPred[node]!;
  const preds = new Uint32Array(firstPred[count]!);
  const filled = firstPred.slice(0, count);
  for (const node of order) for (let edge = firstEdge[node]!; edge < firstEdge[node + 1]!; edge += edgeFields) if (strong(edge)) preds[filled[target(edge)]!++] = node;

  const idom = new Int32Array(count).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (postIndex[a]! < postIndex[b]!) a = idom[a]!;
      while (postIndex[b]! < postIndex[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let i = order.length - 2; i >= 0; i--) {
      const node = order[i]!;
      let dominator = -1;
      for (let p = firstPred[node]!; p < firstPred[node + 1]!; p++) {
        const pred = preds[p]!;
        if (idom[pred] === -1) continue;
        dominator = dominator === -1 ? pred : intersect(pred, dominator);
      }
      if (dominator !== idom[node]) {
        idom[node] = dominator;
        changed = true;
      }
    }
  }

  const retained = new Float64Array(count);
  for (const node of order) retained[node] = selfSize(graph, node);
  for (const node of order) if (node !== 0) retained[idom[node]!]! += retained[node]!;

  const classIds = new Map<string, number>();
  const classId = new Int32Array(count).fill(-1);
  for (const node of order) {
    const type = nodeType(graph, node);
    if (type !== 'object' && type !== 'native') continue;
    const name = classOf(graph, node);
    if (!classIds.has(name)) classIds.set(name, classIds.size);
    classId[node] = classIds.get(name)!;
  }
  const names = [...classIds.keys()];
  const byClass: Record<string, Tally> = {};
  for (const node of order) {
    const id = classId[node]!;
    if (id < 0) continue;
    let outer = idom[node]!;
    while (outer !== 0 && classId[outer] !== id) outer = idom[outer]!;
    if (outer === 0) addTo(byClass, names[id]!, retained[node]!);
  }
  return byClass;
}
