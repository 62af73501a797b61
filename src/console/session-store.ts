import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';

const sessionSchema = z.object({
  sub: z.string(),
  username: z.string(),
  /** Sent back by the page on every change (header `X-CSRF-Token` or form field `csrf`). */
  csrf: z.string(),
  accessToken: z.string(),
  /** Epoch milliseconds. */
  accessExpiresAt: z.number(),
  refreshToken: z.string().optional(),
  idToken: z.string().optional(),
  createdAt: z.number(),
});

/** A signed-in person's console session: their tokens, kept on the server only. */
export type ConsoleSession = z.infer<typeof sessionSchema>;

const signInSchema = z.object({ verifier: z.string(), nonce: z.string(), returnTo: z.string() });

/** A sign-in under way: the PKCE verifier and nonce, until the browser comes back. */
export type SignIn = z.infer<typeof signInSchema>;

const SIGN_IN_SECONDS = 600;

const hashed = (id: string): string => createHash('sha256').update(id).digest('base64url');
const randomId = (): string => randomBytes(32).toString('base64url');

function parse<T>(schema: z.ZodType<T>, text: string | null): T | undefined {
  if (text === null) return undefined;
  const parsed = schema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
}

/**
 * Console sessions and sign-ins in Redis, shared by every instance, each expiring by itself.
 * Keys hold a hash of the session id, never the id the cookie carries.
 */
export class SessionStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #maxAgeSeconds: number;

  constructor(redis: Redis, prefix: string, maxAgeSeconds: number) {
    this.#redis = redis;
    this.#prefix = `${prefix}:console`;
    this.#maxAgeSeconds = maxAgeSeconds;
  }

  get maxAgeSeconds(): number {
    return this.#maxAgeSeconds;
  }

  /** Starts a sign-in; returns its `state`. */
  async beginSignIn(signIn: SignIn): Promise<string> {
    const state = randomId();
    await this.#redis.set(`${this.#prefix}:signin:${hashed(state)}`, JSON.stringify(signIn), 'EX', SIGN_IN_SECONDS);
    return state;
  }

  /** The sign-in of `state`, once: a second callback with it finds nothing. */
  async takeSignIn(state: string): Promise<SignIn | undefined> {
    return parse(signInSchema, await this.#redis.getdel(`${this.#prefix}:signin:${hashed(state)}`));
  }

  /** Stores a new session; returns the id for the cookie. */
  async create(session: Omit<ConsoleSession, 'csrf' | 'createdAt'>): Promise<{ id: string; session: ConsoleSession }> {
    const id = randomId();
    const full: ConsoleSession = { ...session, csrf: randomId(), createdAt: Date.now() };
    await this.#redis.set(this.#key(id), JSON.stringify(full), 'EX', this.#maxAgeSeconds);
    return { id, session: full };
  }

  async find(id: string): Promise<ConsoleSession | undefined> {
    return parse(sessionSchema, await this.#redis.get(this.#key(id)));
  }

  /** Replaces a session's tokens, keeping its absolute expiry. */
  async update(id: string, session: ConsoleSession): Promise<void> {
    const left = this.#maxAgeSeconds - Math.floor((Date.now() - session.createdAt) / 1000);
    if (left > 0) await this.#redis.set(this.#key(id), JSON.stringify(session), 'EX', left);
  }

  async destroy(id: string): Promise<void> {
    await this.#redis.del(this.#key(id));
  }

  /** Holds the right to refresh a session's tokens for `holdMs`; false when someone else holds it. */
  async lockRefresh(id: string, holdMs: number): Promise<boolean> {
    return (await this.#redis.set(`${this.#key(id)}:refreshing`, '1', 'PX', holdMs, 'NX')) === 'OK';
  }

  async unlockRefresh(id: string): Promise<void> {
    await this.#redis.del(`${this.#key(id)}:refreshing`);
  }

  #key(id: string): string {
    return `${this.#prefix}:session:${hashed(id)}`;
  }
}
