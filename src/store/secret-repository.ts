import { Schema, type Connection, type Model } from 'mongoose';

/** A deployment-wide secret, sealed under the KEK; today one, `_id: 'root'`. */
interface SecretDoc {
  _id: string;
  sealed: string;
  createdAt: Date;
}

const secretSchema = new Schema<SecretDoc>({
  _id: { type: String, required: true },
  sealed: { type: String, required: true },
  createdAt: { type: Date, required: true },
}, { versionKey: false, strict: 'throw' });

const COLLECTION = 'secrets';

/**
 * Storage of the deployment's sealed secrets (collection `secrets`). Creating is a unique-`_id`
 * insert, so of two instances starting at once exactly one writes and the other reads what it
 * wrote; re-sealing replaces a value only if it is still the one that was read.
 */
export class SecretRepository {
  readonly #model: Model<SecretDoc>;
  readonly #connection: Connection;

  constructor(connection: Connection) {
    this.#connection = connection;
    this.#model = (connection.models.DeploymentSecret as Model<SecretDoc> | undefined) ?? connection.model<SecretDoc>('DeploymentSecret', secretSchema, COLLECTION);
  }

  /** The sealed value stored under `id`, if any. */
  async sealed(id: string): Promise<string | undefined> {
    return (await this.#model.findById(id, { sealed: 1 }).lean())?.sealed;
  }

  /** Stores a sealed value unless `id` is taken; false when another writer got there first. */
  async create(id: string, sealed: string): Promise<boolean> {
    try {
      await this.#model.create({ _id: id, sealed, createdAt: new Date() });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return false;
      throw err;
    }
  }

  /** Replaces `id`'s sealed value if it is still `expected`; false when it was not. */
  async replace(id: string, expected: string, sealed: string): Promise<boolean> {
    const { matchedCount } = await this.#model.updateOne({ _id: id, sealed: expected }, { $set: { sealed } });
    return matchedCount === 1;
  }

  /**
   * Whether the collection exists at all. Nothing creates it but the first secret's insert, so
   * a database where it is missing has never held one (or lost the whole collection).
   */
  async everUsed(): Promise<boolean> {
    const found = await this.#connection.db!.listCollections({ name: COLLECTION }, { nameOnly: true }).toArray();
    return found.length > 0;
  }
}
