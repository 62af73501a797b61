import { Schema, type Connection, type Model } from 'mongoose';
import { catalogSchema, type Catalog, type KeyRecord } from '../keys/catalog.js';

const CATALOG_ID = 'catalog';

interface CatalogDoc {
  _id: string;
  version: number;
  keys: KeyRecord[];
  updatedAt: Date;
}

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
  version: { type: Number, required: true },
  keys: { type: [keySchema], required: true },
  updatedAt: { type: Date, required: true },
}, { versionKey: false, strict: 'throw' });

export class CatalogCorruptError extends Error {
  readonly code = 'ROTOR_CATALOG_CORRUPT';
}

function parse(doc: unknown): Catalog | undefined {
  if (!doc) return undefined;
  const { _id: _ignored, updatedAt: _updated, ...rest } = doc as CatalogDoc;
  const parsed = catalogSchema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CatalogCorruptError(`key catalog in MongoDB is invalid at ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * The key catalog: a single document, so that every change (several keys at once) is one
 * atomic compare-and-set on `version` — no multi-document transaction needed, and two writers
 * can never both win.
 */
export class CatalogRepository {
  readonly #model: Model<CatalogDoc>;

  constructor(connection: Connection) {
    this.#model = (connection.models.KeyCatalog as Model<CatalogDoc> | undefined) ?? connection.model<CatalogDoc>('KeyCatalog', catalogDocSchema, 'key_catalog');
  }

  async load(): Promise<Catalog | undefined> {
    return parse(await this.#model.findById(CATALOG_ID).lean());
  }

  /** Just the version: what the periodic poll compares. */
  async version(): Promise<number | undefined> {
    const doc = await this.#model.findById(CATALOG_ID, { version: 1 }).lean();
    return doc?.version;
  }

  /**
   * Writes `keys` as version `expected + 1` if the stored version is still `expected`
   * (`expected` 0 means "no catalog yet"). Returns the new catalog, or `undefined` when another
   * writer got there first.
   */
  async compareAndSet(expected: number, keys: KeyRecord[]): Promise<Catalog | undefined> {
    const next = { version: expected + 1, keys, updatedAt: new Date() };
    if (expected === 0) {
      try {
        await this.#model.create({ _id: CATALOG_ID, ...next });
        return { version: next.version, keys };
      } catch (err) {
        if ((err as { code?: number }).code === 11000) return undefined;
        throw err;
      }
    }
    const doc = await this.#model.findOneAndUpdate({ _id: CATALOG_ID, version: expected }, { $set: next }, { new: true }).lean();
    return doc ? parse(doc) : undefined;
  }
}
