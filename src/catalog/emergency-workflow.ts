import { z } from 'zod';
import { ALGORITHMS, type Algorithm } from '../keys/algorithms.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { EmergencyRequest } from '../store/emergency-requests.js';
import type { DryRun, KeyOperations } from './key-operations.js';
import { CatalogOperationError, type CatalogErrorCode } from './operation-error.js';
import { mayBeSameHuman, type Principal } from '../audit/principal.js';

/** What a rollover or revocation is asked with; validated again when a stored request is approved. */
const emergencyParams = z.object({
  alg: z.enum(ALGORITHMS).optional(),
  compromisedKid: z.string().optional(),
  promotePending: z.boolean().optional(),
  kid: z.string().optional(),
});
export type EmergencyParams = z.input<typeof emergencyParams>;

/** What an emergency request came to: carried out, previewed, or waiting for its approval. */
export type EmergencyOutcome =
  | { kind: 'done'; version: number; revokedKids: string[]; activeKid?: string | undefined }
  | { kind: 'dry-run'; dryRun: DryRun }
  | { kind: 'pending'; requestId: string; expiresAt: Date; approvalsNeeded: number };

/** The JSON shape of an outcome (CONTRACT.md, admin API and `--json` alike). */
export function outcomeJson(outcome: EmergencyOutcome): Record<string, unknown> {
  if (outcome.kind === 'dry-run') return { ...outcome.dryRun };
  if (outcome.kind === 'pending') return { status: 'pending', requestId: outcome.requestId, expiresAt: outcome.expiresAt.toISOString(), approvalsNeeded: outcome.approvalsNeeded };
  return { version: outcome.version, ...(outcome.activeKid ? { activeKid: outcome.activeKid } : {}), revokedKids: outcome.revokedKids };
}

/** Where emergency requests wait for their approval; `store/`'s `EmergencyRequests` is one. */
export interface EmergencyRequestStore {
  open(request: Omit<EmergencyRequest, 'id' | 'createdAt' | 'expiresAt'>, windowSeconds: number, now?: Date): Promise<EmergencyRequest>;
  find(id: string): Promise<EmergencyRequest | undefined>;
  /** The requests neither decided nor expired. */
  listOpen(now?: Date): Promise<EmergencyRequest[]>;
  /** Records the decision (approval by default); false when the request was decided already (exactly one decider wins). */
  claim(id: string, approvedBy: string, now?: Date, decision?: 'approved' | 'rejected'): Promise<boolean>;
}

export interface EmergencyWorkflowDeps {
  operations: KeyOperations;
  requests: EmergencyRequestStore;
  audit: AuditTrail;
  approvals: 1 | 2;
  approvalWindow: number;
  defaultAlg: Algorithm;
  /** Exports the audit chain's head outside MongoDB; awaited before an answer is given. */
  anchor(why: string): Promise<unknown>;
  now(): Date;
}

/**
 * Emergency changes (rollover, revoke) for the admin API and the CLI alike: carried out at
 * once, or — under the two-person rule (`admin.emergencyApprovals: 2`) — opened as a request
 * that a second, different person (or client, where no person is involved) approves. Dry runs always answer at once and change nothing.
 * Whatever else comes of a request or an approval (carried out, opened, refused), the audit
 * chain is anchored before the caller hears of it.
 */
export function createEmergencyWorkflow(deps: EmergencyWorkflowDeps) {
  async function carryOut(kind: EmergencyRequest['kind'], params: EmergencyParams, by: Principal, reason: string, dryRun: boolean | undefined, approvedBy?: Principal): Promise<EmergencyOutcome> {
    if (kind === 'rollover') {
      const result = await deps.operations.rollover(by, { alg: params.alg ?? deps.defaultAlg, compromisedKid: params.compromisedKid, promotePending: params.promotePending, reason, dryRun, approvedBy });
      return 'dryRun' in result ? { kind: 'dry-run', dryRun: result } : { kind: 'done', version: result.catalog.version, activeKid: result.activeKid, revokedKids: result.revokedKids };
    }
    const result = await deps.operations.revoke(by, { kid: params.kid!, reason, dryRun, approvedBy });
    return 'dryRun' in result ? { kind: 'dry-run', dryRun: result } : { kind: 'done', version: result.catalog.version, revokedKids: result.revokedKids };
  }

  const workflow = {
    async request(by: Principal, kind: EmergencyRequest['kind'], params: EmergencyParams, reason: string, dryRun?: boolean): Promise<EmergencyOutcome> {
      if (deps.approvals === 1 || dryRun) return carryOut(kind, params, by, reason, dryRun);
      const request = await deps.requests.open({ kind, params: { ...params }, requestedBy: by, reason }, deps.approvalWindow, deps.now());
      await deps.audit.record({ ...by, action: `keys.${kind}.requested`, target: params.kid ?? params.compromisedKid ?? params.alg ?? deps.defaultAlg, reason, outcome: 'pending', detail: { requestId: request.id } });
      return { kind: 'pending', requestId: request.id, expiresAt: request.expiresAt, approvalsNeeded: 1 };
    },

    async approve(by: Principal, id: string, reason: string): Promise<EmergencyOutcome> {
      const request = await deps.requests.find(id);
      const refuse = async (message: string, code: CatalogErrorCode): Promise<never> => {
        await deps.audit.record({ ...by, action: 'keys.emergency.approve', target: id, reason, outcome: 'refused', detail: { code, message } });
        throw new CatalogOperationError(message, code);
      };
      if (!request) return refuse(`no emergency request ${id}`, 'ROTOR_UNKNOWN_REQUEST');
      if (request.expiresAt.getTime() <= deps.now().getTime()) return refuse(`emergency request ${id} expired at ${request.expiresAt.toISOString()}; open a new one`, 'ROTOR_REQUEST_EXPIRED');
      if (mayBeSameHuman(request.requestedBy, by)) {
        return refuse(`the two-person rule needs a different person to approve (requested by ${request.requestedBy.actor}${request.requestedBy.client ? ` through ${request.requestedBy.client}` : ''})`, 'ROTOR_SAME_APPROVER');
      }
      if (!(await deps.requests.claim(id, by.actor, deps.now()))) return refuse(`emergency request ${id} was already approved or rejected`, 'ROTOR_ALREADY_APPROVED');
      return carryOut(request.kind, emergencyParams.parse(request.params), request.requestedBy, `${request.reason} (approved: ${reason})`, false, by);
    },

    /**
     * Turns a waiting request down: nothing changes in the catalog and nobody can approve it
     * afterwards. Anyone allowed to approve may reject, the requester included (withdrawing it).
     */
    async reject(by: Principal, id: string, reason: string): Promise<void> {
      const request = await deps.requests.find(id);
      const refuse = async (message: string, code: CatalogErrorCode): Promise<never> => {
        await deps.audit.record({ ...by, action: 'keys.emergency.reject', target: id, reason, outcome: 'refused', detail: { code, message } });
        throw new CatalogOperationError(message, code);
      };
      if (!request) return refuse(`no emergency request ${id}`, 'ROTOR_UNKNOWN_REQUEST');
      if (request.expiresAt.getTime() <= deps.now().getTime()) return refuse(`emergency request ${id} expired at ${request.expiresAt.toISOString()}`, 'ROTOR_REQUEST_EXPIRED');
      if (!(await deps.requests.claim(id, by.actor, deps.now(), 'rejected'))) return refuse(`emergency request ${id} was already approved or rejected`, 'ROTOR_ALREADY_APPROVED');
      await deps.audit.record({ ...by, action: 'keys.emergency.reject', target: id, reason, outcome: 'ok', detail: { kind: request.kind, requestedBy: request.requestedBy.actor } });
    },
  };

  async function anchored<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      await deps.anchor('emergency');
    }
  }

  return {
    request: (by: Principal, kind: EmergencyRequest['kind'], params: EmergencyParams, reason: string, dryRun?: boolean): Promise<EmergencyOutcome> => (dryRun
      ? workflow.request(by, kind, params, reason, dryRun)
      : anchored(() => workflow.request(by, kind, params, reason))),
    approve: (by: Principal, id: string, reason: string): Promise<EmergencyOutcome> => anchored(() => workflow.approve(by, id, reason)),
    reject: (by: Principal, id: string, reason: string): Promise<void> => anchored(() => workflow.reject(by, id, reason)),
    /** The requests waiting for a second person, oldest first. */
    waiting: (): Promise<EmergencyRequest[]> => deps.requests.listOpen(deps.now()),
  };
}

export type EmergencyWorkflow = ReturnType<typeof createEmergencyWorkflow>;
