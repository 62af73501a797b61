import { AccountExistsError, UnknownAccountError } from '../store/account-store.js';
import { ClientExistsError, PublicClientError, UnknownClientError } from '../store/client-store.js';
import { WeakSecretError } from '../store/client-secret.js';

/** A client or user change refused for a reason the caller can act on; `status` is its HTTP status. */
export class LifecycleError extends Error {
  constructor(message: string, readonly code: string, readonly status: number) {
    super(message);
    this.name = 'LifecycleError';
  }
}

/** The store's refusals as {@link LifecycleError}s; `undefined` for anything else (a failure, not a refusal). */
export function asLifecycleError(err: unknown): LifecycleError | undefined {
  if (err instanceof LifecycleError) return err;
  if (err instanceof UnknownClientError || err instanceof UnknownAccountError) return new LifecycleError(err.message, err.code, 404);
  if (err instanceof ClientExistsError || err instanceof AccountExistsError || err instanceof PublicClientError) return new LifecycleError(err.message, err.code, 409);
  if (err instanceof WeakSecretError) return new LifecycleError(err.message, err.code, 400);
  return undefined;
}
