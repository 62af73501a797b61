import { addTo, internalTarget, nodeName, nodeType, selfSize, type HeapGraph, type Tally } from './heap-graph.js';

/** Where a script comes from: a package under node_modules, Node itself, or Rotor's own build. */
export function packageOf(scriptName: string): string {
  const modules = scriptName.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first, second] = scriptName.slice(modules + '/node_modules/'.length).split('/');
    return first!.startsWith('@') ? `${first}/${second}` : first!;
  }
  if (scriptName.startsWith('node:') || /^[a-z_]+(\/[a-z_]+)*$/.test(scriptName)) return '(node)';
  const dist = /\/dist\/([^/]+)\//.exec(scriptName);
  if (dist) return `(dist/${dist[1]})`;
  return scriptName === '' ? '(anonymous)' : '(other)';
}

/**
 * Self size of each package's code: its scripts' source text, and for each of their functions
 * the shared function info and the code-typed nodes it reaches in up to three internal steps
 * (bytecode, constant pool, scope and feedback metadata, compiled code), each node counted once,
 * for the first function that reaches it. `count` is the number of scripts.
 */
export function codeByPackage(graph: HeapGraph): Record<string, Tally> {
  const code: Record<string, Tally> = {};
  const { edges, edgeFields, nodeFields, at } = graph;
  const isCode = (node: number): boolean => nodeType(graph, node) === 'code';
  const internal = graph.edgeTypes.indexOf('internal');

  const scriptPackage = new Map<number, string>();
  for (let node = 0; node < graph.count; node++) {
    if (isCode(node) && internalTarget(graph, node, 'source') >= 0) scriptPackage.set(node, packageOf(nodeName(graph, node)));
  }
  const counted = new Uint8Array(graph.count);
  const claim = (pkg: string, node: number): void => {
    if (node < 0 || counted[node]) return;
    counted[node] = 1;
    addTo(code, pkg, selfSize(graph, node), 0);
  };
  for (const [script, pkg] of scriptPackage) {
    addTo(code, pkg, 0);
    claim(pkg, script);
    claim(pkg, internalTarget(graph, script, 'source'));
  }

  const functionPackage = (node: number): string | undefined => {
    if (!isCode(node)) return undefined;
    const script = internalTarget(graph, node, 'script');
    return script >= 0 ? scriptPackage.get(script) : undefined;
  };
  for (let node = 0; node < graph.count; node++) {
    const pkg = functionPackage(node);
    if (pkg === undefined) continue;
    claim(pkg, node);
    let frontier = [node];
    for (let depth = 0; depth < 3 && frontier.length > 0; depth++) {
      const next: number[] = [];
      for (const from of frontier) {
        for (let edge = graph.firstEdge[from]!; edge < graph.firstEdge[from + 1]!; edge += edgeFields) {
          const to = edges[edge + at.edgeTo]! / nodeFields;
          if (edges[edge + at.edgeType] !== internal || counted[to] || !isCode(to) || scriptPackage.has(to) || functionPackage(to) !== undefined) continue;
          claim(pkg, to);
          next.push(to);
        }
      }
      frontier = next;
    }
  }
  return code;
}
