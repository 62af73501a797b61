import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Schema, type Connection, type Model } from 'mongoose';
import type { Adapter, AdapterPayload, ClientMetadata } from 'oidc-provider';
import { reseal, seal, unseal, type Keyring } from '../keys/seal.js';
import { checkClientSecret, generateClientSecret } from './client-secret.js';
import { deleteArtifactsOf } from './artifact-maintenance.js';

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

export class UnknownClientError extends Error {
  readonly code = 'ROTOR_UNKNOWN_CLIENT';
  constructor(id: string) {
    super(`no client ${id}`);
  }
}

/** A public client has no secret to rotate. */
export class PublicClientError extends Error {
  readonly code = 'ROTOR_PUBLIC_CLIENT';
  constructor(id: string) {
    super(`client ${id} is public: it has no secret to rotate`);
  }
}

/** A registration as people may see it: the metadata without the secret. */
export interface ClientView {
  /** The registered metadata; the secret is sealed apart and never in here. */
  metadata: ClientMetadata;
  /** Whether the client has a secret (a confidential client). */
  confidential: boolean;
  createdAt: Date;
}

const toView = (doc: ClientDoc): ClientView => ({
  metadata: JSON.parse(doc.metadata) as ClientMetadata,
  confidential: doc.sealedSecret !== null,
  createdAt: doc.createdAt,
});

/** Whether two registrations say the same, whatever the order of their members. */
function sameMetadata(a: ClientMetadata, b: ClientMetadata): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => JSON.stringify(a[key]) === JSON.stringify(b[key]));
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
  readonly #connection: Connection;
  readonly #keyring: Keyring;
  // Bounded by count through maxSize, not max: max would allocate room for every entry at start.
  readonly #cache = new LRUCache<string, ClientMetadata>({ maxSize: CACHE_MAX, sizeCalculation: () => 1, ttl: CACHE_TTL_MS });

  readonly #onChanged: ((clientId: string) => Promise<void>) | undefined;

  /** `onChanged` is called after a registration changes here, to tell other instances (wired to Redis). */
  constructor(connection: Connection, keyring: Keyring, hooks: { onChanged?: (clientId: string) => Promise<void> } = {}) {
    this.#onChanged = hooks.onChanged;
    this.#model = (connection.models.Client as Model<ClientDoc> | undefined) ?? connection.model<ClientDoc>('Client', clientSchema, 'clients');
    this.#connection = connection;
    this.#keyring = keyring;
  }

  /** Stores a client that oidc-provider has already validated; a secret must pass {@link checkClientSecret}. */
  async add(metadata: ClientMetadata): Promise<void> {
    const { client_secret: secret, ...rest } = metadata;
    const id = metadata.client_id;
    if (typeof secret === 'string') checkClientSecret(secret);
    const sealedSecret = typeof secret === 'string' ? await seal(secret, this.#keyring, `client:${id}`) : null;
    try {
      await this.#model.create({ _id: id, metadata: JSON.stringify(rest), sealedSecret, createdAt: new Date() });
    } catch (err) {
      if ((err as { code?: number }).code === 11000) throw new ClientExistsError(`client ${id} already exists`);
      throw err;
    }
    await this.#onChanged?.(id);
  }

  /**
   * Registers a client Rotor owns itself (its console) or brings its registration up to date;
   * nothing is written when it is current already, so every instance may call this at start.
   * Of two instances inserting it at once, the second's insert fails and is ignored: both hold
   * the same registration.
   */
  async register(metadata: ClientMetadata): Promise<void> {
    const id = metadata.client_id;
    const current = await this.find(id);
    if (current && sameMetadata(current, metadata)) return;
    const { client_secret: secret, ...rest } = metadata;
    if (typeof secret === 'string') checkClientSecret(secret);
    const sealedSecret = typeof secret === 'string' ? await seal(secret, this.#keyring, `client:${id}`) : null;
    try {
      await this.#model.updateOne({ _id: id }, { $set: { metadata: JSON.stringify(rest), sealedSecret }, $setOnInsert: { createdAt: new Date() } }, { upsert: true });
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
    await this.#changed(id);
  }

  async find(id: string): Promise<ClientMetadata | undefined> {
    const cached = this.#cache.get(id);
    if (cached) return { ...cached };
    const doc = await this.#model.findById(id).lean();
    if (!doc) return undefined;
    const metadata = JSON.parse(doc.metadata) as ClientMetadata;
    if (doc.sealedSecret) metadata.client_secret = await unseal(doc.sealedSecret, this.#keyring, `client:${id}`);
    this.#cache.set(id, metadata);
    return { ...metadata };
  }

  /** Every registration, by id, without secrets (nothing is unsealed). */
  async list(): Promise<ClientView[]> {
    return (await this.#model.find({}).sort({ _id: 1 }).lean()).map(toView);
  }

  /** One registration without its secret, or `undefined`. */
  async describe(id: string): Promise<ClientView | undefined> {
    const doc = await this.#model.findById(id).lean();
    return doc ? toView(doc) : undefined;
  }

  /**
   * Removes a registration, then deletes everything issued to the client (grants, refresh
   * tokens, codes, ...); returns how many artifacts went. The registration goes first and is
   * announced at once: from then on no instance authenticates the client, so nothing new is
   * issued to it while its artifacts are being deleted.
   */
  async remove(id: string): Promise<{ artifacts: number }> {
    const { deletedCount } = await this.#model.deleteOne({ _id: id });
    if (deletedCount === 0) throw new UnknownClientError(id);
    await this.#changed(id);
    return { artifacts: await deleteArtifactsOf(this.#connection, { clientId: id }) };
  }

  /**
   * Replaces a confidential client's secret with a generated one and returns it (the only time
   * it is readable). The old secret stops working on every instance as soon as they hear of it.
   */
  async rotateSecret(id: string): Promise<string> {
    const doc = await this.#model.findById(id, { sealedSecret: 1 }).lean();
    if (!doc) throw new UnknownClientError(id);
    if (doc.sealedSecret === null) throw new PublicClientError(id);
    const secret = generateClientSecret();
    const { matchedCount } = await this.#model.updateOne({ _id: id }, { $set: { sealedSecret: await seal(secret, this.#keyring, `client:${id}`) } });
    if (matchedCount === 0) throw new UnknownClientError(id);
    await this.#changed(id);
    return secret;
  }

  /**
   * The client whose secret is `secret`, if any. Every stored secret is opened and compared in
   * constant time: a leak report is rare, and this needs no lookup hash of the secrets kept
   * beside them (one more derivative of each secret at rest) and finds secrets of any age.
   */
  async findBySecret(secret: string): Promise<string | undefined> {
    const wanted = createHash('sha256').update(secret, 'utf8').digest();
    let found: string | undefined;
    for (const { id, sealed } of await this.sealedSecrets()) {
      const stored = createHash('sha256').update(await unseal(sealed, this.#keyring, `client:${id}`), 'utf8').digest();
      if (timingSafeEqual(stored, wanted)) found = id;
    }
    return found;
  }

  /**
   * Disables a confidential client's secret: it is replaced by a random one that nobody is ever
   * shown, so token requests get `invalid_client` on every instance until the secret is rotated.
   */
  async disableSecret(id: string): Promise<void> {
    const { matchedCount } = await this.#model.updateOne({ _id: id, sealedSecret: { $ne: null } }, { $set: { sealedSecret: await seal(randomBytes(32).toString('base64url'), this.#keyring, `client:${id}`) } });
    if (matchedCount === 0) throw new UnknownClientError(id);
    await this.#changed(id);
  }

  /** Every stored client secret, still sealed, by client id (nothing is opened). */
  async sealedSecrets(): Promise<Array<{ id: string; sealed: string }>> {
    const docs = await this.#model.find({ sealedSecret: { $ne: null } }, { sealedSecret: 1 }).lean();
    return docs.map((doc) => ({ id: doc._id, sealed: doc.sealedSecret! }));
  }

  /**
   * Seals every client secret not yet under the first KEK again under it, one client at a
   * time, each replaced only if it is still the value that was read. `skipped` counts secrets
   * rotated meanwhile (the rotation sealed the new one itself); a rerun looks at them again.
   */
  async rewrapSecrets(): Promise<{ rewrapped: number; alreadyCurrent: number; skipped: number }> {
    const counts = { rewrapped: 0, alreadyCurrent: 0, skipped: 0 };
    for (const { id, sealed } of await this.sealedSecrets()) {
      const resealed = await reseal(sealed, this.#keyring, `client:${id}`);
      if (resealed === undefined) counts.alreadyCurrent++;
      else if ((await this.#model.updateOne({ _id: id, sealedSecret: sealed }, { $set: { sealedSecret: resealed } })).matchedCount === 1) counts.rewrapped++;
      else counts.skipped++;
    }
    return counts;
  }

  async #changed(id: string): Promise<void> {
    this.invalidate(id);
    await this.#onChanged?.(id);
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
