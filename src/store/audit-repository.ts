import { Schema, type Connection, type Model } from 'mongoose';
import { ChainVerifier, GENESIS, hashEvent, type AuditEvent, type AuditInput, type ChainCheck } from '../audit/chain.js';

interface AuditDoc extends AuditEvent {
  _id: number;
}

const auditSchema = new Schema<AuditDoc>({
  _id: { type: Number, required: true },
  seq: { type: Number, required: true, unique: true },
  at: { type: Date, required: true },
  actor: { type: String, required: true },
  action: { type: String, required: true, index: true },
  target: { type: String },
  reason: { type: String },
  version: { type: Number },
  outcome: { type: String, required: true },
  detail: { type: Schema.Types.Mixed },
  prevHash: { type: String, required: true },
  hash: { type: String, required: true },
}, { versionKey: false, strict: 'throw' });

const MAX_ATTEMPTS = 50;

function toEvent(doc: AuditDoc): AuditEvent {
  const { _id: _ignored, ...event } = doc;
  return event;
}

/**
 * The tamper-evident audit log: one document per event, `_id` = sequence number, each hash
 * chained to the one before. Appending is a unique-`_id` insert, so writers on every instance
 * agree on one order without a transaction; a writer that loses the race rereads and retries.
 */
export class AuditRepository {
  readonly #model: Model<AuditDoc>;

  constructor(connection: Connection) {
    this.#model = (connection.models.AuditEvent as Model<AuditDoc> | undefined) ?? connection.model<AuditDoc>('AuditEvent', auditSchema, 'audit_events');
  }

  async ensureIndexes(): Promise<void> {
    await this.#model.createIndexes();
  }

  async append(input: AuditInput, now = new Date()): Promise<AuditEvent> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const last = await this.#model.findOne({}, { seq: 1, hash: 1 }).sort({ _id: -1 }).lean();
      const base = { ...input, seq: (last?.seq ?? 0) + 1, at: now, prevHash: last?.hash ?? GENESIS };
      const event: AuditEvent = { ...base, hash: hashEvent(base) };
      try {
        await this.#model.create({ _id: event.seq, ...event });
        return event;
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
      }
    }
    throw new Error(`audit append lost the race ${MAX_ATTEMPTS} times in a row`);
  }

  /** The newest events first. */
  async list(limit: number): Promise<AuditEvent[]> {
    return (await this.#model.find({}).sort({ _id: -1 }).limit(limit).lean()).map(toEvent);
  }

  /** The newest successful event of an action on a target, if any. */
  async latest(action: string, target: string): Promise<AuditEvent | undefined> {
    const doc = await this.#model.findOne({ action, target, outcome: 'ok' }).sort({ _id: -1 }).lean();
    return doc ? toEvent(doc) : undefined;
  }

  /** Walks the whole chain in order, streamed, so a long log does not fill memory. */
  async verify(): Promise<ChainCheck> {
    const verifier = new ChainVerifier();
    for await (const doc of this.#model.find({}).sort({ _id: 1 }).lean().cursor()) {
      if (!verifier.add(toEvent(doc as AuditDoc))) break;
    }
    return verifier.result();
  }
}
