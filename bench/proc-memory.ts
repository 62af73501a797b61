import { readFileSync } from 'node:fs';

/** A process's resident memory from /proc/<pid>/smaps, in MiB, by kind of mapping. */
export interface ProcMemory {
  rss: number;
  /** Mapped files: the node binary and shared libraries, the same in every Node process. */
  file: number;
  /** glibc malloc: the main arena (`[heap]`) and the 64 MiB-aligned arenas of other threads. */
  malloc: number;
  /** Every other anonymous mapping: V8's heap, mallocs large enough to get their own mapping, stacks. */
  otherAnon: number;
}

const ARENA = 64 * 1024 * 1024;

interface Mapping {
  start: number;
  end: number;
  perms: string;
  inode: string;
  name: string;
  rssKiB: number;
}

function mappings(pid: number): Mapping[] {
  const list: Mapping[] = [];
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (head) {
      list.push({ start: parseInt(head[1]!, 16), end: parseInt(head[2]!, 16), perms: head[3]!, inode: head[4]!, name: head[5]!, rssKiB: 0 });
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && list.length > 0) list[list.length - 1]!.rssKiB = Number(rss[1]);
  }
  return list;
}

/**
 * Splits a process's RSS by mapping. A glibc thread arena is recognised by its shape: a
 * read-write mapping at a 64 MiB boundary that, with the reserved (`---p`) mapping right after
 * it, spans 64 MiB; a heuristic, close enough to tell malloc from V8's heap.
 */
export function procMemory(pid: number): ProcMemory {
  const list = mappings(pid);
  const kib = { rss: 0, file: 0, malloc: 0, otherAnon: 0 };
  list.forEach((mapping, index) => {
    kib.rss += mapping.rssKiB;
    if (mapping.name === '[heap]') kib.malloc += mapping.rssKiB;
    else if (mapping.inode !== '0' || mapping.name.startsWith('/')) kib.file += mapping.rssKiB;
    else {
      const next = list[index + 1];
      const end = next && next.start === mapping.end && next.perms.startsWith('---') ? next.end : mapping.end;
      if (mapping.start % ARENA === 0 && end - mapping.start === ARENA) kib.malloc += mapping.rssKiB;
      else kib.otherAnon += mapping.rssKiB;
    }
  });
  const mib = (value: number): number => Math.round((value / 1024) * 10) / 10;
  return { rss: mib(kib.rss), file: mib(kib.file), malloc: mib(kib.malloc), otherAnon: mib(kib.otherAnon) };
}
