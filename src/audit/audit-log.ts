import { setTimeout as sleep } from 'node:timers/promises';
import { GENESIS, KEYED, macEvent, storable, type AuditEvent, type AuditInput, type ChainHead } from './chain.js';
import { ChainVerifier } from './chain-verifier.js';
import { judge, type AuditVerdict } from './audit-verdict.js';
import type { AnchorReading } from './anchor-file.js';

/** Where the log keeps its events; `store/`'s audit repository is one. */
export interface AuditStore {
  head(): Promise<ChainHead | undefined>;
  /** False when the event's sequence number is taken already. */
  insert(event: AuditEvent): Promise<boolean>;
  list(limit: number): Promise<AuditEvent[]>;
  latest(action: string, target: string): Promise<AuditEvent | undefined>;
  inOrder(): AsyncIterable<AuditEvent>;
}

export interface AuditLog {
  append(input: AuditInput, now?: Date): Promise<AuditEvent>;
  /** The newest events first. */
  list(limit: number): Promise<AuditEvent[]>;
  /** The newest successful event of an action on a target, if any. */
  latest(action: string, target: string): Promise<AuditEvent | undefined>;
  /** The newest event's sequence number and hash, as stored. */
  head(): Promise<ChainHead | undefined>;
  /**
   * Walks the whole chain in order (edited, deleted or reordered events break it) and holds it
   * to the newest anchor read: a chain shorter than the anchor, or a different hash at the
   * anchor's event, was truncated or rewritten.
   */
  verify(anchors?: AnchorReading): Promise<AuditVerdict>;
  /**
   * Appends `audit.chain.keyed` when the newest event is still an unkeyed one of an older
   * version: from then on the keyed chain vouches for the unkeyed events before it.
   */
  sealUnkeyed(actor: string, now?: Date): Promise<AuditEvent | undefined>;
}

/** Attempts of one append: only other instances race this one (see below), so losing this often means the store is failing. */
const MAX_ATTEMPTS = 20;

/** A random pause after a lost race, growing with the attempts, so racing instances fall out of step. */
const backoff = (attempt: number): Promise<void> => sleep(Math.random() * Math.min(100, 2 ** attempt));

/**
 * The tamper-evident audit log: each event's `hash` is an HMAC under `key` (the deployment's
 * audit-chain key) that covers the event and the hash before it.
 *
 * Appending reads the head and inserts the next sequence number as a unique `_id`, which is
 * atomic on every engine Rotor runs on (a counter incremented with `$inc` is not: on FerretDB
 * concurrent increments are lost). Appends of one process run one at a time, in order, so
 * writers of one instance never race each other and a flood of events on one instance only
 * queues; instances race each other, and the loser rereads the head and tries again after a
 * random pause, a bounded number of times.
 */
export function createAuditLog(store: AuditStore, key: Uint8Array): AuditLog {
  let tail: Promise<unknown> = Promise.resolve();
  const serially = <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };

  async function insertNext(input: AuditInput, now: Date): Promise<AuditEvent> {
    const content = storable(input);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const head = await store.head();
      const base = { ...content, seq: (head?.seq ?? 0) + 1, at: now, prevHash: head?.hash ?? GENESIS, scheme: KEYED } as const;
      const event: AuditEvent = { ...base, hash: macEvent(key, base) };
      if (await store.insert(event)) return event;
      await backoff(attempt);
    }
    throw new Error(`audit append lost the race to other instances ${MAX_ATTEMPTS} times in a row`);
  }

  const append = (input: AuditInput, now = new Date()): Promise<AuditEvent> => serially(() => insertNext(input, now));

  return {
    append,
    list: (limit) => store.list(limit),
    latest: (action, target) => store.latest(action, target),
    head: () => store.head(),
    async verify(anchors) {
      const verifier = new ChainVerifier(key, anchors?.newest?.seq);
      for await (const event of store.inOrder()) verifier.add(event);
      return judge(verifier.result(), verifier, anchors);
    },
    async sealUnkeyed(actor, now = new Date()) {
      const [newest] = await store.list(1);
      if (!newest || newest.scheme === KEYED) return undefined;
      return append({ actor, action: 'audit.chain.keyed', outcome: 'ok', detail: { sealedUpTo: newest.seq } }, now);
    },
  };
}
