import { Schema, type Connection, type Model } from 'mongoose';
import type { DeliveryMethod } from './stream-store.js';

/** `pending` until delivered (push answered 2xx, poll acknowledged); `dead` after the last attempt or a receiver's refusal. */
export type DeliveryState = 'pending' | 'delivered' | 'dead';

/** One event for one stream. Its id is the SET's `jti`: stable across retries and re-enqueues. */
export interface Delivery {
  jti: string;
  eventId: string;
  streamId: string;
  method: DeliveryMethod;
  state: DeliveryState;
  /** Push attempts made so far. */
  attempts: number;
  /** When the next push attempt is due. */
  nextAt: Date;
  lastError?: string;
}

interface DeliveryDoc extends Omit<Delivery, 'jti'> {
  _id: string;
  createdAt: Date;
  deliveredAt?: Date;
}

const deliverySchema = new Schema<DeliveryDoc>({
  _id: { type: String, required: true },
  eventId: { type: String, required: true },
  streamId: { type: String, required: true },
  method: { type: String, required: true },
  state: { type: String, required: true },
  attempts: { type: Number, required: true },
  nextAt: { type: Date, required: true },
  lastError: { type: String },
  createdAt: { type: Date, required: true },
  deliveredAt: { type: Date },
}, { versionKey: false, strict: 'throw' });

/** The SET `jti` of one event for one stream. */
export const jtiOf = (eventId: string, streamId: string): string => `${eventId}.${streamId}`;

const toDelivery = ({ _id, ...rest }: DeliveryDoc): Delivery => ({ jti: _id, eventId: rest.eventId, streamId: rest.streamId, method: rest.method, state: rest.state, attempts: rest.attempts, nextAt: rest.nextAt, ...(rest.lastError ? { lastError: rest.lastError } : {}) });

/** Counts per stream, for the admin view and `/metrics`. */
export interface DeliveryCounts {
  delivered: number;
  pending: number;
  deadLettered: number;
}

/**
 * Deliveries (collection `ssf_deliveries`): MongoDB, not Redis, holds each one's state and
 * attempts, so Redis losing its queues loses no delivery and no count of attempts.
 */
export class DeliveryStore {
  readonly #model: Model<DeliveryDoc>;

  constructor(connection: Connection) {
    this.#model = (connection.models.SsfDelivery as Model<DeliveryDoc> | undefined) ?? connection.model<DeliveryDoc>('SsfDelivery', deliverySchema, 'ssf_deliveries');
  }

  /** Creates the delivery of an event to a stream; one that exists already is left as it is. Returns whether it was new. */
  async open(eventId: string, streamId: string, method: DeliveryMethod, now = new Date()): Promise<boolean> {
    try {
      await this.#model.create({ _id: jtiOf(eventId, streamId), eventId, streamId, method, state: 'pending', attempts: 0, nextAt: now, createdAt: now });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return false;
      throw err;
    }
  }

  async get(jti: string): Promise<Delivery | undefined> {
    const doc = await this.#model.findById(jti).lean();
    return doc ? toDelivery(doc) : undefined;
  }

  /** Pending deliveries, oldest first (by when they were opened: ids of key-set events do not sort by time); of one stream when named. */
  async pending(streamId?: string): Promise<Delivery[]> {
    const docs = await this.#model.find(streamId ? { state: 'pending', streamId } : { state: 'pending' }).sort({ createdAt: 1, _id: 1 }).lean();
    return docs.map(toDelivery);
  }

  async delivered(jti: string, now = new Date()): Promise<void> {
    await this.#model.updateOne({ _id: jti, state: 'pending' }, { $set: { state: 'delivered', deliveredAt: now }, $unset: { lastError: 1 } });
  }

  /** Records a failed attempt: the next one due at `nextAt`, or none (`dead`). */
  async failed(jti: string, attempts: number, error: string, nextAt: Date | undefined): Promise<void> {
    const set = nextAt ? { attempts, lastError: error, nextAt } : { attempts, lastError: error, state: 'dead' };
    await this.#model.updateOne({ _id: jti, state: 'pending' }, { $set: set });
  }

  /** Gives up on a delivery at once (the receiver refused the SET, the stream is gone). */
  async kill(jti: string, error: string): Promise<void> {
    await this.#model.updateOne({ _id: jti, state: 'pending' }, { $set: { state: 'dead', lastError: error } });
  }

  /** Deliveries by stream and state. */
  async counts(): Promise<Map<string, DeliveryCounts>> {
    const rows = await this.#model.aggregate<{ _id: { streamId: string; state: DeliveryState }; n: number }>([
      { $group: { _id: { streamId: '$streamId', state: '$state' }, n: { $sum: 1 } } },
    ]);
    const counts = new Map<string, DeliveryCounts>();
    for (const { _id: { streamId, state }, n } of rows) {
      const entry = counts.get(streamId) ?? { delivered: 0, pending: 0, deadLettered: 0 };
      if (state === 'delivered') entry.delivered += n;
      else if (state === 'pending') entry.pending += n;
      else entry.deadLettered += n;
      counts.set(streamId, entry);
    }
    return counts;
  }

  /** Forgets deliveries done before `delivered`, and dead letters opened before `dead`. */
  async prune(delivered: Date, dead: Date): Promise<void> {
    await this.#model.deleteMany({ state: 'delivered', deliveredAt: { $lt: delivered } });
    await this.#model.deleteMany({ state: 'dead', createdAt: { $lt: dead } });
  }

  /** Drops every delivery of a removed stream. */
  async removeOfStream(streamId: string): Promise<void> {
    await this.#model.deleteMany({ streamId });
  }
}
