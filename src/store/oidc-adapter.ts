import type { Connection, Model } from 'mongoose';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { consumptionModel, SINGLE_USE_KINDS, spend, spentAt } from './consumption.js';
import { artifactOwner } from './artifact-owner.js';
import { artifactModel, type ArtifactDoc } from './artifact-model.js';
import type { BearerValues } from './bearer-values.js';
import { joinPayload, splitPayload } from './stored-payload.js';

const LIFTED_FIELDS = ['grantId', 'clientId', 'accountId', 'uid', 'userCode'] as const;

/**
 * The kinds oidc-provider saves again after creating them (a session at each login, an
 * interaction at each step, a grant at each consent, a device code when approved): these are
 * upserted. Every other artifact (tokens, codes) is saved once, so it is inserted, and upserted
 * only if its id is taken. An insert finds the id through the unique index on every engine,
 * where FerretDB 1.24 on SQLite serves an upsert's lookup by `_id` with a scan of the whole
 * collection (docs/BENCHMARKS.md, "Refresh at scale").
 */
const SAVED_AGAIN_KINDS: ReadonlySet<string> = new Set(['Session', 'Interaction', 'Grant', 'DeviceCode', 'BackchannelAuthenticationRequest']);

/**
 * What a revoked refresh token leaves until it expires: its key and the lifted owner fields
 * (grant, client, account: what deletion by owner needs), with no payload and nothing sealed.
 * It is never found again, but a refresh still in flight with its predecessor finds the key
 * taken and is refused as reuse, as it would have been before the revocation; deleting it would
 * let that refresh store the successor anew. The janitor deletes it when it expires (a
 * successor's record is kept at least as long as its predecessor lives: `refresh-rotation.ts`).
 */
const TOMBSTONE = { $set: { payload: '{}' }, $unset: { sealed: 1 } };

/**
 * Kinds oidc-provider looks up by their id alone (never by uid or user code) and whose payloads
 * hold no bearer value but their own id: that id is never stored, not even sealed. A lookup has
 * it already and puts it back; `sealed` then only says so ({@link ID_FROM_LOOKUP}). Refreshes,
 * which read and write these, open and seal nothing.
 */
const FOUND_BY_ID_ONLY: ReadonlySet<string> = new Set(['RefreshToken', 'AccessToken', 'AuthorizationCode', 'ClientCredentials', 'Grant']);
/** `sealed` of a document whose only bearer value, its id, comes from the lookup (never a JWE, which has dots). */
const ID_FROM_LOOKUP = 'id';

/** Set on the request when a single-use artifact was spent twice at once; create-provider revokes its grant. */
export const DOUBLE_SPEND = 'rotorDoubleSpentGrant';

/**
 * What the refresh-token store offers beyond oidc-provider's interface, for rotation by
 * successor (src/provider/refresh-rotation.ts): a refresh token is spent by inserting its one
 * successor, whose unique key is derived from it, so the spending and the new token are one
 * insert, and of two requests racing with the same token exactly one wins.
 */
export interface ChainingAdapter extends Adapter {
  /** Stores a new artifact; false, storing nothing, when one is already stored under this value. */
  insert(id: string, payload: AdapterPayload, expiresIn: number): Promise<boolean>;
  /** When the artifact with this value was inserted, if one is stored (expired or not), and whether it was revoked since. */
  storedAt(id: string): Promise<{ at: Date; revoked: boolean } | undefined>;
}

export interface MongoAdapterOptions {
  /** Hashes and seals the bearer values. */
  bearer: BearerValues;
  /** How long a spending is remembered (at least the longest token lifetime). */
  keepSpentSeconds?: number;
  /** Whether the kind is looked up by its id alone, so its id is never stored (default: by kind, {@link FOUND_BY_ID_ONLY}). */
  foundByIdOnly?: boolean;
}

/**
 * oidc-provider's storage adapter, on MongoDB through mongoose. Every lookup by a bearer value
 * (an id, a user code) hashes it first; a document written before ids were hashed (no `sealed`)
 * is never found, so the values in it are dead. Authorization codes are spent by a unique-key
 * insert (see `consumption.ts`): a second spend, even one racing the first, fails with
 * `invalid_grant` and marks the request so the grant is revoked, as for any reuse. Refresh tokens
 * are spent by the insert of their successor (`ChainingAdapter`).
 */
export class MongoAdapter implements ChainingAdapter {
  readonly #model: Model<ArtifactDoc>;
  readonly #kind: string;
  readonly #consumptions: ReturnType<typeof consumptionModel>;
  readonly #bearer: BearerValues;
  readonly #keepSpentSeconds: number;
  readonly #foundByIdOnly: boolean;

  constructor(connection: Connection, kind: string, { bearer, keepSpentSeconds = 31 * 86400, foundByIdOnly = FOUND_BY_ID_ONLY.has(kind) }: MongoAdapterOptions) {
    this.#model = artifactModel(connection, kind);
    this.#kind = kind;
    this.#consumptions = consumptionModel(connection);
    this.#bearer = bearer;
    this.#keepSpentSeconds = keepSpentSeconds;
    this.#foundByIdOnly = foundByIdOnly;
  }

  /**
   * The documents by id, through the driver: the reads and inserts every request makes skip
   * mongoose's query and document machinery (a refresh spent more main-thread time in it than in
   * anything else). The documents are Rotor's own, written only by this class.
   */
  #byId(storedId: string, projection?: Partial<Record<keyof ArtifactDoc, 1>>): Promise<ArtifactDoc | null> {
    return this.#model.collection.findOne<ArtifactDoc>({ _id: storedId } as object, projection ? { projection } : {});
  }

  /** The sealed values of a document open only for that document, in its own collection. */
  #binding(storedId: string): string {
    return `${this.#kind}:${storedId}`;
  }

  /** The payload of a live document; `id` is the value it was looked up by, when it was. */
  async #toPayload(doc: ArtifactDoc | null, consumed = doc?.consumed, id?: string): Promise<AdapterPayload | undefined> {
    // No `sealed`: written before ids were hashed, or a revoked refresh token's key.
    if (doc?.sealed === undefined) return undefined;
    if (doc.expiresAt && doc.expiresAt.getTime() <= Date.now()) return undefined;
    const bearer = doc.sealed === ID_FROM_LOOKUP ? (id === undefined ? undefined : { jti: id }) : await this.#bearer.open(doc.sealed, this.#binding(doc._id));
    const payload: unknown = JSON.parse(doc.payload);
    if (!bearer || payload === null || typeof payload !== 'object') return undefined;
    const out = joinPayload(payload as AdapterPayload, bearer);
    if (consumed) out.consumed = Math.floor(consumed.getTime() / 1000);
    return out;
  }

  /** The stored form of an artifact: its HMAC'd id, the payload without its bearer values, those sealed, the lifted fields. */
  async #stored(id: string, payload: AdapterPayload, expiresIn: number): Promise<{ storedId: string; set: Partial<ArtifactDoc>; unset: Record<string, 1> }> {
    const storedId = this.#bearer.hash(id);
    const { clear, bearer } = splitPayload(this.#kind, payload);
    const json = JSON.stringify(clear);
    if (json.includes(id)) throw new Error(`a ${this.#kind} payload holds its own id outside the fields Rotor seals; refusing to store it in the clear`);
    const idOnly = this.#foundByIdOnly && Object.keys(bearer).every((path) => path === 'jti') && bearer.jti === id;
    const set: Partial<ArtifactDoc> = { payload: json, sealed: idOnly ? ID_FROM_LOOKUP : await this.#bearer.seal(bearer, this.#binding(storedId)) };
    const unset: Record<string, 1> = {};
    const userCode = typeof payload.userCode === 'string' ? this.#bearer.hash(payload.userCode) : undefined;
    const lifted: Partial<ArtifactDoc> = { grantId: payload.grantId, uid: payload.uid, userCode, ...artifactOwner(payload) };
    for (const field of LIFTED_FIELDS) {
      const value = lifted[field];
      if (typeof value === 'string') set[field] = value;
      else unset[field] = 1;
    }
    if (expiresIn) set.expiresAt = new Date(Date.now() + expiresIn * 1000);
    else unset.expiresAt = 1;
    return { storedId, set, unset };
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    if (!SAVED_AGAIN_KINDS.has(this.#kind) && await this.insert(id, payload, expiresIn)) return;
    const { storedId, set, unset } = await this.#stored(id, payload, expiresIn);
    await this.#model.updateOne({ _id: storedId }, { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) }, { upsert: true });
  }

  async insert(id: string, payload: AdapterPayload, expiresIn: number): Promise<boolean> {
    const { storedId, set } = await this.#stored(id, payload, expiresIn);
    try {
      await this.#model.collection.insertOne({ _id: storedId, ...set, createdAt: new Date() } as object);
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return false;
      throw err;
    }
  }

  async storedAt(id: string): Promise<{ at: Date; revoked: boolean } | undefined> {
    const doc = await this.#byId(this.#bearer.hash(id), { createdAt: 1, sealed: 1 });
    return doc ? { at: doc.createdAt ?? new Date(0), revoked: doc.sealed === undefined } : undefined;
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const storedId = this.#bearer.hash(id);
    if (this.#kind === 'RefreshToken') {
      // Spent by its successor's insert (see ChainingAdapter); a token stored before that
      // (no createdAt) may have been spent by a record of its own.
      const doc = await this.#byId(storedId);
      return this.#toPayload(doc, doc && !doc.createdAt ? await spentAt(this.#consumptions, this.#kind, storedId) : undefined, id);
    }
    if (!SINGLE_USE_KINDS.has(this.#kind)) {
      const doc = await this.#byId(storedId);
      return this.#toPayload(doc, doc?.consumed, id);
    }
    const [doc, spent] = await Promise.all([this.#byId(storedId), spentAt(this.#consumptions, this.#kind, storedId)]);
    return this.#toPayload(doc, spent, id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#toPayload(await this.#model.findOne({ uid }).lean());
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#toPayload(await this.#model.findOne({ userCode: this.#bearer.hash(userCode) }).lean());
  }

  async consume(id: string): Promise<void> {
    const storedId = this.#bearer.hash(id);
    if (this.#kind === 'RefreshToken') throw new TypeError('a refresh token is spent by inserting its successor (src/provider/refresh-rotation.ts), never by a record of its own');
    if (!SINGLE_USE_KINDS.has(this.#kind)) {
      await this.#model.updateOne({ _id: storedId }, { $set: { consumed: new Date() } });
      return;
    }
    if (await spend(this.#consumptions, this.#kind, storedId, this.#keepSpentSeconds)) return;
    const doc = await this.#model.findById(storedId, { grantId: 1 }).lean();
    // Only a running provider spends artifacts, so oidc-provider is loaded by then; the store
    // does not load it for the CLI, which never does.
    const { default: Provider, errors } = await import('oidc-provider');
    const ctx = Provider.ctx;
    if (ctx && doc?.grantId) ctx.state[DOUBLE_SPEND] = doc.grantId;
    throw new errors.InvalidGrant('grant request is invalid');
  }

  async destroy(id: string): Promise<void> {
    const storedId = this.#bearer.hash(id);
    if (this.#kind === 'RefreshToken') await this.#model.updateOne({ _id: storedId }, TOMBSTONE);
    else await this.#model.deleteOne({ _id: storedId });
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    if (this.#kind === 'RefreshToken') await this.#model.updateMany({ grantId }, TOMBSTONE);
    else await this.#model.deleteMany({ grantId });
  }
}
