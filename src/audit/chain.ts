import { createHash } from 'node:crypto';

/** What a caller records; the chain adds `seq`, `at`, `prevHash` and `hash`. */
export interface AuditInput {
  actor: string;
  /** The client a person acted through (see `Principal`). */
  client?: string | undefined;
  action: string;
  target?: string | undefined;
  reason?: string | undefined;
  version?: number | undefined;
  outcome: 'ok' | 'refused' | 'failed' | 'pending';
  detail?: Record<string, string | number | boolean | string[]> | undefined;
}

export interface AuditEvent extends AuditInput {
  seq: number;
  at: Date;
  prevHash: string;
  hash: string;
}

/** The hash every chain starts from. */
export const GENESIS = '0'.repeat(64);

/** JSON with keys sorted at every level, so the hash does not depend on field order. */
function canonical(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value).filter(([, inner]) => inner !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonical(inner)}`).join(',')}}`;
}

/** SHA-256 over every field of the event but `hash`, including the previous event's hash. */
export function hashEvent(event: Omit<AuditEvent, 'hash'>): string {
  const { seq, at, actor, client, action, target, reason, version, outcome, detail, prevHash } = event;
  return createHash('sha256').update(canonical({ seq, at, actor, client, action, target, reason, version, outcome, detail, prevHash })).digest('hex');
}

export interface ChainCheck {
  ok: boolean;
  checked: number;
  firstBad?: { seq: number; problem: string };
}

/**
 * Checks events fed in `seq` order: numbers without gaps from 1, each hash right, each
 * `prevHash` the hash before it. An edited, deleted or reordered event breaks one of the three.
 * Events are fed one at a time, so a long log can be streamed through it.
 */
export class ChainVerifier {
  #previous = GENESIS;
  #checked = 0;
  #firstBad: ChainCheck['firstBad'];

  /** Feeds the next event; returns false once the chain is broken (further events are ignored). */
  add(event: AuditEvent): boolean {
    if (this.#firstBad) return false;
    const problem = event.seq !== this.#checked + 1
      ? `expected event ${this.#checked + 1} here, found ${event.seq} (deleted or reordered)`
      : event.prevHash !== this.#previous ? 'prevHash does not match the event before it'
        : hashEvent(event) !== event.hash ? 'hash does not match the content (edited)' : undefined;
    if (problem) {
      this.#firstBad = { seq: event.seq, problem };
      return false;
    }
    this.#previous = event.hash;
    this.#checked++;
    return true;
  }

  result(): ChainCheck {
    return this.#firstBad ? { ok: false, checked: this.#checked, firstBad: this.#firstBad } : { ok: true, checked: this.#checked };
  }
}

/** Checks a whole chain held in memory. */
export function verifyChain(events: Iterable<AuditEvent>): ChainCheck {
  const verifier = new ChainVerifier();
  for (const event of events) if (!verifier.add(event)) break;
  return verifier.result();
}
