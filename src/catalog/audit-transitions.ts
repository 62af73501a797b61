import type { AuditTrail } from '../audit/audit-trail.js';
import type { Transition } from '../keys/plan.js';

/** Records each transition the reconciler applied as its own audit event. */
export async function auditTransitions(audit: AuditTrail, actor: string, version: number, transitions: Transition[]): Promise<void> {
  for (const transition of transitions) {
    const target = transition.type === 'create' ? transition.alg : transition.kid;
    const detail = transition.type === 'create' ? { state: transition.schedule.state, activatesAt: transition.schedule.activatesAt.toISOString() } : undefined;
    await audit.record({ actor, action: `keys.${transition.type}`, target, version, outcome: 'ok', detail });
  }
}
