import type { CryptoKey } from 'jose';
import { fetchJwks } from './fetch-jwks.js';
import { importKeys, type KeyTable } from './import-keys.js';
import type { VerifierLogger } from './logger.js';
import { Outage } from './outage.js';
import { VerifierError } from './verifier-error.js';

/** Settings of a {@link JwksCache}; see `createVerifier` for what each one means. */
export interface JwksCacheOptions {
  jwksUri: string;
  algorithms: ReadonlySet<string>;
  cooldownMs: number;
  staleWindowMs: number;
  timeoutMs: number;
  fetch: typeof globalThis.fetch;
  logger: VerifierLogger;
  /** The clock, in ms since the epoch. */
  now: () => number;
  /** Sent as `Rotor-Consumer`, when set. */
  consumer?: string | undefined;
}

/** While the issuer fails, it is asked again at most this often (or once per cooldown if shorter). */
const RETRY_MS = 5_000;

/**
 * The issuer's public keys, kept as its `Cache-Control` says and revalidated with its `ETag`.
 * One request at a time: concurrent callers share the request in flight. An unknown kid may
 * trigger a request at most once per cooldown; a failing issuer is retried at most every few
 * seconds, and meanwhile the keys already held keep verifying for `staleWindowMs`.
 */
export class JwksCache {
  #table: KeyTable = new Map();
  #fingerprints = new Map<string, string>();
  #loaded = false;
  #etag: string | undefined;
  #version = -1;
  #freshUntil = 0;
  #lastAttemptAt = -Infinity;
  #inflight: Promise<void> | undefined;
  #again = false;
  readonly #revoked = new Set<string>();
  readonly #skipped = new Set<string>();
  readonly #outage: Outage;
  readonly #closed = new AbortController();
  readonly #retryMs: number;

  constructor(private readonly options: JwksCacheOptions) {
    this.#outage = new Outage(options.logger, 'the JWKS endpoint is', options.now);
    this.#retryMs = Math.min(RETRY_MS, options.cooldownMs);
  }

  /**
   * The key for `kid` and `alg`. The hot path (fresh set, known kid) is a clock read and two map
   * lookups and returns synchronously; revoked kids never reach it because they leave the table.
   */
  resolve(kid: string, alg: string): CryptoKey | Promise<CryptoKey> {
    if (this.options.now() < this.#freshUntil) {
      const key = this.#table.get(kid)?.get(alg);
      if (key) return key;
    }
    return this.#resolveSlowly(kid, alg);
  }

  async #resolveSlowly(kid: string, alg: string): Promise<CryptoKey> {
    if (this.#revoked.has(kid)) throw new VerifierError('revoked_key', `the key ${kid} has been revoked by the issuer`);
    if (this.options.now() >= this.#freshUntil) await this.#refresh(this.#outage.down ? this.#retryMs : 0);
    else if (!this.#table.has(kid)) await this.#refresh(this.options.cooldownMs);
    if (this.#revoked.has(kid)) throw new VerifierError('revoked_key', `the key ${kid} has been revoked by the issuer`);
    const now = this.options.now();
    if (!this.#loaded || now >= this.#freshUntil + this.options.staleWindowMs || (this.#outage.down && !this.#table.has(kid))) {
      throw new VerifierError('issuer_unreachable', this.#loaded ? 'the issuer has been unreachable for longer than the stale window' : 'the issuer\'s keys could not be fetched', {
        retryAfterSec: Math.max(1, Math.ceil((this.#lastAttemptAt + this.#retryMs - now) / 1000)),
      });
    }
    const byAlg = this.#table.get(kid);
    if (!byAlg) throw new VerifierError('unknown_key', `the issuer does not publish a key ${kid}`);
    const key = byAlg.get(alg);
    if (!key) throw new VerifierError('unknown_key', `the key ${kid} is not for ${alg}`);
    return key;
  }

  /** The highest catalog version a JWKS answer named (`Rotor-Catalog-Version`); -1 before any. */
  get catalogVersion(): number {
    return this.#version;
  }

  /** When the JWKS was last asked for (ms since the epoch), to tell "just fetched" from "held back by the cooldown". */
  get lastAttemptAt(): number {
    return this.#lastAttemptAt;
  }

  /** From when an unknown kid may make the cache fetch again. */
  get unknownKidFetchAt(): number {
    return this.#lastAttemptAt + this.options.cooldownMs;
  }

  /** Whether `kid` is held now (and usable). */
  has(kid: string): boolean {
    return this.#table.has(kid);
  }

  /** Drops `kids` at once and refuses them from now on, whatever a later JWKS answer says. */
  revoke(kids: Iterable<string>): void {
    for (const kid of kids) {
      if (this.#revoked.has(kid)) continue;
      this.#revoked.add(kid);
      this.#table.delete(kid);
      this.options.logger.warn('the issuer revoked a signing key; its tokens are refused from now on', { kid });
    }
  }

  /** Drops held keys the issuer no longer publishes (retired, or revoked while we were not listening). */
  retain(published: ReadonlySet<string>): void {
    for (const kid of this.#table.keys()) if (!published.has(kid)) this.#table.delete(kid);
  }

  /** Fetches now, whatever the cooldown says: the issuer itself announced a change. */
  refreshNow(): Promise<void> {
    if (this.#inflight) {
      this.#again = true; // the request in flight may predate the change
      return this.#inflight;
    }
    return this.#refresh(0);
  }

  /** Aborts a request in flight; later calls work from what is cached. */
  close(): void {
    this.#closed.abort();
  }

  /** Starts a request unless one is in flight (then joins it) or the last one was less than `gapMs` ago. */
  #refresh(gapMs: number): Promise<void> {
    if (this.#inflight) return this.#inflight;
    if (this.#closed.signal.aborted || this.options.now() - this.#lastAttemptAt < gapMs) return Promise.resolve();
    this.#inflight = (async () => {
      do {
        this.#again = false;
        this.#lastAttemptAt = this.options.now();
        await this.#attempt();
      } while (this.#again && !this.#closed.signal.aborted);
    })().finally(() => { this.#inflight = undefined; });
    return this.#inflight;
  }

  async #attempt(): Promise<void> {
    const { jwksUri, timeoutMs } = this.options;
    try {
      const signal = AbortSignal.any([this.#closed.signal, AbortSignal.timeout(timeoutMs)]);
      const answer = await fetchJwks(this.options.fetch, jwksUri, { etag: this.#loaded ? this.#etag : undefined, consumer: this.options.consumer }, signal);
      if (answer.changed) await this.#load(answer.keys, answer.etag);
      if (answer.version !== undefined) this.#version = Math.max(this.#version, answer.version);
      this.#freshUntil = this.options.now() + answer.ttlMs;
      this.#outage.recovered({ jwksUri });
    } catch (err) {
      if (this.#closed.signal.aborted) return;
      this.#outage.failed(err, {
        jwksUri,
        cachedKeys: this.#table.size,
        staleUntil: this.#loaded ? new Date(this.#freshUntil + this.options.staleWindowMs).toISOString() : null,
      });
    }
  }

  async #load(keys: unknown[], etag: string | undefined): Promise<void> {
    const skip = (kid: unknown, reason: string): void => {
      if (this.#skipped.has(`${String(kid)} ${reason}`)) return; // once per key, not once per fetch
      this.#skipped.add(`${String(kid)} ${reason}`);
      this.options.logger.warn('skipping a JWKS member', { kid, reason });
    };
    const { table, fingerprints } = await importKeys({ keys }, this.options.algorithms, { table: this.#table, fingerprints: this.#fingerprints }, skip);
    for (const kid of this.#revoked) table.delete(kid);
    this.#table = table;
    this.#fingerprints = fingerprints;
    this.#etag = etag;
    this.#loaded = true;
  }
}
