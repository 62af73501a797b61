import { timingSafeEqual } from 'node:crypto';
import { GENESIS, KEYED, legacyHash, macEvent, type AuditEvent, type ChainHead } from './chain.js';

/** One event that does not verify, and why. */
export interface BadEvent {
  seq: number;
  problem: string;
}

/** What a walk over the chain found. `bad` lists every bad event (at most {@link MAX_BAD}). */
export interface ChainCheck {
  ok: boolean;
  /** Events read. */
  checked: number;
  firstBad?: BadEvent;
  bad?: BadEvent[];
}

/** Bad events a check lists at most (the walk, and `checked`, go on past them). */
export const MAX_BAD = 100;

const sameHex = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Checks events fed in `seq` order: numbers without gaps from 1, each `prevHash` the hash of
 * the event before it, each `hash` the HMAC of its content under the chain key. Events from
 * before the chain was keyed (no `scheme`) are checked by their plain SHA-256, but only ahead of
 * the first keyed one, and the newest event must be keyed: whoever rewrites the chain as plain
 * SHA-256, without the key, breaks one of these rules. The walk goes on past a bad event, so
 * every bad event is reported, not just the first.
 */
export class ChainVerifier {
  readonly #key: Uint8Array;
  readonly #watch: number | undefined;
  #previous = GENESIS;
  #expected = 1;
  #keyed = false;
  #checked = 0;
  #bad: BadEvent[] = [];
  #head: AuditEvent | undefined;
  #watched: string | undefined;

  /** `watch`: a sequence number whose stored hash {@link watched} gives back (an anchor's). */
  constructor(key: Uint8Array, watch?: number) {
    this.#key = key;
    this.#watch = watch;
  }

  #problemOf(event: AuditEvent): string | undefined {
    if (event.seq !== this.#expected) return `expected event ${this.#expected} here, found ${event.seq} (deleted or reordered)`;
    if (event.prevHash !== this.#previous) return 'prevHash does not match the event before it (edited, deleted or reordered)';
    if (event.scheme === KEYED) return sameHex(macEvent(this.#key, event), event.hash) ? undefined : 'hash does not match the content (edited, or not written under this deployment\'s audit key)';
    if (event.scheme !== undefined) return `unknown hash scheme ${JSON.stringify(event.scheme)} (forged)`;
    if (this.#keyed) return 'an unkeyed event after keyed ones (rewritten without the audit key)';
    return legacyHash(event) === event.hash ? undefined : 'hash does not match the content (edited)';
  }

  /** Feeds the next event. */
  add(event: AuditEvent): void {
    const problem = this.#problemOf(event);
    if (problem && this.#bad.length < MAX_BAD) this.#bad.push({ seq: event.seq, problem });
    if (event.seq === this.#watch) this.#watched = event.hash;
    this.#checked++;
    this.#keyed ||= event.scheme === KEYED;
    this.#previous = event.hash;
    this.#expected = event.seq + 1;
    this.#head = event;
  }

  /** The newest event read, as stored. */
  get head(): ChainHead | undefined {
    return this.#head && { seq: this.#head.seq, hash: this.#head.hash };
  }

  /** The stored hash of the watched event, if it was read. */
  get watched(): string | undefined {
    return this.#watched;
  }

  result(): ChainCheck {
    const bad = [...this.#bad];
    if (this.#head && this.#head.scheme !== KEYED && !bad.some(({ seq }) => seq === this.#head!.seq)) {
      bad.push({ seq: this.#head.seq, problem: 'the newest event is not keyed: the chain was rewritten without the audit key, or no instance of this version has sealed the older events yet' });
    }
    return bad.length === 0 ? { ok: true, checked: this.#checked } : { ok: false, checked: this.#checked, firstBad: bad[0]!, bad };
  }
}

/** Checks a whole chain held in memory. */
export function verifyChain(key: Uint8Array, events: Iterable<AuditEvent>): ChainCheck {
  const verifier = new ChainVerifier(key);
  for (const event of events) verifier.add(event);
  return verifier.result();
}
