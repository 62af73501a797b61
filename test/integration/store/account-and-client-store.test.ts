import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';
import { kekFromBytes, SealError } from '../../../src/keys/seal.js';
import { AccountExistsError } from '../../../src/store/account-store.js';
import { ClientExistsError, ClientStore } from '../../../src/store/client-store.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { uniqueMongoUri } from '../../helpers/engines.js';
import { dropDatabase, dumpDatabase } from '../../helpers/database.js';

const uri = uniqueMongoUri('accounts');
let store: Store;

beforeAll(async () => {
  store = await openStore(uri, kekFromBytes(randomBytes(32)));
}, 15_000);

afterAll(async () => {
  await store?.close();
  await dropDatabase(uri);
});

describe('accounts', () => {
  it('a user signs in with the password they were added with', async () => {
    const added = await store.accounts.add('alice', 'alices-password');
    expect(added).toEqual({ sub: expect.stringMatching(/^[0-9a-f-]{36}$/), username: 'alice' });
    await expect(store.accounts.authenticate('alice', 'alices-password')).resolves.toEqual(added);
    await expect(store.accounts.findBySub(added.sub)).resolves.toEqual(added);
  });

  it('a wrong password signs nobody in', async () => {
    await store.accounts.add('bob', 'bobs-password');
    await expect(store.accounts.authenticate('bob', 'alices-password')).resolves.toBeUndefined();
    await expect(store.accounts.authenticate('bob', '')).resolves.toBeUndefined();
  });

  it('an unknown user signs nobody in', async () => {
    await expect(store.accounts.authenticate('mallory', 'anything')).resolves.toBeUndefined();
    await expect(store.accounts.findBySub('no-such-sub')).resolves.toBeUndefined();
  });

  it('a username can be taken only once', async () => {
    await store.accounts.add('carol', 'first');
    await expect(store.accounts.add('carol', 'second')).rejects.toBeInstanceOf(AccountExistsError);
    await expect(store.accounts.authenticate('carol', 'first')).resolves.toMatchObject({ username: 'carol' });
    await expect(store.accounts.authenticate('carol', 'second')).resolves.toBeUndefined();
  });

  it('two users added at once with the same name: exactly one gets it', async () => {
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => store.accounts.add('dave', `pw-${i}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AccountExistsError);
  });

  it('passwords are not stored in plaintext', async () => {
    await store.accounts.add('erin', 'erins-very-own-password');
    const dump = JSON.stringify(await dumpDatabase(uri));
    expect(dump).toContain('erin');
    expect(dump).not.toContain('erins-very-own-password');
  });
});

describe('clients', () => {
  const SECRET = 'svc-secret-0123456789-abcdefghij';
  const confidential: ClientMetadata = {
    client_id: 'svc',
    client_secret: SECRET,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    scope: 'api:read admin:keys',
  };

  it('a confidential client is found again with its secret and metadata', async () => {
    await store.clients.add(confidential);
    await expect(store.clients.find('svc')).resolves.toEqual(confidential);
    await expect(store.adapter('Client').find('svc')).resolves.toEqual(confidential);
  });

  it('the secret is not in the database in plaintext', async () => {
    const raw = await store.connection.db!.collection('clients').findOne({ _id: 'svc' } as object);
    expect(raw).not.toBeNull();
    expect(JSON.stringify(raw)).not.toContain(SECRET);
    expect(JSON.stringify(await dumpDatabase(uri))).not.toContain(SECRET);
  });

  it('a public client has no secret', async () => {
    const spa: ClientMetadata = { client_id: 'spa', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:9/cb'] };
    await store.clients.add(spa);
    const found = await store.clients.find('spa');
    expect(found).toEqual(spa);
    expect(found).not.toHaveProperty('client_secret');
  });

  it('an unknown client is not found', async () => {
    await expect(store.clients.find('nobody')).resolves.toBeUndefined();
    await expect(store.adapter('Client').find('nobody')).resolves.toBeUndefined();
  });

  it('a client id can be registered only once', async () => {
    await expect(store.clients.add({ ...confidential, client_secret: 'another-secret-0123456789' })).rejects.toBeInstanceOf(ClientExistsError);
    await expect(store.clients.find('svc')).resolves.toMatchObject({ client_secret: SECRET });
  });

  it('an instance with another KEK cannot read the secret', async () => {
    const other = new ClientStore(store.connection, kekFromBytes(randomBytes(32)));
    await expect(other.find('svc')).rejects.toBeInstanceOf(SealError);
  });

  it('clients cannot be written through the oidc-provider adapter', async () => {
    await expect(store.adapter('Client').upsert('evil', { client_id: 'evil' }, 0)).rejects.toThrow('rotor clients add');
    await expect(store.clients.find('evil')).resolves.toBeUndefined();
  });
});
