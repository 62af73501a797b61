import { Schema, type Connection, type Model } from 'mongoose';
import { catalogSchema, type Catalog, type KeyRecord } from '../keys/catalog.js';
import type { CatalogStore } from '../keys/catalog-store.js';

interface CatalogDoc {
  _id: string;
  version: number;
  keys: KeyRecord[];
  createdAt: Date;
  superseded?: boolean;
}

const idFor = (version: number): string => `v${String(version).padStart(12, '0')}`;

const keySchema = new Schema({
  kid: { type: String, required: true },
  alg: { type: String, required: true },
  state: { type: String, required: true },
  createdAt: { type: Date, required: true },
  activatesAt: { type: Date, required: true },
  retiresAt: { type: Date, required: true },
  removesAt: { type: Date, required: true },
  revokedAt: { type: Date },
  activationDelayedAt: { type: Date },
  reason: { type: String },
  publicJwk: { type: Schema.Types.Mixed, required: true },
  sealedPrivateJwk: { type: String, default: null },
}, { _id: false, versionKey: false });

const catalogDocSchema = new Schema<CatalogDoc>({
  _id: { type: String, required: true },
  version: { type: Number, required: true, unique: true },
  keys: { type: [keySchema], required: true },
  createdAt: { type: Date, required: true },
  superseded: { type: Boolean },
}, { versionKey: false, strict: 'throw' });

export class CatalogCorruptError extends Error {
  readonly code = 'ROTOR_CATALOG_CORRUPT';
}

function parse(doc: unknown): Catalog | undefined {
  if (!doc) return undefined;
  const { _id: _ignored, createdAt: _created, superseded: _superseded, ...rest } = doc as CatalogDoc;
  const parsed = catalogSchema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CatalogCorruptError(`key catalog in MongoDB is invalid at ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * The key catalog: every version is one document whose `_id` is derived from its number, so a
 * change (several keys at once) is a single insert, and of two writers starting from the same
 * version the unique `_id` lets exactly one win. (A conditional `findOneAndUpdate` on a version
 * field is not atomic on every MongoDB-compatible engine; a unique-key insert is.) Versions are
 * contiguous, so the newest is found by probing ids forward from the newest one seen — one
 * primary-key lookup, where a sort would scan every document on engines that cannot use an
 * index for it. A superseded version is emptied at once (its sealed private parts must leave
 * the database) but stays as a tombstone, so its number can never be written again.
 */
export class CatalogRepository implements CatalogStore {
  readonly #model: Model<CatalogDoc>;
  #newestSeen = 0;

  readonly #onCommitted: ((version: number, revoked: string[], keys: KeyRecord[]) => Promise<void>) | undefined;

  /**
   * `onCommitted` is called with each version this repository writes, the kids it holds as
   * revoked and its keys, right after the write and before the previous version is emptied, so other
   * instances hear of it (and drop revoked keys) as early as possible. Wired to the Redis
   * announcement; it must not throw.
   */
  constructor(connection: Connection, hooks: { onCommitted?: (version: number, revoked: string[], keys: KeyRecord[]) => Promise<void> } = {}) {
    this.#onCommitted = hooks.onCommitted;
    this.#model = (connection.models.KeyCatalog as Model<CatalogDoc> | undefined) ?? connection.model<CatalogDoc>('KeyCatalog', catalogDocSchema, 'key_catalog');
  }

  async ensureIndexes(): Promise<void> {
    await this.#model.createIndexes();
  }

  async #exists(version: number): Promise<boolean> {
    return (await this.#model.exists({ _id: idFor(version) })) !== null;
  }

  /** The newest stored version (0 when there is none). */
  async version(): Promise<number | undefined> {
    if (this.#newestSeen === 0) {
      const doc = await this.#model.findOne({}, { version: 1 }).sort({ version: -1 }).lean();
      if (doc && (typeof doc.version !== 'number' || doc._id !== idFor(doc.version))) {
        throw new CatalogCorruptError(`key catalog in MongoDB is invalid: document ${JSON.stringify(doc._id)} is not a catalog version this Rotor writes`);
      }
      this.#newestSeen = doc?.version ?? 0;
    }
    while (this.#newestSeen > 0 && await this.#exists(this.#newestSeen + 1)) this.#newestSeen++;
    return this.#newestSeen || undefined;
  }

  /**
   * The newest catalog. The newest version this repository has seen is read first, in one round
   * trip: a version not yet marked superseded is the newest but for a write racing this read,
   * which the compare-and-set that follows any decision catches. Otherwise it probes forward.
   */
  async load(): Promise<Catalog | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const version = attempt === 0 && this.#newestSeen > 0 ? this.#newestSeen : await this.version();
      if (!version) return undefined;
      const doc = await this.#model.findById(idFor(version)).lean();
      if (doc && !doc.superseded) return parse(doc);
      // Superseded since (probe forward), or gone: the collection was emptied by hand.
      if (!doc) this.#newestSeen = 0;
    }
    throw new Error('the key catalog kept changing while it was being read');
  }

  /**
   * One version, by number: what an instance reads when told of a new version. Falls back to
   * the newest when that version has already been superseded.
   */
  async loadVersion(version: number): Promise<Catalog | undefined> {
    const doc = await this.#model.findById(idFor(version)).lean();
    if (!doc || doc.superseded) return this.load();
    this.#newestSeen = Math.max(this.#newestSeen, version);
    return parse(doc);
  }

  /**
   * Writes `keys` as version `expected + 1` if the newest stored version is still `expected`
   * (`expected` 0 means "no catalog yet"). Returns the new catalog, or `undefined` when another
   * writer got there first.
   */
  async compareAndSet(expected: number, keys: KeyRecord[]): Promise<Catalog | undefined> {
    // A version this repository has read or written exists (versions are emptied, never deleted):
    // no need to ask again. The unique insert below is what decides the race.
    if (expected > 0 && expected !== this.#newestSeen && !(await this.#exists(expected))) return undefined;
    const version = expected + 1;
    try {
      await this.#model.create({ _id: idFor(version), version, keys, createdAt: new Date() });
    } catch (err) {
      if ((err as { code?: number }).code === 11000) {
        this.#newestSeen = Math.max(this.#newestSeen, version);
        return undefined;
      }
      throw err;
    }
    this.#newestSeen = version;
    await this.#onCommitted?.(version, keys.filter((key) => key.state === 'revoked').map((key) => key.kid), keys);
    if (expected > 0) await this.#model.updateOne({ _id: idFor(expected) }, { $set: { keys: [], superseded: true } });
    return { version, keys };
  }

  /**
   * Empties every superseded version still holding keys: normally none, but a writer that died
   * between its insert and emptying the previous version leaves one. The janitor calls this.
   */
  async emptySuperseded(): Promise<number> {
    const newest = await this.version();
    if (!newest) return 0;
    const result = await this.#model.updateMany({ version: { $lt: newest }, superseded: { $ne: true } }, { $set: { keys: [], superseded: true } });
    return result.modifiedCount;
  }
}
