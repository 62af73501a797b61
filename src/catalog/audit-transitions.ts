import type { AuditTrail } from '../audit/audit-trail.js';
import type { Transition } from '../keys/plan.js';

type Detail = Record<string, string> | undefined;

function detailOf(transition: Transition): Detail {
  switch (transition.type) {
    case 'create':
      return { state: transition.schedule.state, activatesAt: transition.schedule.activatesAt.toISOString() };
    case 'reschedule':
      return { activatesAt: transition.activatesAt.toISOString(), retiresAt: transition.retiresAt.toISOString(), removesAt: transition.removesAt.toISOString() };
    case 'delay':
      return { dueAt: transition.dueAt.toISOString(), until: transition.until.toISOString() };
    case 'promote':
    case 'demote':
    case 'retire':
      return transition.reason ? { reason: transition.reason } : undefined;
    default:
      return undefined;
  }
}

/** The audit action of a transition: `keys.<type>`, and `keys.activation.delayed` for a held key. */
const actionOf = (transition: Transition): string => (transition.type === 'delay' ? 'keys.activation.delayed' : `keys.${transition.type}`);

/** Records each transition the reconciler applied as its own audit event. */
export async function auditTransitions(audit: AuditTrail, actor: string, version: number, transitions: Transition[]): Promise<void> {
  for (const transition of transitions) {
    const target = transition.type === 'create' ? transition.alg : transition.kid;
    await audit.record({ actor, action: actionOf(transition), target, version, outcome: 'ok', detail: detailOf(transition) });
  }
}
