import type { EmergencyRequest } from '../store/emergency-requests.js';

/** An emergency request waiting for its second person, as the admin API shows it (`emergencyRequestView`). */
export function describeRequest(request: EmergencyRequest): Record<string, unknown> {
  return {
    requestId: request.id,
    kind: request.kind,
    params: request.params,
    requestedBy: request.requestedBy.actor,
    ...(request.requestedBy.client ? { requestedThrough: request.requestedBy.client } : {}),
    reason: request.reason,
    createdAt: request.createdAt.toISOString(),
    expiresAt: request.expiresAt.toISOString(),
  };
}
