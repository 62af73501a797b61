import { randomBytes } from 'node:crypto';
import type { AuditEvent } from '../../src/audit/chain.js';
import type { AuditStore } from '../../src/audit/audit-log.js';
import type { EmergencyRequestStore } from '../../src/catalog/emergency-workflow.js';
import type { EmergencyRequest } from '../../src/store/emergency-requests.js';

/** The audit log's store in memory, for unit tests of the operations that write it. */
export class MemoryAuditStore implements AuditStore {
  readonly events: AuditEvent[] = [];

  async head(): Promise<{ seq: number; hash: string } | undefined> {
    const last = this.events.at(-1);
    return last ? { seq: last.seq, hash: last.hash } : undefined;
  }

  async insert(event: AuditEvent): Promise<boolean> {
    if (this.events.some((stored) => stored.seq === event.seq)) return false;
    this.events.push(event);
    return true;
  }

  async list(limit: number): Promise<AuditEvent[]> {
    return this.events.slice(-limit).reverse();
  }

  async latest(action: string, target: string): Promise<AuditEvent | undefined> {
    return this.events.findLast((event) => event.action === action && event.target === target && event.outcome === 'ok');
  }

  async *inOrder(): AsyncIterable<AuditEvent> {
    yield* this.events;
  }
}

/** Emergency requests in memory; an approval is claimed once, as the unique insert does in MongoDB. */
export class MemoryEmergencyRequests implements EmergencyRequestStore {
  readonly #requests = new Map<string, EmergencyRequest>();
  readonly #approved = new Set<string>();

  async open(request: Omit<EmergencyRequest, 'id' | 'createdAt' | 'expiresAt'>, windowSeconds: number, now = new Date()): Promise<EmergencyRequest> {
    const opened = { ...request, id: randomBytes(12).toString('base64url'), createdAt: now, expiresAt: new Date(now.getTime() + windowSeconds * 1000) };
    this.#requests.set(opened.id, opened);
    return opened;
  }

  async find(id: string): Promise<EmergencyRequest | undefined> {
    return this.#requests.get(id);
  }

  async listOpen(now = new Date()): Promise<EmergencyRequest[]> {
    return [...this.#requests.values()].filter((request) => request.expiresAt > now && !this.#approved.has(request.id));
  }

  async claim(id: string): Promise<boolean> {
    if (this.#approved.has(id)) return false;
    this.#approved.add(id);
    return true;
  }
}
