import { Schema, type Connection, type Model } from 'mongoose';
import type { Adapter, AdapterPayload, ClientMetadata } from 'oidc-provider';
import { seal, unseal, type Kek } from '../keys/seal.js';

/** A registered client: its metadata as JSON, its secret sealed under the KEK. */
interface ClientDoc {
  _id: string;
  metadata: string;
  sealedSecret: string | null;
  createdAt: Date;
}

const clientSchema = new Schema<ClientDoc>({
  _id: { type: String, required: true },
  metadata: { type: String, required: true },
  sealedSecret: { type: String, default: null },
  createdAt: { type: Date, required: true },
}, { versionKey: false, strict: 'throw' });

export class ClientExistsError extends Error {
  readonly code = 'ROTOR_CLIENT_EXISTS';
}

const CACHE_TTL_MS = 5 * 60_000;
const CACHE_MAX = 10_000;

/**
 * Clients live in MongoDB, so every instance sees the same registrations. Found clients are
 * cached in memory (a token request then needs no database round trip and no unsealing);
 * a change is announced on Redis and drops the entry everywhere, and entries expire anyway.
 * Unknown ids are never cached: a new client works at once, and random ids cannot fill memory.
 */
export class ClientStore {
  readonly #model: Model<ClientDoc>;
  readonly #kek: Kek;
  readonly #cache = new Map<string, { metadata: ClientMetadata; expires: number }>();

  /** Called after a registration changes here, to tell other instances (wired to Redis). */
  onChanged: ((clientId: string) => Promise<void>) | undefined;

  constructor(connection: Connection, kek: Kek) {
    this.#model = (connection.models.Client as Model<ClientDoc> | undefined) ?? connection.model<ClientDoc>('Client', clientSchema, 'clients');
    this.#kek = kek;
  }

  /** Stores a client that oidc-provider has already validated. */
  async add(metadata: ClientMetadata): Promise<void> {
    const { client_secret: secret, ...rest } = metadata;
    const id = metadata.client_id;
    const sealedSecret = typeof secret === 'string' ? await seal(secret, this.#kek, `client:${id}`) : null;
    try {
      await this.#model.create({ _id: id, metadata: JSON.stringify(rest), sealedSecret, createdAt: new Date() });
    } catch (err) {
      if ((err as { code?: number }).code === 11000) throw new ClientExistsError(`client ${id} already exists`);
      throw err;
    }
    await this.onChanged?.(id);
  }

  async find(id: string): Promise<ClientMetadata | undefined> {
    const cached = this.#cache.get(id);
    if (cached && cached.expires > Date.now()) return { ...cached.metadata };
    const doc = await this.#model.findById(id).lean();
    if (!doc) return undefined;
    const metadata = JSON.parse(doc.metadata) as ClientMetadata;
    if (doc.sealedSecret) metadata.client_secret = await unseal(doc.sealedSecret, this.#kek, `client:${id}`);
    if (this.#cache.size >= CACHE_MAX) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(id, { metadata, expires: Date.now() + CACHE_TTL_MS });
    return { ...metadata };
  }

  /** Forgets a cached client (it changed somewhere). */
  invalidate(id: string): void {
    this.#cache.delete(id);
  }

  /** The read-only adapter oidc-provider uses for its Client model. */
  adapter(): Adapter {
    const unsupported = async (): Promise<never> => {
      throw new Error('clients are registered with `rotor clients add`');
    };
    return {
      find: async (id: string) => (await this.find(id)) as AdapterPayload | undefined,
      upsert: unsupported,
      findByUid: unsupported,
      findByUserCode: unsupported,
      consume: unsupported,
      destroy: unsupported,
      revokeByGrantId: unsupported,
    };
  }
}
