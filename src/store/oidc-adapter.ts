import { Schema, type Connection, type Model } from 'mongoose';
import Provider, { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { consumptionModel, SINGLE_USE_KINDS, spend, spentAt } from './consumption.js';
import { artifactOwner } from './artifact-owner.js';

/**
 * One document per oidc-provider artifact. The payload is stored as a JSON string: its maps
 * are keyed by URLs (resource indicators), which MongoDB-compatible engines reject as field
 * names. The fields we query by are lifted to the top level.
 */
interface ArtifactDoc {
  _id: string;
  payload: string;
  grantId?: string;
  clientId?: string;
  accountId?: string;
  uid?: string;
  userCode?: string;
  expiresAt?: Date;
  consumed?: Date;
}

const artifactSchema = new Schema<ArtifactDoc>({
  _id: { type: String, required: true },
  payload: { type: String, required: true },
  grantId: { type: String, index: true },
  clientId: { type: String, index: true },
  accountId: { type: String, index: true },
  uid: { type: String, index: true },
  userCode: { type: String, index: true },
  expiresAt: { type: Date, index: true },
  consumed: { type: Date },
}, { versionKey: false, strict: 'throw' });

/** The artifact kinds oidc-provider stores; the janitor sweeps each one. */
export const ARTIFACT_KINDS = [
  'Session', 'AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'ClientCredentials',
  'InitialAccessToken', 'RegistrationAccessToken', 'Interaction', 'ReplayDetection',
  'PushedAuthorizationRequest', 'Grant', 'BackchannelAuthenticationRequest',
] as const;

const collectionName = (kind: string): string => `oidc_${kind.replace(/[A-Z]/g, (c, i: number) => (i ? '_' : '') + c.toLowerCase())}`;

/** The mongoose model that holds one artifact kind. */
export function artifactModel(connection: Connection, kind: string): Model<ArtifactDoc> {
  const name = `Artifact${kind}`;
  return (connection.models[name] as Model<ArtifactDoc> | undefined) ?? connection.model<ArtifactDoc>(name, artifactSchema, collectionName(kind));
}

function toPayload(doc: ArtifactDoc | null, consumed = doc?.consumed): AdapterPayload | undefined {
  if (!doc) return undefined;
  if (doc.expiresAt && doc.expiresAt.getTime() <= Date.now()) return undefined;
  const payload: unknown = JSON.parse(doc.payload);
  if (payload === null || typeof payload !== 'object') return undefined;
  const out = payload as AdapterPayload;
  if (consumed) out.consumed = Math.floor(consumed.getTime() / 1000);
  return out;
}

const LIFTED_FIELDS = ['grantId', 'clientId', 'accountId', 'uid', 'userCode'] as const;

/** Set on the request when a single-use artifact was spent twice at once; create-provider revokes its grant. */
export const DOUBLE_SPEND = 'rotorDoubleSpentGrant';

/**
 * oidc-provider's storage adapter, on MongoDB through mongoose. Refresh tokens and
 * authorization codes are spent by a unique-key insert (see `consumption.ts`): a second spend,
 * even one racing the first, fails with `invalid_grant` and marks the request so the grant is
 * revoked, as for any reuse.
 */
export class MongoAdapter implements Adapter {
  readonly #model: Model<ArtifactDoc>;
  readonly #kind: string;
  readonly #consumptions: ReturnType<typeof consumptionModel>;
  readonly #keepSpentSeconds: number;

  /** `keepSpentSeconds`: how long a spending is remembered (at least the longest token lifetime). */
  constructor(connection: Connection, kind: string, keepSpentSeconds = 31 * 86400) {
    this.#model = artifactModel(connection, kind);
    this.#kind = kind;
    this.#consumptions = consumptionModel(connection);
    this.#keepSpentSeconds = keepSpentSeconds;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const set: Partial<ArtifactDoc> = { payload: JSON.stringify(payload) };
    const unset: Record<string, 1> = {};
    const lifted: Partial<ArtifactDoc> = { grantId: payload.grantId, uid: payload.uid, userCode: payload.userCode, ...artifactOwner(payload) };
    for (const field of LIFTED_FIELDS) {
      const value = lifted[field];
      if (typeof value === 'string') set[field] = value;
      else unset[field] = 1;
    }
    if (expiresIn) set.expiresAt = new Date(Date.now() + expiresIn * 1000);
    else unset.expiresAt = 1;
    await this.#model.updateOne({ _id: id }, { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) }, { upsert: true });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (!SINGLE_USE_KINDS.has(this.#kind)) return toPayload(await this.#model.findById(id).lean());
    const [doc, spent] = await Promise.all([this.#model.findById(id).lean(), spentAt(this.#consumptions, this.#kind, id)]);
    return toPayload(doc, spent);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return toPayload(await this.#model.findOne({ uid }).lean());
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return toPayload(await this.#model.findOne({ userCode }).lean());
  }

  async consume(id: string): Promise<void> {
    if (!SINGLE_USE_KINDS.has(this.#kind)) {
      await this.#model.updateOne({ _id: id }, { $set: { consumed: new Date() } });
      return;
    }
    if (await spend(this.#consumptions, this.#kind, id, this.#keepSpentSeconds)) return;
    const doc = await this.#model.findById(id, { grantId: 1 }).lean();
    const ctx = Provider.ctx;
    if (ctx && doc?.grantId) ctx.state[DOUBLE_SPEND] = doc.grantId;
    throw new errors.InvalidGrant('grant request is invalid');
  }

  async destroy(id: string): Promise<void> {
    await this.#model.deleteOne({ _id: id });
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#model.deleteMany({ grantId });
  }
}

/** Creates the indexes of every artifact collection (idempotent). */
export async function ensureArtifactIndexes(connection: Connection): Promise<void> {
  for (const kind of ARTIFACT_KINDS) await artifactModel(connection, kind).createIndexes();
  await consumptionModel(connection).createIndexes();
}

/** Deletes expired artifacts of every kind, and spendings past their keeping; returns how many went. */
export async function deleteExpiredArtifacts(connection: Connection, now = new Date()): Promise<number> {
  let deleted = 0;
  for (const kind of ARTIFACT_KINDS) {
    const result = await artifactModel(connection, kind).deleteMany({ expiresAt: { $lte: now } });
    deleted += result.deletedCount;
  }
  deleted += (await consumptionModel(connection).deleteMany({ expiresAt: { $lte: now } })).deletedCount;
  return deleted;
}

const escapeRegExp = (value: string): string => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Deletes every artifact of every kind that belongs to one client or one account (grants,
 * tokens, codes, sessions, interactions, ...); returns how many went. Documents written before
 * the owner was lifted to the top level are found by their payload, so an upgrade leaves none behind.
 */
export async function deleteArtifactsOf(connection: Connection, owner: { clientId: string } | { accountId: string }): Promise<number> {
  const [field, value] = 'clientId' in owner ? ['clientId', owner.clientId] as const : ['accountId', owner.accountId] as const;
  let deleted = 0;
  for (const kind of ARTIFACT_KINDS) {
    const model = artifactModel(connection, kind);
    deleted += (await model.deleteMany({ [field]: value })).deletedCount;
    const unlifted = await model.find({ [field]: { $exists: false }, payload: { $regex: escapeRegExp(JSON.stringify(value)) } }, { payload: 1 }).lean();
    const owned = unlifted.filter((doc) => artifactOwner(JSON.parse(doc.payload) as AdapterPayload)[field] === value).map((doc) => doc._id);
    if (owned.length > 0) deleted += (await model.deleteMany({ _id: { $in: owned } })).deletedCount;
  }
  return deleted;
}

/** How many artifacts of a kind are still live (for dry runs: "how many grants would this touch"). */
export async function countLiveArtifacts(connection: Connection, kind: string, now = new Date()): Promise<number> {
  return artifactModel(connection, kind).countDocuments({ $or: [{ expiresAt: { $gt: now } }, { expiresAt: { $exists: false } }] });
}
