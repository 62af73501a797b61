import type { Settings } from '../settings/load-settings.js';
import type { Keyring } from '../keys/seal.js';
import type { Store } from '../store/open-store.js';
import type { Logger } from '../logging/create-logger.js';
import { createAuditTrail, type AuditTrail } from '../audit/audit-trail.js';
import { createAuditLog, type AuditLog } from '../audit/audit-log.js';
import { EmergencyRequests } from '../store/emergency-requests.js';
import { countLiveArtifacts } from '../store/oidc-adapter.js';
import { createKeyOperations, type KeyOperations } from './key-operations.js';
import { createEmergencyWorkflow, type EmergencyWorkflow } from './emergency-workflow.js';
import { generateOnDemand, type KeySource } from './spare-keys.js';

export interface Controls {
  auditLog: AuditLog;
  audit: AuditTrail;
  operations: KeyOperations;
  emergency: EmergencyWorkflow;
}

/** The security team's controls over one store, shared by the admin API and the CLI. */
export function createControls(settings: Settings, store: Store, keyring: Keyring, logger: Logger, now: () => Date, freshKey: KeySource = generateOnDemand(keyring)): Controls {
  const auditLog = createAuditLog(store.audit);
  const audit = createAuditTrail(auditLog, logger, now);
  const operations = createKeyOperations({
    repo: store.catalog, auditLog, audit, policy: settings.keys, keyring, now, freshKey,
    rotationMinInterval: settings.admin.rotationMinInterval,
    countLiveGrants: () => countLiveArtifacts(store.connection, 'Grant', now()),
  });
  const emergency = createEmergencyWorkflow({
    operations, audit, now, requests: new EmergencyRequests(store.connection),
    approvals: settings.admin.emergencyApprovals, approvalWindow: settings.admin.approvalWindow, defaultAlg: settings.keys.algorithms[0]!,
  });
  return { auditLog, audit, operations, emergency };
}
