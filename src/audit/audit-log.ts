import { ChainVerifier, GENESIS, hashEvent, type AuditEvent, type AuditInput, type ChainCheck } from './chain.js';

/** Where the log keeps its events; `store/`'s audit repository is one. */
export interface AuditStore {
  head(): Promise<{ seq: number; hash: string } | undefined>;
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
  /** Walks the whole chain in order: edited, deleted or reordered events break it. */
  verify(): Promise<ChainCheck>;
}

const MAX_ATTEMPTS = 50;

/**
 * The tamper-evident audit log: each event's hash covers the one before. Appending reads the
 * head and inserts the next sequence number; a writer that loses the race rereads and retries.
 */
export function createAuditLog(store: AuditStore): AuditLog {
  return {
    async append(input, now = new Date()) {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const head = await store.head();
        const base = { ...input, seq: (head?.seq ?? 0) + 1, at: now, prevHash: head?.hash ?? GENESIS };
        const event: AuditEvent = { ...base, hash: hashEvent(base) };
        if (await store.insert(event)) return event;
      }
      throw new Error(`audit append lost the race ${MAX_ATTEMPTS} times in a row`);
    },
    list: (limit) => store.list(limit),
    latest: (action, target) => store.latest(action, target),
    async verify() {
      const verifier = new ChainVerifier();
      for await (const event of store.inOrder()) if (!verifier.add(event)) break;
      return verifier.result();
    },
  };
}
