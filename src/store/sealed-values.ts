import type { SealedValue } from '../keys/keyring-coverage.js';
import type { CatalogRepository } from './catalog-repository.js';
import type { ClientStore } from './client-store.js';
import type { SecretRepository } from './secret-repository.js';
import { ROOT_ID } from './root-secret.js';

/**
 * Every value stored sealed under a KEK, still sealed: the root secret, the private parts the
 * newest catalog still holds (retired and revoked keys have none), and client secrets.
 */
export async function sealedValues(secrets: SecretRepository, catalog: CatalogRepository, clients: ClientStore): Promise<SealedValue[]> {
  const [root, current, clientSecrets] = await Promise.all([secrets.sealed(ROOT_ID), catalog.load(), clients.sealedSecrets()]);
  return [
    ...(root === undefined ? [] : [{ kind: 'root secret' as const, name: 'root', sealed: root }]),
    ...(current?.keys ?? []).flatMap((key) => (key.sealedPrivateJwk === null ? [] : [{ kind: 'catalog key' as const, name: `${key.alg} ${key.kid}`, sealed: key.sealedPrivateJwk }])),
    ...clientSecrets.map(({ id, sealed }) => ({ kind: 'client secret' as const, name: id, sealed })),
  ];
}
