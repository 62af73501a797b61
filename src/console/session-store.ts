import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { ConsoleSeal } from './console-seal.js';
import { needs } from './dependency-down.js';

const sessionSchema = z.object({
  sub: z.string(),
  username: z.string(),
  /** Sent back by the page on every change (header `X-CSRF-Token` or form field `csrf`). */
  csrf: z.string(),
  accessToken: z.string(),
  /** Epoch milliseconds. */
  accessExpiresAt: z.number(),
  refreshToken: z.string().optional(),
  createdAt: z.number(),
});

/** A signed-in person's console session: their tokens, kept on the server only. */
export type ConsoleSession = z.infer<typeof sessionSchema>;

const randomId = (): string => randomBytes(32).toString('base64url');

/** Deletes the lock only while it still holds this holder's value (a late holder never frees another's). */
const UNLOCK_IF_OWNER = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * Console sessions in Redis, shared by every instance, each expiring by itself. A record is
 * named by an HMAC of the session id and holds the session sealed under a key derived from that
 * id (see {@link ConsoleSeal}): Redis alone gives neither the cookie nor any token. A failure to
 * reach Redis is a {@link DependencyDown}.
 */
export class SessionStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #maxAgeSeconds: number;
  readonly #seal: ConsoleSeal;

  constructor(redis: Redis, prefix: string, maxAgeSeconds: number, seal: ConsoleSeal) {
    this.#redis = redis;
    this.#prefix = `${prefix}:console`;
    this.#maxAgeSeconds = maxAgeSeconds;
    this.#seal = seal;
  }

  get maxAgeSeconds(): number {
    return this.#maxAgeSeconds;
  }

  /** Stores a new session; returns the id for the cookie. */
  async create(session: Omit<ConsoleSession, 'csrf' | 'createdAt'>): Promise<{ id: string; session: ConsoleSession }> {
    const id = randomId();
    const full: ConsoleSession = { ...session, csrf: randomId(), createdAt: Date.now() };
    await this.#write(id, full, this.#maxAgeSeconds);
    return { id, session: full };
  }

  async find(id: string): Promise<ConsoleSession | undefined> {
    const sealed = await needs('Redis', () => this.#redis.get(this.#key(id)));
    if (sealed === null) return undefined;
    const parsed = sessionSchema.safeParse(await this.#seal.openSession(sealed, id));
    return parsed.success ? parsed.data : undefined;
  }

  /** Replaces a session's tokens, keeping its absolute expiry. */
  async update(id: string, session: ConsoleSession): Promise<void> {
    const left = this.#maxAgeSeconds - Math.floor((Date.now() - session.createdAt) / 1000);
    if (left > 0) await this.#write(id, session, left);
  }

  async destroy(id: string): Promise<void> {
    await needs('Redis', () => this.#redis.del(this.#key(id)));
  }

  /**
   * Holds the right to refresh a session's tokens for `holdMs`: returns the holder's random
   * value for {@link unlockRefresh}, or undefined when someone else holds it.
   */
  async lockRefresh(id: string, holdMs: number): Promise<string | undefined> {
    const owner = randomId();
    const taken = await needs('Redis', () => this.#redis.set(this.#lockKey(id), owner, 'PX', holdMs, 'NX'));
    return taken === 'OK' ? owner : undefined;
  }

  /** Frees the lock if `owner` still holds it (it may have expired and passed to another). */
  async unlockRefresh(id: string, owner: string): Promise<void> {
    await needs('Redis', () => this.#redis.eval(UNLOCK_IF_OWNER, 1, this.#lockKey(id), owner));
  }

  async #write(id: string, session: ConsoleSession, seconds: number): Promise<void> {
    const sealed = await this.#seal.sealSession(session, id);
    await needs('Redis', () => this.#redis.set(this.#key(id), sealed, 'EX', seconds));
  }

  #key(id: string): string {
    return `${this.#prefix}:session:${this.#seal.recordId(id)}`;
  }

  #lockKey(id: string): string {
    return `${this.#key(id)}:refreshing`;
  }
}
