import { afterAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import mongoose from 'mongoose';
import { reconcile } from '../../../src/catalog/reconcile.js';
import { rewrapCatalogKeys } from '../../../src/catalog/rewrap-keys.js';
import type { Policy } from '../../../src/keys/policy.js';
import { kekFromBytes, keyringOf, sealedUnder, unsealJwk, type Kek, type Keyring } from '../../../src/keys/seal.js';
import { deploymentSecrets } from '../../../src/keys/deployment-secrets.js';
import { KekMissingError } from '../../../src/keys/keyring-coverage.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { rewrapRootSecret, RootSecretError } from '../../../src/store/root-secret.js';
import { uniqueMongoUri } from '../../helpers/engines.js';
import { dropDatabase } from '../../helpers/database.js';

const POLICY: Policy = { algorithms: ['ES256', 'EdDSA'], rotationInterval: 3600, prePublish: 600, overlap: 600 };
const SECRET = (n: number) => `client-secret-${n}-0123456789-abcdefghijklmnop`;
const newKek = (): Kek => kekFromBytes(randomBytes(32));
const ring = (...keks: Kek[]): Keyring => keyringOf(keks);

const databases: string[] = [];
const database = (label: string): string => {
  const uri = uniqueMongoUri(label);
  databases.push(uri);
  return uri;
};

afterAll(async () => {
  for (const uri of databases) await dropDatabase(uri);
});

/** Opens the store as one instance start would, runs `use`, closes it. */
async function withStore<T>(uri: string, keyring: Keyring, use: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(uri, keyring);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** What opening the store refuses with. */
const refusal = (uri: string, keyring: Keyring): Promise<Error> => openStore(uri, keyring).then(async (store) => {
  await store.close();
  throw new Error('the store opened');
}, (err: Error) => err);

/** A deployment as it stands after running under `keyring`: a root, a catalog, two confidential clients and a public one. */
async function deployment(label: string, keyring: Keyring): Promise<string> {
  const uri = database(label);
  await withStore(uri, keyring, async (store) => {
    await reconcile(store.catalog, POLICY, keyring, () => new Date());
    await store.clients.add({ client_id: 'one', client_secret: SECRET(1), redirect_uris: ['https://one.example.com/cb'] });
    await store.clients.add({ client_id: 'two', client_secret: SECRET(2), redirect_uris: ['https://two.example.com/cb'] });
    await store.clients.add({ client_id: 'spa', token_endpoint_auth_method: 'none', redirect_uris: ['https://spa.example.com/cb'] });
  });
  return uri;
}

/** Every sealed value's KEK id, by what it is. */
async function kekIds(store: Store): Promise<{ root: string | undefined; keys: Array<string | undefined>; clients: Array<string | undefined> }> {
  const catalog = await store.catalog.load();
  return {
    root: sealedUnder((await store.secretRepository.sealed('root'))!),
    keys: catalog!.keys.filter((key) => key.sealedPrivateJwk).map((key) => sealedUnder(key.sealedPrivateJwk!)),
    clients: (await store.clients.sealedSecrets()).map(({ sealed }) => sealedUnder(sealed)),
  };
}

describe('the deployment root secret', () => {
  it('is made at the first start and read back, the same, at every later one', async () => {
    const uri = database('rootnew');
    const keyring = ring(newKek());
    const first = await withStore(uri, keyring, async (store) => ({ created: store.rootCreated, secrets: store.secrets }));
    const again = await withStore(uri, keyring, async (store) => ({ created: store.rootCreated, secrets: store.secrets }));
    expect(first.created).toBe('new deployment');
    expect(again.created).toBeUndefined();
    expect(again.secrets.artifactIds.equals(first.secrets.artifactIds)).toBe(true);
    expect(again.secrets.auditChain.equals(first.secrets.auditChain)).toBe(true);
  });

  it('two instances starting at once on a fresh database agree on one root', async () => {
    const uri = database('rootrace');
    const keyring = ring(newKek());
    const stores = await Promise.all([openStore(uri, keyring), openStore(uri, keyring), openStore(uri, keyring)]);
    try {
      expect(stores.filter((store) => store.rootCreated).length).toBe(1);
      for (const store of stores) expect(store.secrets.artifactIds.equals(stores[0]!.secrets.artifactIds)).toBe(true);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('is derived from neither KEK: stored hashes, the audit chain and cookies survive a rotation; the old KEK-derived cookie keys only verify', async () => {
    const [a, b] = [newKek(), newKek()];
    const uri = await deployment('rootsurvives', ring(a));
    const before = await withStore(uri, ring(a), async (store) => store.secrets);
    const after = await withStore(uri, ring(b, a), async (store) => store.secrets);
    expect(after.artifactIds.equals(before.artifactIds)).toBe(true);
    expect(after.auditChain.equals(before.auditChain)).toBe(true);
    expect(after.auditAnchors.equals(before.auditAnchors)).toBe(true);
    expect(after.csrf.equals(before.csrf)).toBe(true);
    // the root's cookie key signs; then the keys Rotor derived from each KEK before it had a root
    expect(after.cookies).toEqual([before.cookies[0], deploymentSecrets(b.key).cookies[0], deploymentSecrets(a.key).cookies[0]]);
    expect(before.artifactIds.equals(deploymentSecrets(a.key).artifactIds)).toBe(false);
  });

  it('missing from a database that had one, it is not minted again: start-up refuses in one line', async () => {
    const a = newKek();
    const uri = await deployment('rootgone', ring(a));
    await withStore(uri, ring(a), (store) => store.connection.db!.collection('secrets').deleteOne({ _id: 'root' as never }));
    const error = await refusal(uri, ring(a));
    expect(error).toBeInstanceOf(RootSecretError);
    expect(error.message).toContain('root secret');
    expect(error.message).toContain('restore it from a backup');
    expect(error.message).not.toMatch(/[\r\n]/);
  });

  it('the whole secrets collection dropped behind the operator\'s back forges nothing: the audit chain made under the old root no longer verifies', async () => {
    const a = newKek();
    const uri = await deployment('rootdropped', ring(a));
    await withStore(uri, ring(a), (store) => createAuditLog(store.audit, store.secrets.auditChain).append({ actor: 'system:test', action: 'test.keyed', outcome: 'ok' }));
    const connection = await mongoose.createConnection(uri).asPromise();
    await connection.db!.dropCollection('secrets');
    await connection.close();
    const verdict = await withStore(uri, ring(a), (store) => createAuditLog(store.audit, store.secrets.auditChain).verify());
    expect(verdict.ok).toBe(false);
    expect(verdict.firstBad?.seq).toBe(1);
  });

  it('the first start over a database from before root secrets makes one, once, and says so', async () => {
    const a = newKek();
    const uri = await deployment('rootupgrade', ring(a));
    // what a database written by the previous version looks like: no `secrets` collection at all
    const connection = await mongoose.createConnection(uri).asPromise();
    await connection.db!.dropCollection('secrets');
    await connection.close();
    const upgraded = await withStore(uri, ring(a), async (store) => ({ created: store.rootCreated, secrets: store.secrets }));
    expect(upgraded.created).toBe('upgrade');
    const next = await withStore(uri, ring(a), async (store) => ({ created: store.rootCreated, secrets: store.secrets }));
    expect(next.created).toBeUndefined();
    expect(next.secrets.artifactIds.equals(upgraded.secrets.artifactIds)).toBe(true);
  });
});

describe('a KEK still needed', () => {
  it('missing from the keyring stops start-up with one line naming what it alone can open', async () => {
    const [a, c] = [newKek(), newKek()];
    const uri = await deployment('kekmissing', ring(a));
    const error = await refusal(uri, ring(c));
    expect(error).toBeInstanceOf(KekMissingError);
    expect(error.message).toMatch(new RegExp(`the root secret, 2 catalog keys \\(ES256 \\S+, EdDSA \\S+\\) and 2 client secrets \\(one, two\\) are sealed under KEK ${a.id}, which is not in KEK/KEK_FILE`));
    expect(error.message).not.toMatch(/[\r\n]/);
  });

  it('is found from the sealed values alone: with it anywhere in the list, the store opens', async () => {
    const [a, b] = [newKek(), newKek()];
    const uri = await deployment('kekpresent', ring(a));
    await expect(withStore(uri, ring(b, a), async (store) => (await store.clients.find('one'))?.client_secret)).resolves.toBe(SECRET(1));
  });
});

describe('rewrap', () => {
  /** Every rewrap step `rotor kek rewrap` takes. */
  async function rewrap(store: Store, keyring: Keyring) {
    const root = await rewrapRootSecret(store.secretRepository, keyring);
    const keys = await rewrapCatalogKeys(store.catalog, keyring);
    const clients = await store.clients.rewrapSecrets();
    return { root, keys, clients };
  }

  it('seals every value again under the first KEK, changes nothing on a rerun, and then the old KEK can go', async () => {
    const [a, b] = [newKek(), newKek()];
    const uri = await deployment('rewrap', ring(a));
    const before = await withStore(uri, ring(a), async (store) => ({ version: (await store.catalog.version())!, secrets: store.secrets }));

    const first = await withStore(uri, ring(b, a), (store) => rewrap(store, ring(b, a)));
    expect(first.root).toBe(true);
    expect(first.keys).toEqual({ rewrapped: 2, alreadyCurrent: 0, version: before.version + 1 });
    expect(first.clients).toEqual({ rewrapped: 2, alreadyCurrent: 0, skipped: 0 });

    const rerun = await withStore(uri, ring(b, a), (store) => rewrap(store, ring(b, a)));
    expect(rerun.root).toBe(false);
    expect(rerun.keys).toEqual({ rewrapped: 0, alreadyCurrent: 2, version: before.version + 1 });
    expect(rerun.clients).toEqual({ rewrapped: 0, alreadyCurrent: 2, skipped: 0 });

    await withStore(uri, ring(b), async (store) => {
      expect(await kekIds(store)).toEqual({ root: b.id, keys: [b.id, b.id], clients: [b.id, b.id] });
      expect((await store.clients.find('two'))?.client_secret).toBe(SECRET(2));
      for (const key of (await store.catalog.load())!.keys) await expect(unsealJwk(key.sealedPrivateJwk!, ring(b), key.kid)).resolves.toMatchObject({ kid: key.kid });
      expect(store.secrets.artifactIds.equals(before.secrets.artifactIds)).toBe(true);
      expect(store.secrets.cookies[0]).toBe(before.secrets.cookies[0]);
    });
  });

  it('cut short, it leaves a mix every instance with both KEKs can open, and a rerun finishes it', async () => {
    const [a, b] = [newKek(), newKek()];
    const uri = await deployment('rewrapresume', ring(a));
    await withStore(uri, ring(b, a), async (store) => {
      await rewrapRootSecret(store.secretRepository, ring(b, a));
      await rewrapCatalogKeys(store.catalog, ring(b, a));
    });
    const error = await refusal(uri, ring(b));
    expect(error.message).toContain(`2 client secrets (one, two) are sealed under KEK ${a.id}`);
    expect(error.message).not.toContain('root secret');

    const rerun = await withStore(uri, ring(b, a), async (store) => {
      expect((await store.clients.find('one'))?.client_secret).toBe(SECRET(1));
      return rewrap(store, ring(b, a));
    });
    expect(rerun.root).toBe(false);
    expect(rerun.keys.rewrapped).toBe(0);
    expect(rerun.clients.rewrapped).toBe(2);
    await expect(withStore(uri, ring(b), kekIds)).resolves.toEqual({ root: b.id, keys: [b.id, b.id], clients: [b.id, b.id] });
  });

  it('a client secret rotated after the KEK change is sealed under the first KEK already, and skipped', async () => {
    const [a, b] = [newKek(), newKek()];
    const uri = await deployment('rewraprotated', ring(a));
    await withStore(uri, ring(b, a), async (store) => {
      const secret = await store.clients.rotateSecret('one');
      expect(await store.clients.rewrapSecrets()).toEqual({ rewrapped: 1, alreadyCurrent: 1, skipped: 0 });
      expect((await store.clients.find('one'))?.client_secret).toBe(secret);
    });
  });
});
