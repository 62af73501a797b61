import { randomBytes } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';

/** Who asked: the audit actor and the client a person acted through (`audit/principal.ts`). */
interface Requester {
  actor: string;
  client?: string | undefined;
}

/** An emergency change waiting for a second approver (the two-person rule). */
export interface EmergencyRequest {
  id: string;
  kind: 'rollover' | 'revoke';
  /** What the change was asked with; its owner validates it when it reads it back. */
  params: Record<string, unknown>;
  requestedBy: Requester;
  reason: string;
  createdAt: Date;
  expiresAt: Date;
}

interface RequestDoc {
  _id: string;
  kind: string;
  params: string;
  requestedBy: string;
  requestedThrough?: string | null;
  reason: string;
  createdAt: Date;
  expiresAt: Date;
}

/** What the second person decided; a request is decided once, either way. */
export type Decision = 'approved' | 'rejected';

interface ApprovalDoc {
  _id: string;
  approvedBy: string;
  at: Date;
  /** Absent on approvals recorded before rejections existed. */
  decision?: Decision;
}

const requestSchema = new Schema<RequestDoc>({
  _id: { type: String, required: true },
  kind: { type: String, required: true },
  params: { type: String, required: true },
  requestedBy: { type: String, required: true },
  requestedThrough: { type: String, default: null },
  reason: { type: String, required: true },
  createdAt: { type: Date, required: true },
  expiresAt: { type: Date, required: true },
}, { versionKey: false, strict: 'throw' });

const approvalSchema = new Schema<ApprovalDoc>({
  _id: { type: String, required: true },
  approvedBy: { type: String, required: true },
  at: { type: Date, required: true },
  decision: { type: String, enum: ['approved', 'rejected'], default: 'approved' },
}, { versionKey: false, strict: 'throw' });

function parseParams(text: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(text);
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? { ...parsed } : {};
}

function toRequest(doc: RequestDoc): EmergencyRequest | undefined {
  if (doc.kind !== 'rollover' && doc.kind !== 'revoke') return undefined;
  return { id: doc._id, kind: doc.kind, params: parseParams(doc.params), requestedBy: { actor: doc.requestedBy, client: doc.requestedThrough ?? undefined }, reason: doc.reason, createdAt: doc.createdAt, expiresAt: doc.expiresAt };
}

/**
 * Emergency requests and their approvals. An approval is a unique insert keyed by the request
 * id, so of two approvers racing exactly one carries the request out.
 */
export class EmergencyRequests {
  readonly #requests: Model<RequestDoc>;
  readonly #approvals: Model<ApprovalDoc>;

  constructor(connection: Connection) {
    this.#requests = (connection.models.EmergencyRequest as Model<RequestDoc> | undefined) ?? connection.model<RequestDoc>('EmergencyRequest', requestSchema, 'emergency_requests');
    this.#approvals = (connection.models.EmergencyApproval as Model<ApprovalDoc> | undefined) ?? connection.model<ApprovalDoc>('EmergencyApproval', approvalSchema, 'emergency_approvals');
  }

  async open(request: Omit<EmergencyRequest, 'id' | 'createdAt' | 'expiresAt'>, windowSeconds: number, now = new Date()): Promise<EmergencyRequest> {
    const opened: EmergencyRequest = { ...request, id: randomBytes(12).toString('base64url'), createdAt: now, expiresAt: new Date(now.getTime() + windowSeconds * 1000) };
    await this.#requests.create({ _id: opened.id, kind: opened.kind, params: JSON.stringify(opened.params), requestedBy: opened.requestedBy.actor, requestedThrough: opened.requestedBy.client ?? null, reason: opened.reason, createdAt: opened.createdAt, expiresAt: opened.expiresAt });
    return opened;
  }

  async find(id: string): Promise<EmergencyRequest | undefined> {
    const doc = await this.#requests.findById(id).lean();
    return doc ? toRequest(doc) : undefined;
  }

  /**
   * The requests still waiting for a decision, oldest first. Every request ever made is kept
   * (they are evidence); people make them, a few per incident, so the scan this is stays cheap.
   */
  async listOpen(now = new Date()): Promise<EmergencyRequest[]> {
    const docs = await this.#requests.find({ expiresAt: { $gt: now } }).sort({ createdAt: 1 }).lean();
    if (docs.length === 0) return [];
    const decided = new Set((await this.#approvals.find({ _id: { $in: docs.map((doc) => doc._id) } }, { _id: 1 }).lean()).map((doc) => doc._id));
    return docs.filter((doc) => !decided.has(doc._id)).map(toRequest).filter((request) => request !== undefined);
  }

  /** Records the decision (an approval unless told otherwise); false when the request was already decided by someone. */
  async claim(id: string, approvedBy: string, now = new Date(), decision: Decision = 'approved'): Promise<boolean> {
    try {
      await this.#approvals.create({ _id: id, approvedBy, at: now, decision });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return false;
      throw err;
    }
  }
}
