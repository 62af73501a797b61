import type { ClientMetadata } from 'oidc-provider';
import type { ClientView } from '../store/client-store.js';

/** A registration as the CLI and the admin API show it: never a secret. */
export type ClientDescription = ClientMetadata & { client_secret?: never; public: boolean; createdAt: string };

/** The metadata of a registration, plus `public` and `createdAt` (ISO 8601). */
export function describeClient(view: ClientView): ClientDescription {
  const { client_secret: _never, ...metadata } = view.metadata;
  return { ...metadata, public: !view.confidential, createdAt: view.createdAt.toISOString() };
}
