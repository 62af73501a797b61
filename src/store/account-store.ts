import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { hashPassword, verifyPassword } from './password-hash.js';

interface AccountDoc {
  _id: string;
  username: string;
  passwordHash: string;
  createdAt: Date;
}

const accountSchema = new Schema<AccountDoc>({
  _id: { type: String, required: true },
  username: { type: String, required: true, unique: true },
  passwordHash: { type: String, required: true },
  createdAt: { type: Date, required: true },
}, { versionKey: false, strict: 'throw' });

export interface Account {
  sub: string;
  username: string;
}

export class AccountExistsError extends Error {
  readonly code = 'ROTOR_ACCOUNT_EXISTS';
}

// A hash to compare against when the username is unknown, so both cases take as long.
const DUMMY_HASH = hashPassword('rotor-timing-equaliser');

const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 10_000;

/**
 * End-user accounts: a stable random `sub`, a unique username, a scrypt password hash.
 * Lookups by `sub` (every refresh and userinfo call) are cached for a short while; logins always
 * read the database.
 */
export class AccountStore {
  readonly #model: Model<AccountDoc>;
  readonly #bySub = new Map<string, { account: Account; expires: number }>();

  constructor(connection: Connection) {
    this.#model = (connection.models.Account as Model<AccountDoc> | undefined) ?? connection.model<AccountDoc>('Account', accountSchema, 'accounts');
  }

  async ensureIndexes(): Promise<void> {
    await this.#model.createIndexes();
  }

  async add(username: string, password: string): Promise<Account> {
    const sub = randomUUID();
    try {
      await this.#model.create({ _id: sub, username, passwordHash: await hashPassword(password), createdAt: new Date() });
    } catch (err) {
      if ((err as { code?: number }).code === 11000) throw new AccountExistsError(`user ${username} already exists`);
      throw err;
    }
    return { sub, username };
  }

  /** The account when the password matches, otherwise `undefined`. */
  async authenticate(username: string, password: string): Promise<Account | undefined> {
    const doc = await this.#model.findOne({ username }).lean();
    const ok = await verifyPassword(password, doc?.passwordHash ?? await DUMMY_HASH);
    return doc && ok ? { sub: doc._id, username: doc.username } : undefined;
  }

  async findBySub(sub: string): Promise<Account | undefined> {
    const cached = this.#bySub.get(sub);
    if (cached && cached.expires > Date.now()) return cached.account;
    const doc = await this.#model.findById(sub).lean();
    if (!doc) return undefined;
    const account = { sub: doc._id, username: doc.username };
    if (this.#bySub.size >= CACHE_MAX) this.#bySub.delete(this.#bySub.keys().next().value!);
    this.#bySub.set(sub, { account, expires: Date.now() + CACHE_TTL_MS });
    return account;
  }
}
