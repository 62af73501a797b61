import { LRUCache } from 'lru-cache';
import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model, type UpdateQuery } from 'mongoose';
import { hashPassword, needsRehash, verifyPassword } from './password-hash.js';
import { deleteArtifactsOf } from './artifact-maintenance.js';

interface AccountDoc {
  _id: string;
  username: string;
  passwordHash: string;
  roles: string[];
  disabled: boolean;
  createdAt: Date;
}

const accountSchema = new Schema<AccountDoc>({
  _id: { type: String, required: true },
  username: { type: String, required: true, unique: true },
  passwordHash: { type: String, required: true },
  roles: { type: [String], default: [] },
  disabled: { type: Boolean, default: false },
  createdAt: { type: Date, required: true },
}, { versionKey: false, strict: 'throw' });

/** The roles Rotor knows. `security` opens the control plane (the `admin:*` scopes). */
export const ROLES = ['security'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

export interface Account {
  sub: string;
  username: string;
  roles: Role[];
  disabled: boolean;
}

export class AccountExistsError extends Error {
  readonly code = 'ROTOR_ACCOUNT_EXISTS';
}

export class UnknownAccountError extends Error {
  readonly code = 'ROTOR_UNKNOWN_ACCOUNT';
  constructor(username: string) {
    super(`no user ${username}`);
  }
}

// A hash to compare against when the username is unknown, so both cases take as long.
// Made on the first sign-in of an unknown user, not at import: one scrypt costs 128 MiB and a few
// hundred milliseconds, which every CLI run that merely touches accounts would otherwise pay.
let dummyHash: Promise<string> | undefined;
const timingEqualiser = (): Promise<string> => (dummyHash ??= hashPassword('rotor-timing-equaliser'));

const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 10_000;

const toAccount = (doc: Pick<AccountDoc, '_id' | 'username' | 'roles' | 'disabled'>): Account => ({
  sub: doc._id,
  username: doc.username,
  roles: (doc.roles ?? []).filter(isRole),
  disabled: doc.disabled === true,
});

/**
 * End-user accounts: a stable random `sub`, a unique username, a scrypt password hash, roles,
 * and a disabled flag. Lookups by `sub` (every refresh and userinfo call) are cached for a short
 * while; a change is announced (`onChanged`) so every instance drops its copy. Logins always read
 * the database.
 */
export class AccountStore {
  readonly #model: Model<AccountDoc>;
  readonly #connection: Connection;
  // Bounded by count through maxSize, not max: max would allocate room for every entry at start.
  readonly #bySub = new LRUCache<string, Account>({ maxSize: CACHE_MAX, sizeCalculation: () => 1, ttl: CACHE_TTL_MS });

  readonly #onChanged: ((sub: string) => Promise<void>) | undefined;

  /** `onChanged` is called after an account changes here, to tell other instances (wired to Redis). */
  constructor(connection: Connection, hooks: { onChanged?: (sub: string) => Promise<void> } = {}) {
    this.#onChanged = hooks.onChanged;
    this.#model = (connection.models.Account as Model<AccountDoc> | undefined) ?? connection.model<AccountDoc>('Account', accountSchema, 'accounts');
    this.#connection = connection;
  }

  /** Makes the hash an unknown user's sign-in is compared against now, so no sign-in waits for it. */
  async warmUp(): Promise<void> {
    await timingEqualiser();
  }

  async ensureIndexes(): Promise<void> {
    await this.#model.createIndexes();
  }

  async add(username: string, password: string, roles: Role[] = []): Promise<Account> {
    const sub = randomUUID();
    try {
      await this.#model.create({ _id: sub, username, passwordHash: await hashPassword(password), roles: [...new Set(roles)], disabled: false, createdAt: new Date() });
    } catch (err) {
      if ((err as { code?: number }).code === 11000) throw new AccountExistsError(`user ${username} already exists`);
      throw err;
    }
    return { sub, username, roles: [...new Set(roles)], disabled: false };
  }

  /**
   * The account when the password matches and the account is enabled, otherwise `undefined`.
   * A hash made with weaker parameters than today's is replaced on the way.
   */
  async authenticate(username: string, password: string): Promise<Account | undefined> {
    const doc = await this.#model.findOne({ username }).lean();
    const ok = await verifyPassword(password, doc?.passwordHash ?? await timingEqualiser());
    if (!doc || !ok || doc.disabled) return undefined;
    if (needsRehash(doc.passwordHash)) {
      await this.#model.updateOne({ _id: doc._id, passwordHash: doc.passwordHash }, { $set: { passwordHash: await hashPassword(password) } });
    }
    return toAccount(doc);
  }

  async findBySub(sub: string): Promise<Account | undefined> {
    const cached = this.#bySub.get(sub);
    if (cached) return cached;
    const doc = await this.#model.findById(sub, { passwordHash: 0 }).lean();
    if (!doc) return undefined;
    const account = toAccount(doc);
    this.#bySub.set(sub, account);
    return account;
  }

  async findByUsername(username: string): Promise<Account | undefined> {
    const doc = await this.#model.findOne({ username }, { passwordHash: 0 }).lean();
    return doc ? toAccount(doc) : undefined;
  }

  /** Every account, by username, without password hashes. */
  async list(): Promise<Account[]> {
    return (await this.#model.find({}, { passwordHash: 0 }).sort({ username: 1 }).lean()).map(toAccount);
  }

  /**
   * Disables or enables an account. Disabling also deletes at once everything issued to the
   * person (grants, refresh tokens, codes, sessions), so no instance accepts their refresh
   * tokens or browser session any more; enabling restores the login, not the deleted grants.
   */
  async setDisabled(username: string, disabled: boolean): Promise<{ account: Account; artifacts: number }> {
    const account = await this.#update(username, { $set: { disabled } });
    const artifacts = disabled ? await deleteArtifactsOf(this.#connection, { accountId: account.sub }) : 0;
    return { account, artifacts };
  }

  /**
   * Replaces the password and deletes the person's grants, tokens and sessions: a password is
   * reset because the old one may be known, and whoever knew it may be signed in already.
   */
  async setPassword(username: string, password: string): Promise<{ account: Account; artifacts: number }> {
    const account = await this.#update(username, { $set: { passwordHash: await hashPassword(password) } });
    return { account, artifacts: await deleteArtifactsOf(this.#connection, { accountId: account.sub }) };
  }

  async grantRole(username: string, role: Role): Promise<Account> {
    return this.#update(username, { $addToSet: { roles: role } });
  }

  async revokeRole(username: string, role: Role): Promise<Account> {
    return this.#update(username, { $pull: { roles: role } });
  }

  /**
   * Applies a change to one account, then drops every instance's cached copy of it. (No
   * projection: FerretDB does not take one on findAndModify; `toAccount` drops the hash.)
   */
  async #update(username: string, change: UpdateQuery<AccountDoc>): Promise<Account> {
    const doc = await this.#model.findOneAndUpdate({ username }, change, { new: true }).lean();
    if (!doc) throw new UnknownAccountError(username);
    this.invalidate(doc._id);
    await this.#onChanged?.(doc._id);
    return toAccount(doc);
  }

  /** Forgets a cached account (it changed somewhere). */
  invalidate(sub: string): void {
    this.#bySub.delete(sub);
  }
}
