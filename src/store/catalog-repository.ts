import { Schema, type Connection, type Model } from 'mongoose';
import { catalogSchema, type Catalog, type KeyRecord } from '../keys/catalog.js';

/** How many superseded versions keep a (key-less) tombstone; see {@link CatalogRepository}. */
const TOMBSTONES_KEPT = 1000;

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
 * field is not atomic on every MongoDB-compatible engine; a unique-key insert is.) Superseded
 * versions are emptied at once (their sealed private parts must leave the database) but keep
 * their `_id` as a tombstone, so a slow writer can never re-insert an old version number.
 */
export class CatalogRepository {
  readonly #model: Model<CatalogDoc>;

  constructor(connection: Connection) {
    this.#model = (connection.models.KeyCatalog as Model<CatalogDoc> | undefined) ?? connection.model<CatalogDoc>('KeyCatalog', catalogDocSchema, 'key_catalog');
  }

  async ensureIndexes(): Promise<void> {
    await this.#model.createIndexes();
  }

  async load(): Promise<Catalog | undefined> {
    return parse(await this.#model.findOne({}).sort({ version: -1 }).lean());
  }

  /** Just the version: what the periodic poll compares. */
  async version(): Promise<number | undefined> {
    const doc = await this.#model.findOne({}, { version: 1 }).sort({ version: -1 }).lean();
    return doc?.version;
  }

  /**
   * Writes `keys` as version `expected + 1` if the newest stored version is still `expected`
   * (`expected` 0 means "no catalog yet"). Returns the new catalog, or `undefined` when another
   * writer got there first.
   */
  async compareAndSet(expected: number, keys: KeyRecord[]): Promise<Catalog | undefined> {
    if (((await this.version()) ?? 0) !== expected) return undefined;
    const version = expected + 1;
    try {
      await this.#model.create({ _id: idFor(version), version, keys, createdAt: new Date() });
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return undefined;
      throw err;
    }
    await this.#model.updateMany({ version: { $lt: version }, superseded: { $ne: true } }, { $set: { keys: [], superseded: true } });
    if (version % TOMBSTONES_KEPT === 0) await this.#model.deleteMany({ version: { $lt: version - TOMBSTONES_KEPT } });
    return { version, keys };
  }
}
