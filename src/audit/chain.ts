import { createHash, createHmac } from 'node:crypto';

/** What a caller records; the chain adds `seq`, `at`, `prevHash`, `scheme` and `hash`. */
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

/**
 * How an event's `hash` is made: `hmac-sha256` under the deployment's audit-chain key. Events
 * written before the chain was keyed have no scheme: their `hash` is a plain SHA-256.
 */
export const KEYED = 'hmac-sha256';

export interface AuditEvent extends AuditInput {
  seq: number;
  at: Date;
  prevHash: string;
  /** `hmac-sha256` on every event written now; absent on the unkeyed events of older versions. */
  scheme?: typeof KEYED | undefined;
  hash: string;
}

/** The newest event's place in the chain. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** The hash every chain starts from. */
export const GENESIS = '0'.repeat(64);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `String.prototype.toWellFormed`: each lone UTF-16 surrogate replaced by U+FFFD, as BSON stores it. */
const wellFormed = (text: string): string => text.replace(LONE_SURROGATE, '\uFFFD');

/**
 * JSON with keys sorted at every level, so the hash does not depend on field order. Strings are
 * made well-formed (a lone UTF-16 surrogate becomes U+FFFD) unless `raw`: MongoDB stores them
 * that way, so the keyed form hashes exactly what comes back from the database.
 */
export function canonical(value: unknown, raw = false): string {
  if (value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(raw ? value : wellFormed(value));
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((inner) => canonical(inner, raw)).join(',')}]`;
  const entries = Object.entries(value).filter(([, inner]) => inner !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([key, inner]) => `${JSON.stringify(raw ? key : wellFormed(key))}:${canonical(inner, raw)}`).join(',')}}`;
}

/** An input as it will read back from the database: every string well-formed. */
export function storable(input: AuditInput): AuditInput {
  const fix = (value: unknown): unknown => (typeof value === 'string' ? wellFormed(value)
    : Array.isArray(value) ? value.map(fix)
      : value !== null && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [wellFormed(key), fix(inner)]))
        : value);
  return fix(input) as AuditInput;
}

/** The unkeyed SHA-256 of events written before the chain was keyed (kept only to verify them). */
export function legacyHash(event: Omit<AuditEvent, 'hash'>): string {
  const { seq, at, actor, client, action, target, reason, version, outcome, detail, prevHash } = event;
  return createHash('sha256').update(canonical({ seq, at, actor, client, action, target, reason, version, outcome, detail, prevHash }, true)).digest('hex');
}

/**
 * HMAC-SHA256 under `key` over every field of the event but `hash`, the previous event's hash
 * and the scheme included: without the key nobody can make an event that verifies.
 */
export function macEvent(key: Uint8Array, event: Omit<AuditEvent, 'hash'>): string {
  const { seq, at, actor, client, action, target, reason, version, outcome, detail, prevHash } = event;
  return createHmac('sha256', key).update(canonical({ scheme: KEYED, seq, at, actor, client, action, target, reason, version, outcome, detail, prevHash })).digest('hex');
}
