import { Schema, type Connection, type Model } from 'mongoose';
import type { SecurityEvent, SubjectId } from './security-event.js';

interface EventDoc {
  _id: string;
  type: string;
  subId: SubjectId;
  payload: Record<string, unknown>;
  at: Date;
  streamId?: string;
  /** Set once a delivery record exists for every stream the event is for. */
  fannedOut: boolean;
}

const eventSchema = new Schema<EventDoc>({
  _id: { type: String, required: true },
  type: { type: String, required: true },
  subId: { type: Schema.Types.Mixed, required: true },
  payload: { type: Schema.Types.Mixed, required: true },
  at: { type: Date, required: true },
  streamId: { type: String },
  fannedOut: { type: Boolean, required: true },
}, { versionKey: false, strict: 'throw', minimize: false });

const toEvent = (doc: EventDoc): SecurityEvent => ({ id: doc._id, type: doc.type, subId: doc.subId, payload: doc.payload, at: doc.at, ...(doc.streamId ? { streamId: doc.streamId } : {}) });

/**
 * The outbox: every security event, written by the operation that causes it before that
 * operation is acknowledged (collection `ssf_events`). One insert per event; the fan-out to
 * streams comes after, from here, so an event once written is never lost.
 */
export class Outbox {
  readonly #model: Model<EventDoc>;

  constructor(connection: Connection) {
    this.#model = (connection.models.SsfEvent as Model<EventDoc> | undefined) ?? connection.model<EventDoc>('SsfEvent', eventSchema, 'ssf_events');
  }

  /** Writes `event`; an event of the same id already written (a key-set event of one version) is kept as it is. */
  async record(event: SecurityEvent): Promise<void> {
    try {
      await this.#model.create({ _id: event.id, type: event.type, subId: event.subId, payload: event.payload, at: event.at, streamId: event.streamId, fannedOut: false });
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
  }

  async get(id: string): Promise<SecurityEvent | undefined> {
    const doc = await this.#model.findById(id).lean();
    return doc ? toEvent(doc) : undefined;
  }

  async has(id: string): Promise<boolean> {
    return (await this.#model.exists({ _id: id })) !== null;
  }

  /** Events not fanned out yet, oldest first. */
  async notFannedOut(limit = 500): Promise<SecurityEvent[]> {
    const docs = await this.#model.find({ fannedOut: false }).sort({ at: 1, _id: 1 }).limit(limit).lean();
    return docs.map(toEvent);
  }

  /**
   * Forgets events fanned out before `before`, but for `keep` (the key-set events: the sweeper
   * checks the newest catalog version's, and one written again would be delivered again).
   */
  async prune(before: Date, keep: string): Promise<void> {
    await this.#model.deleteMany({ at: { $lt: before }, fannedOut: true, type: { $ne: keep } });
  }

  async markFannedOut(id: string): Promise<void> {
    await this.#model.updateOne({ _id: id }, { $set: { fannedOut: true } });
  }
}
