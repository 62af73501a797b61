import { AccountExistsError, UnknownAccountError } from '../store/account-store.js';
import { ClientExistsError, PublicClientError, UnknownClientError } from '../store/client-store.js';
import { WeakSecretError } from '../store/client-secret.js';

/** Why a client or user change was refused: stable codes (HTTP maps them in `http/error-table.ts`). */
export type LifecycleErrorCode =
  | 'ROTOR_UNKNOWN_CLIENT'
  | 'ROTOR_UNKNOWN_ACCOUNT'
  | 'ROTOR_CLIENT_EXISTS'
  | 'ROTOR_ACCOUNT_EXISTS'
  | 'ROTOR_PUBLIC_CLIENT'
  | 'ROTOR_WEAK_SECRET'
  | 'ROTOR_RESERVED_CLIENT';

/** A client or user change refused for a reason the caller can act on. */
export class LifecycleError extends Error {
  constructor(message: string, readonly code: LifecycleErrorCode) {
    super(message);
    this.name = 'LifecycleError';
  }
}

/** The store's refusals as {@link LifecycleError}s; `undefined` for anything else (a failure, not a refusal). */
export function asLifecycleError(err: unknown): LifecycleError | undefined {
  if (err instanceof LifecycleError) return err;
  if (err instanceof UnknownClientError || err instanceof UnknownAccountError || err instanceof ClientExistsError
    || err instanceof AccountExistsError || err instanceof PublicClientError || err instanceof WeakSecretError) {
    return new LifecycleError(err.message, err.code);
  }
  return undefined;
}
