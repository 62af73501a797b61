import type { Settings } from '../settings/load-settings.js';
import type { Keyring } from '../keys/seal.js';
import type { Store } from '../store/open-store.js';
import type { Logger } from '../logging/create-logger.js';
import { createAuditTrail, type AuditTrail } from '../audit/audit-trail.js';
import { createAuditLog, type AuditLog } from '../audit/audit-log.js';
import { createAnchorer, type Anchorer } from '../audit/anchorer.js';
import { readAnchors } from '../audit/anchor-file.js';
import type { AuditVerdict } from '../audit/audit-verdict.js';
import { EmergencyRequests } from '../store/emergency-requests.js';
import { countLiveArtifacts } from '../store/artifact-maintenance.js';
import { createKeyOperations, type KeyOperations } from './key-operations.js';
import { createEmergencyWorkflow, type EmergencyWorkflow } from './emergency-workflow.js';
import { generateOnDemand, type KeySource } from './spare-keys.js';

export interface Controls {
  auditLog: AuditLog;
  audit: AuditTrail;
  operations: KeyOperations;
  emergency: EmergencyWorkflow;
  /** Exports the audit chain's head to the JSON log and `audit.anchorFile`. */
  anchorer: Anchorer;
  /**
   * Verifies the audit chain against the newest anchor of `anchorFile` (default
   * `audit.anchorFile`, which may not exist yet; one named here must).
   */
  verifyAudit(anchorFile?: string): Promise<AuditVerdict>;
}

/** The security team's controls over one store, shared by the admin API and the CLI. */
export function createControls(settings: Settings, store: Store, keyring: Keyring, logger: Logger, now: () => Date, freshKey: KeySource = generateOnDemand(keyring)): Controls {
  const auditLog = createAuditLog(store.audit, store.secrets.auditChain);
  const audit = createAuditTrail(auditLog, logger, now);
  const anchorer = createAnchorer({ head: () => auditLog.head(), key: store.secrets.auditAnchors, file: settings.audit.anchorFile, logger, now });
  const operations = createKeyOperations({
    repo: store.catalog, auditLog, audit, policy: settings.keys, keyring, now, freshKey,
    rotationMinInterval: settings.admin.rotationMinInterval,
    countLiveGrants: () => countLiveArtifacts(store.connection, 'Grant', now()),
  });
  const emergency = createEmergencyWorkflow({
    operations, audit, now, requests: new EmergencyRequests(store.connection),
    approvals: settings.admin.emergencyApprovals, approvalWindow: settings.admin.approvalWindow, defaultAlg: settings.keys.algorithms[0]!,
    anchor: (why) => anchorer.anchor(why),
  });
  const verifyAudit = async (anchorFile?: string): Promise<AuditVerdict> => auditLog.verify(await readAnchors(anchorFile ?? settings.audit.anchorFile, store.secrets.auditAnchors, anchorFile !== undefined));
  return { auditLog, audit, operations, emergency, anchorer, verifyAudit };
}
