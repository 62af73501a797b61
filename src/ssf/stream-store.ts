import { randomBytes } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';

export type DeliveryMethod = 'push' | 'poll';
export type StreamStatus = 'enabled' | 'paused' | 'disabled';

/** One SSF stream: a receiver client's subscription. */
export interface Stream {
  id: string;
  clientId: string;
  method: DeliveryMethod;
  /** Push: the receiver's URL; poll: undefined (the poll URL is derived from the id). */
  endpointUrl?: string;
  /** Push: sent as the `Authorization` header of each delivery. Never shown back. */
  authorizationHeader?: string;
  eventsRequested: string[];
  eventsDelivered: string[];
  description?: string;
  status: StreamStatus;
  reason?: string;
  createdAt: Date;
}

interface StreamDoc extends Omit<Stream, 'id'> {
  _id: string;
}

const streamSchema = new Schema<StreamDoc>({
  _id: { type: String, required: true },
  clientId: { type: String, required: true },
  method: { type: String, required: true, enum: ['push', 'poll'] },
  endpointUrl: { type: String },
  authorizationHeader: { type: String },
  eventsRequested: { type: [String], required: true },
  eventsDelivered: { type: [String], required: true },
  description: { type: String },
  status: { type: String, required: true, enum: ['enabled', 'paused', 'disabled'] },
  reason: { type: String },
  createdAt: { type: Date, required: true },
}, { versionKey: false, strict: 'throw' });

const toStream = ({ _id, ...rest }: StreamDoc): Stream => ({ id: _id, ...rest });

/**
 * SSF streams (collection `ssf_streams`), few and read whole: every fan-out reads them all.
 * Lookups by id are primary-key reads; a stream of another client is as good as absent.
 */
export class StreamStore {
  readonly #model: Model<StreamDoc>;

  constructor(connection: Connection) {
    this.#model = (connection.models.SsfStream as Model<StreamDoc> | undefined) ?? connection.model<StreamDoc>('SsfStream', streamSchema, 'ssf_streams');
  }

  async create(stream: Omit<Stream, 'id' | 'createdAt' | 'status'>, now = new Date()): Promise<Stream> {
    const doc: StreamDoc = { _id: randomBytes(16).toString('base64url'), ...stream, status: 'enabled', createdAt: now };
    await this.#model.create(doc);
    return toStream(doc);
  }

  async get(id: string): Promise<Stream | undefined> {
    const doc = await this.#model.findById(id).lean();
    return doc ? toStream(doc) : undefined;
  }

  /** The stream, only when `clientId` owns it. */
  async owned(id: string, clientId: string): Promise<Stream | undefined> {
    const stream = await this.get(id);
    return stream?.clientId === clientId ? stream : undefined;
  }

  async all(): Promise<Stream[]> {
    return (await this.#model.find({}).lean()).map(toStream);
  }

  async ofClient(clientId: string): Promise<Stream[]> {
    return (await this.#model.find({ clientId }).lean()).map(toStream);
  }

  /** Replaces the stream's changeable fields (whatever `changes` names; `undefined` unsets). */
  async update(id: string, changes: Partial<Omit<Stream, 'id' | 'clientId' | 'createdAt'>>): Promise<Stream | undefined> {
    const set: Record<string, unknown> = {};
    const unset: Record<string, 1> = {};
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) unset[key] = 1;
      else set[key] = value;
    }
    await this.#model.updateOne({ _id: id }, { ...(Object.keys(set).length ? { $set: set } : {}), ...(Object.keys(unset).length ? { $unset: unset } : {}) });
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    await this.#model.deleteOne({ _id: id });
  }

  /** Removes every stream of a client (the client was removed); returns their ids. */
  async removeOfClient(clientId: string): Promise<string[]> {
    const ids = (await this.ofClient(clientId)).map((stream) => stream.id);
    if (ids.length) await this.#model.deleteMany({ _id: { $in: ids } });
    return ids;
  }
}
