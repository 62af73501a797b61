import type { Algorithm } from '../keys/algorithms.js';
import type { Catalog, KeyRecord, KeyState } from '../keys/catalog.js';
import type { Policy } from '../keys/policy.js';
import type { Keyring } from '../keys/seal.js';
import type { CatalogStore } from '../keys/catalog-store.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { formatDuration } from '../keys/duration.js';
import type { Principal } from '../audit/principal.js';
import { CatalogOperationError } from './operation-error.js';
import { rotateNow } from './rotate.js';
import { revokeKey, rollover } from './emergency.js';
import type { KeySource } from './spare-keys.js';

export interface KeyOperationsDeps {
  repo: CatalogStore;
  auditLog: AuditLog;
  audit: AuditTrail;
  policy: Policy;
  keyring: Keyring;
  /** Where an emergency rollover gets a new key when no published pending key can take over. */
  freshKey: KeySource;
  rotationMinInterval: number;
  countLiveGrants(): Promise<number>;
  now(): Date;
}

/** One key's change of state; `from: null` is a key that does not exist yet. */
export interface StateChange {
  kid: string;
  alg: string;
  from: KeyState | null;
  to: KeyState;
  /** When the key will sign, where the change is about that. */
  activatesAt?: string;
}

export interface DryRun {
  dryRun: true;
  version: number;
  changes: StateChange[];
  liveGrants: number;
}

const change = (key: Pick<KeyRecord, 'kid' | 'alg'> | undefined, from: KeyState | null, to: KeyState, kid?: string): StateChange[] =>
  key || kid ? [{ kid: kid ?? key!.kid, alg: key?.alg ?? '', from, to }] : [];

/** A planned rotation was asked for too soon after the last one. */
export class RotationTooSoon extends CatalogOperationError {
  constructor(alg: string, minInterval: number, retryAfter: number) {
    super(`planned rotations of ${alg} are limited to one per ${formatDuration(minInterval)} (admin.rotationMinInterval); retry in ${retryAfter}s`, 'ROTOR_ROTATION_TOO_SOON', { retryAfter });
  }
}

/**
 * The catalog operations people trigger (admin API and CLI alike): each writes the catalog by
 * compare-and-set (the repository announces each new version, so every instance swaps at
 * once) and records a hash-chained audit event. Refusals are audited too.
 */
/** The approver of a two-person change, as audit detail. */
const approval = (approvedBy: Principal | undefined): Record<string, string> => (approvedBy
  ? { approvedBy: approvedBy.actor, ...(approvedBy.client ? { approvedByClient: approvedBy.client } : {}) }
  : {});

export function createKeyOperations(deps: KeyOperationsDeps) {
  const find = (catalog: Catalog, kid: string | undefined) => catalog.keys.find((key) => key.kid === kid);

  async function refused(by: Principal, action: string, target: string | undefined, reason: string | undefined, err: unknown): Promise<never> {
    if (err instanceof CatalogOperationError) await deps.audit.record({ ...by, action, target, reason, outcome: 'refused', detail: { code: err.code, message: err.message } });
    throw err;
  }

  async function dryRun(catalog: Catalog, changes: StateChange[]): Promise<DryRun> {
    return { dryRun: true, version: catalog.version, changes, liveGrants: await deps.countLiveGrants() };
  }

  return {
    /** Planned rotation: the next key signs as soon as it is safe; rate limited per algorithm. */
    async rotate(by: Principal, { alg, reason, dryRun: dry }: { alg: Algorithm; reason?: string | undefined; dryRun?: boolean | undefined }) {
      const action = 'keys.rotate';
      try {
        const last = await deps.auditLog.latest(action, alg);
        const wait = last ? Math.ceil(deps.rotationMinInterval - (deps.now().getTime() - last.at.getTime()) / 1000) : 0;
        if (wait > 0 && !dry) throw new RotationTooSoon(alg, deps.rotationMinInterval, wait);
        const result = await rotateNow(deps.repo, deps.policy, deps.keyring, alg, { reason, dryRun: dry }, deps.now);
        if (dry) {
          const existing = find(result.catalog, result.key.kid);
          return dryRun(result.catalog, [{ kid: result.key.kid, alg, from: existing ? existing.state : null, to: 'pending', activatesAt: result.key.activatesAt.toISOString() }]);
        }
        await deps.audit.record({ ...by, action, target: alg, reason, version: result.catalog.version, outcome: 'ok', detail: { kid: result.key.kid, activatesAt: result.key.activatesAt.toISOString() } });
        return result;
      } catch (err) {
        return refused(by, action, alg, reason, err);
      }
    },

    /** Emergency rollover: revoke the compromised key, a new key signs at once. */
    async rollover(by: Principal, { alg, compromisedKid, promotePending, reason, dryRun: dry, approvedBy }: { alg: Algorithm; compromisedKid?: string | undefined; promotePending?: boolean | undefined; reason: string; dryRun?: boolean | undefined; approvedBy?: Principal | undefined }) {
      const action = 'keys.rollover';
      try {
        const result = await rollover(deps.repo, deps.policy, deps.freshKey, { alg, compromisedKid, promotePending }, { reason, dryRun: dry }, deps.now);
        const { plan } = result;
        if (dry) {
          const revoke = find(result.catalog, plan.revokeKid)!;
          return dryRun(result.catalog, [
            ...change(revoke, revoke.state, 'revoked'),
            ...plan.alsoRevokeKids.flatMap((kid) => change(find(result.catalog, kid), 'pending', 'revoked')),
            ...(plan.promoteKid ? change(find(result.catalog, plan.promoteKid), 'pending', 'active') : change(undefined, null, 'active', '(new key)')),
            ...change(find(result.catalog, plan.demoteKid), 'active', 'retiring'),
          ]);
        }
        await deps.audit.record({ ...by, action, target: plan.revokeKid, reason, version: result.catalog.version, outcome: 'ok', detail: { activeKid: result.activeKid, revokedKids: result.revokedKids, ...approval(approvedBy) } });
        return result;
      } catch (err) {
        return refused(by, action, compromisedKid ?? alg, reason, err);
      }
    },

    /** Revokes a pending or retiring key. */
    async revoke(by: Principal, { kid, reason, dryRun: dry, approvedBy }: { kid: string; reason: string; dryRun?: boolean | undefined; approvedBy?: Principal | undefined }) {
      const action = 'keys.revoke';
      try {
        const result = await revokeKey(deps.repo, deps.policy, kid, { reason, dryRun: dry }, deps.now);
        if (dry) {
          const key = find(result.catalog, kid)!;
          return dryRun(result.catalog, change(key, key.state, 'revoked'));
        }
        await deps.audit.record({ ...by, action, target: kid, reason, version: result.catalog.version, outcome: 'ok', detail: approvedBy ? approval(approvedBy) : undefined });
        return result;
      } catch (err) {
        return refused(by, action, kid, reason, err);
      }
    },
  };
}

export type KeyOperations = ReturnType<typeof createKeyOperations>;
