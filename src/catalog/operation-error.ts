import type { EmergencyRefusalCode } from '../keys/emergency.js';

/** Why a catalog operation was refused: stable codes callers switch on (HTTP maps them in `http/error-table.ts`). */
export type CatalogErrorCode =
  | EmergencyRefusalCode
  | 'ROTOR_UNKNOWN_ALG'
  | 'ROTOR_NO_CATALOG'
  | 'ROTOR_CAS_CONTENDED'
  | 'ROTOR_ROTATION_TOO_SOON'
  | 'ROTOR_UNKNOWN_REQUEST'
  | 'ROTOR_REQUEST_EXPIRED'
  | 'ROTOR_SAME_APPROVER'
  | 'ROTOR_ALREADY_APPROVED';

/** A catalog operation refused for a reason the caller can act on. */
export class CatalogOperationError extends Error {
  /** Seconds after which the same request may succeed, where that is known. */
  readonly retryAfter: number | undefined;

  constructor(message: string, readonly code: CatalogErrorCode, options: { retryAfter?: number } = {}) {
    super(message);
    this.name = 'CatalogOperationError';
    this.retryAfter = options.retryAfter;
  }
}
