import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, scryptSync } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';
import { kekFromBytes, keyringOf, SealError } from '../../../src/keys/seal.js';
import { AccountExistsError, UnknownAccountError } from '../../../src/store/account-store.js';
import { ClientExistsError, ClientStore, PublicClientError, UnknownClientError } from '../../../src/store/client-store.js';
import { WeakSecretError } from '../../../src/store/client-secret.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { uniqueMongoUri } from '../../helpers/engines.js';
import { dropDatabase, dumpDatabase } from '../../helpers/database.js';

const uri = uniqueMongoUri('accounts');
let store: Store;
/** What the store announced to other instances, by kind; tests empty them as they need. */
const announced = { clients: [] as string[], accounts: [] as string[] };

beforeAll(async () => {
  store = await openStore(uri, keyringOf([kekFromBytes(randomBytes(32))]), {
    hooks: {
      onClientChanged: async (id) => { announced.clients.push(id); },
      onAccountChanged: async (sub) => { announced.accounts.push(sub); },
    },
  });
}, 15_000);

afterAll(async () => {
  await store?.close();
  await dropDatabase(uri);
});

describe('accounts', () => {
  it('a user signs in with the password they were added with', async () => {
    const added = await store.accounts.add('alice', 'alices-password');
    expect(added).toEqual({ sub: expect.stringMatching(/^[0-9a-f-]{36}$/), username: 'alice', roles: [], disabled: false });
    await expect(store.accounts.authenticate('alice', 'alices-password')).resolves.toEqual(added);
    await expect(store.accounts.findBySub(added.sub)).resolves.toEqual(added);
  });

  it('a hash made with weaker scrypt parameters is replaced at the next successful sign-in, and still verifies', async () => {
    const added = await store.accounts.add('weak', 'weak-password');
    const accounts = store.connection.db!.collection<{ _id: string; passwordHash: string }>('accounts');
    const salt = randomBytes(16);
    const legacy = ['scrypt', 16384, 8, 1, salt.toString('base64url'), scryptSync('weak-password', salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64url')].join('$');
    await accounts.updateOne({ _id: added.sub }, { $set: { passwordHash: legacy } });
    await expect(store.accounts.authenticate('weak', 'wrong-password')).resolves.toBeUndefined();
    expect((await accounts.findOne({ _id: added.sub }))!.passwordHash).toBe(legacy);
    await expect(store.accounts.authenticate('weak', 'weak-password')).resolves.toMatchObject({ username: 'weak' });
    const rehashed = (await accounts.findOne({ _id: added.sub }))!.passwordHash;
    expect(rehashed).toMatch(/^scrypt\$131072\$8\$1\$/);
    await expect(store.accounts.authenticate('weak', 'weak-password')).resolves.toMatchObject({ username: 'weak' });
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
    await expect(store.clients.add({ ...confidential, client_secret: 'another-secret-0123456789-abcdefghijkl' })).rejects.toBeInstanceOf(ClientExistsError);
    await expect(store.clients.find('svc')).resolves.toMatchObject({ client_secret: SECRET });
  });

  it('an instance with another KEK cannot read the secret', async () => {
    const other = new ClientStore(store.connection, keyringOf([kekFromBytes(randomBytes(32))]));
    await expect(other.find('svc')).rejects.toBeInstanceOf(SealError);
  });

  it('clients cannot be written through the oidc-provider adapter', async () => {
    await expect(store.adapter('Client').upsert('evil', { client_id: 'evil' }, 0)).rejects.toThrow('rotor clients add');
    await expect(store.clients.find('evil')).resolves.toBeUndefined();
  });
});

describe('client lifecycle', () => {
  const base: ClientMetadata = { client_id: 'lc', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'api:read' };

  it('a secret shorter than 32 characters is refused and nothing is stored', async () => {
    await expect(store.clients.add({ ...base, client_id: 'weak', client_secret: 'x'.repeat(31) })).rejects.toBeInstanceOf(WeakSecretError);
    await expect(store.clients.find('weak')).resolves.toBeUndefined();
    await expect(store.clients.add({ ...base, client_id: 'strong', client_secret: 'x'.repeat(32) })).resolves.toBeUndefined();
  });

  it('lists and describes registrations without their secrets', async () => {
    const secret = 'lc-secret-0123456789-abcdefghijklmn';
    await store.clients.add({ ...base, client_secret: secret });
    const listed = await store.clients.list();
    expect(listed.map((view) => view.metadata.client_id)).toEqual(expect.arrayContaining(['lc', 'spa', 'svc']));
    await expect(store.clients.describe('lc')).resolves.toMatchObject({ metadata: { client_id: 'lc', scope: 'api:read' }, confidential: true, createdAt: expect.any(Date) });
    await expect(store.clients.describe('spa')).resolves.toMatchObject({ confidential: false });
    await expect(store.clients.describe('nobody')).resolves.toBeUndefined();
    expect(JSON.stringify(listed)).not.toContain(secret);
  });

  it('rotating a secret returns a generated one that replaces the old one, and announces it', async () => {
    announced.clients.length = 0;
    const secret = await store.clients.rotateSecret('lc');
    expect(secret).toMatch(/^rotor_cs_[A-Za-z0-9_-]{48}$/);
    await expect(store.clients.find('lc')).resolves.toMatchObject({ client_secret: secret });
    expect(announced.clients).toEqual(['lc']);
    await expect(store.clients.rotateSecret('spa')).rejects.toBeInstanceOf(PublicClientError);
    await expect(store.clients.rotateSecret('nobody')).rejects.toBeInstanceOf(UnknownClientError);
  });

  it('removing a client deletes its registration and its refresh tokens, not other clients\' ones', async () => {
    const refresh = store.adapter('RefreshToken');
    await refresh.upsert('rt-lc', { jti: 'rt-lc', clientId: 'lc', accountId: 'sub-1' }, 3600);
    await refresh.upsert('rt-svc', { jti: 'rt-svc', clientId: 'svc', accountId: 'sub-1' }, 3600);
    await store.clients.find('lc');
    await expect(store.clients.remove('lc')).resolves.toEqual({ artifacts: 1 });
    await expect(store.clients.find('lc')).resolves.toBeUndefined();
    await expect(refresh.find('rt-lc')).resolves.toBeUndefined();
    await expect(refresh.find('rt-svc')).resolves.toBeDefined();
    await expect(store.clients.remove('lc')).rejects.toBeInstanceOf(UnknownClientError);
  });
});

describe('account lifecycle', () => {
  it('disabling deletes the person\'s grants and sessions at once and refuses their login; enabling restores the login only', async () => {
    const frank = await store.accounts.add('frank', 'franks-password');
    await store.adapter('Grant').upsert('grant-frank', { jti: 'grant-frank', accountId: frank.sub, clientId: 'web' }, 3600);
    await store.adapter('Session').upsert('session-frank', { jti: 'session-frank', accountId: frank.sub }, 3600);
    await store.accounts.findBySub(frank.sub);

    const disabled = await store.accounts.setDisabled('frank', true);
    expect(disabled).toEqual({ account: { ...frank, disabled: true }, artifacts: 2 });
    await expect(store.accounts.findBySub(frank.sub)).resolves.toMatchObject({ disabled: true });
    await expect(store.accounts.authenticate('frank', 'franks-password')).resolves.toBeUndefined();
    await expect(store.adapter('Grant').find('grant-frank')).resolves.toBeUndefined();
    await expect(store.adapter('Session').find('session-frank')).resolves.toBeUndefined();

    await expect(store.accounts.setDisabled('frank', false)).resolves.toEqual({ account: frank, artifacts: 0 });
    await expect(store.accounts.authenticate('frank', 'franks-password')).resolves.toEqual(frank);
  });

  it('roles are granted once and revoked; a new password replaces the old one; each change is announced', async () => {
    announced.accounts.length = 0;
    const grace = await store.accounts.add('grace', 'graces-password');
    await store.accounts.findBySub(grace.sub);
    await expect(store.accounts.grantRole('grace', 'security')).resolves.toMatchObject({ roles: ['security'] });
    await expect(store.accounts.grantRole('grace', 'security')).resolves.toMatchObject({ roles: ['security'] });
    await expect(store.accounts.findBySub(grace.sub)).resolves.toMatchObject({ roles: ['security'] });
    await expect(store.accounts.revokeRole('grace', 'security')).resolves.toMatchObject({ roles: [] });
    await expect(store.accounts.setPassword('grace', 'graces-new-password')).resolves.toMatchObject({ account: { username: 'grace' }, artifacts: 0 });
    await expect(store.accounts.authenticate('grace', 'graces-password')).resolves.toBeUndefined();
    await expect(store.accounts.authenticate('grace', 'graces-new-password')).resolves.toMatchObject({ username: 'grace' });
    expect(announced.accounts).toEqual([grace.sub, grace.sub, grace.sub, grace.sub]);
  });

  it('changes to an unknown user are refused; the list shows every user without password hashes', async () => {
    await expect(store.accounts.setDisabled('nobody', true)).rejects.toBeInstanceOf(UnknownAccountError);
    await expect(store.accounts.grantRole('nobody', 'security')).rejects.toBeInstanceOf(UnknownAccountError);
    const users = await store.accounts.list();
    expect(users.map((user) => user.username)).toEqual(expect.arrayContaining(['alice', 'frank', 'grace']));
    expect(JSON.stringify(users)).not.toMatch(/scrypt|passwordHash/);
  });
});
