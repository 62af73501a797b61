import { Schema, type Connection, type Model } from 'mongoose';

/** One audit event as stored: the chain's fields and the event's own (see `audit/chain.ts`). */
export interface StoredAuditEvent {
  seq: number;
  at: Date;
  actor: string;
  client?: string | undefined;
  action: string;
  target?: string | undefined;
  reason?: string | undefined;
  version?: number | undefined;
  outcome: 'ok' | 'refused' | 'failed' | 'pending';
  detail?: Record<string, string | number | boolean | string[]> | undefined;
  prevHash: string;
  /** How `hash` was made; absent on events written before the chain was keyed. */
  scheme?: 'hmac-sha256' | undefined;
  hash: string;
}

interface AuditDoc extends StoredAuditEvent {
  _id: number;
}

const auditSchema = new Schema<AuditDoc>({
  _id: { type: Number, required: true },
  seq: { type: Number, required: true, unique: true },
  at: { type: Date, required: true },
  actor: { type: String, required: true },
  client: { type: String },
  action: { type: String, required: true, index: true },
  target: { type: String },
  reason: { type: String },
  version: { type: Number },
  outcome: { type: String, required: true },
  detail: { type: Schema.Types.Mixed },
  prevHash: { type: String, required: true },
  scheme: { type: String },
  hash: { type: String, required: true },
}, { versionKey: false, strict: 'throw' });

function toEvent(doc: AuditDoc): StoredAuditEvent {
  const { _id: _ignored, ...event } = doc;
  return event;
}

/**
 * Storage of the audit log: one document per event, `_id` = sequence number. Inserting is a
 * unique-`_id` insert, so writers on every instance agree on one order without a transaction
 * (a unique insert is atomic on FerretDB too, where `$inc` on a counter document loses
 * increments under concurrency). What the events mean, and how they chain, is `audit/`'s business.
 */
export class AuditRepository {
  readonly #model: Model<AuditDoc>;

  constructor(connection: Connection) {
    this.#model = (connection.models.AuditEvent as Model<AuditDoc> | undefined) ?? connection.model<AuditDoc>('AuditEvent', auditSchema, 'audit_events');
  }

  async ensureIndexes(): Promise<void> {
    await this.#model.createIndexes();
  }

  /** The newest event's sequence number and hash; `undefined` for an empty log. */
  async head(): Promise<{ seq: number; hash: string } | undefined> {
    return (await this.#model.findOne({}, { _id: 0, seq: 1, hash: 1 }).sort({ _id: -1 }).lean()) ?? undefined;
  }

  /** Stores an event; false when its sequence number is taken already (another writer won). */
  async insert(event: StoredAuditEvent): Promise<boolean> {
    try {
      await this.#model.create({ _id: event.seq, ...event });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return false;
      throw err;
    }
  }

  /** The newest events first. */
  async list(limit: number): Promise<StoredAuditEvent[]> {
    return (await this.#model.find({}).sort({ _id: -1 }).limit(limit).lean()).map(toEvent);
  }

  /** The newest successful event of an action on a target, if any. */
  async latest(action: string, target: string): Promise<StoredAuditEvent | undefined> {
    const doc = await this.#model.findOne({ action, target, outcome: 'ok' }).sort({ _id: -1 }).lean();
    return doc ? toEvent(doc) : undefined;
  }

  /** Every event in sequence order, streamed, so a long log does not fill memory. */
  async *inOrder(): AsyncIterable<StoredAuditEvent> {
    for await (const doc of this.#model.find({}).sort({ _id: 1 }).lean().cursor()) yield toEvent(doc as AuditDoc);
  }
}
