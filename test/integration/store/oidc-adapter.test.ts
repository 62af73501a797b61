import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Adapter } from 'oidc-provider';
import { kekFromBytes, keyringOf } from '../../../src/keys/seal.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import type { ChainingAdapter } from '../../../src/store/oidc-adapter.js';
import { deleteArtifactsOf, deleteExpiredArtifacts } from '../../../src/store/artifact-maintenance.js';
import { BearerValues } from '../../../src/store/bearer-values.js';
import { uniqueMongoUri } from '../../helpers/engines.js';
import { dropDatabase } from '../../helpers/database.js';

const uri = uniqueMongoUri('adapter');
let store: Store;
/** What a value is stored as. */
let stored: (value: string) => string;

beforeAll(async () => {
  store = await openStore(uri, keyringOf([kekFromBytes(randomBytes(32))]));
  const bearer = new BearerValues(store.secrets.artifactIds);
  stored = (value) => bearer.hash(value);
}, 15_000);

afterAll(async () => {
  await store?.close();
  await dropDatabase(uri);
});

const id = (): string => randomUUID();
const HOUR = 3600;

describe('the oidc-provider storage adapter', () => {
  let grants: Adapter;
  let sessions: Adapter;
  let deviceCodes: Adapter;

  beforeAll(() => {
    grants = store.adapter('Grant');
    sessions = store.adapter('Session');
    deviceCodes = store.adapter('DeviceCode');
  });

  it('a stored artifact is found again exactly as it was written', async () => {
    const grantId = id();
    const payload = { jti: grantId, kind: 'Grant', accountId: 'sub-1', clientId: 'app', exp: 1, openid: { scope: 'openid profile' } };
    await grants.upsert(grantId, payload, HOUR);
    await expect(grants.find(grantId)).resolves.toEqual(payload);
  });

  it('a grant whose resources are keyed by URLs survives the round trip', async () => {
    const grantId = id();
    const payload = { jti: grantId, kind: 'Grant', resources: { 'https://api.example.com': 'a b', 'https://other.example.com/v1.0': 'c' }, rejected: { 'x.y': 1, $weird: 2 } };
    await grants.upsert(grantId, payload, HOUR);
    await expect(grants.find(grantId)).resolves.toEqual(payload);
  });

  it('writing an artifact again replaces it', async () => {
    const grantId = id();
    await grants.upsert(grantId, { jti: grantId, scope: 'a' }, HOUR);
    await grants.upsert(grantId, { jti: grantId, scope: 'b' }, HOUR);
    await expect(grants.find(grantId)).resolves.toEqual({ jti: grantId, scope: 'b' });
  });

  it('a token, which is inserted rather than upserted, is still replaced when written again', async () => {
    const tokens = store.adapter('RefreshToken');
    const tokenId = id();
    await tokens.upsert(tokenId, { jti: tokenId, grantId: 'g-1', scope: 'a' }, HOUR);
    await tokens.upsert(tokenId, { jti: tokenId, scope: 'b' }, 0);
    await expect(tokens.find(tokenId)).resolves.toEqual({ jti: tokenId, scope: 'b' });
    const doc = await store.connection.db!.collection('oidc_refresh_token').findOne({ _id: stored(tokenId) as never });
    expect(doc).not.toHaveProperty('grantId');
    expect(doc).not.toHaveProperty('expiresAt');
  });

  it('an unknown id is not found', async () => {
    await expect(grants.find(id())).resolves.toBeUndefined();
  });

  it('a session is found by its uid, and no longer once it is saved without it', async () => {
    const sessionId = id();
    const uid = id();
    await sessions.upsert(sessionId, { jti: sessionId, uid, accountId: 'sub-1' }, HOUR);
    await expect(sessions.findByUid!(uid)).resolves.toEqual({ jti: sessionId, uid, accountId: 'sub-1' });
    await sessions.upsert(sessionId, { jti: sessionId, accountId: 'sub-1' }, HOUR);
    await expect(sessions.findByUid!(uid)).resolves.toBeUndefined();
    await sessions.upsert(sessionId, { jti: sessionId, uid: `${uid}-2` }, HOUR);
    await expect(sessions.findByUid!(`${uid}-2`)).resolves.toMatchObject({ jti: sessionId });
  });

  it('a device code is found by its user code', async () => {
    const codeId = id();
    const userCode = `WDJB-${randomBytes(2).toString('hex').toUpperCase()}`;
    await deviceCodes.upsert(codeId, { jti: codeId, userCode, clientId: 'tv' }, HOUR);
    await expect(deviceCodes.findByUserCode!(userCode)).resolves.toEqual({ jti: codeId, userCode, clientId: 'tv' });
    await expect(deviceCodes.findByUserCode!('NOPE-NOPE')).resolves.toBeUndefined();
  });

  it('a consumed artifact is still found, marked consumed with the time it was used', async () => {
    const codes = store.adapter('AuthorizationCode');
    const codeId = id();
    await codes.upsert(codeId, { jti: codeId, grantId: 'g' }, 60);
    await expect(codes.find(codeId)).resolves.not.toHaveProperty('consumed');
    const before = Math.floor(Date.now() / 1000);
    await codes.consume(codeId);
    const found = await codes.find(codeId);
    expect(found?.consumed).toEqual(expect.any(Number));
    expect(found!.consumed as number).toBeGreaterThanOrEqual(before);
    expect(found!.consumed as number).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });

  it('a destroyed artifact is gone', async () => {
    const grantId = id();
    await grants.upsert(grantId, { jti: grantId }, HOUR);
    await grants.destroy(grantId);
    await expect(grants.find(grantId)).resolves.toBeUndefined();
  });

  it('revoking a grant deletes every token of that grant and only those, kind by kind', async () => {
    const refresh = store.adapter('RefreshToken');
    const access = store.adapter('AccessToken');
    const [revoked, kept] = [id(), id()];
    const [rt1, rt2, rt3, at1, at2] = [id(), id(), id(), id(), id()];
    await refresh.upsert(rt1, { jti: rt1, grantId: revoked }, HOUR);
    await refresh.upsert(rt2, { jti: rt2, grantId: revoked }, HOUR);
    await refresh.upsert(rt3, { jti: rt3, grantId: kept }, HOUR);
    await access.upsert(at1, { jti: at1, grantId: revoked }, HOUR);
    await access.upsert(at2, { jti: at2, grantId: kept }, HOUR);

    await refresh.revokeByGrantId(revoked);
    await expect(refresh.find(rt1)).resolves.toBeUndefined();
    await expect(refresh.find(rt2)).resolves.toBeUndefined();
    await expect(refresh.find(rt3)).resolves.toMatchObject({ grantId: kept });
    // each kind has its own adapter: oidc-provider calls revokeByGrantId on each of them
    await expect(access.find(at1)).resolves.toMatchObject({ grantId: revoked });

    await access.revokeByGrantId(revoked);
    await expect(access.find(at1)).resolves.toBeUndefined();
    await expect(access.find(at2)).resolves.toMatchObject({ grantId: kept });
  });

  it('an expired artifact is not returned, by id, uid or user code', async () => {
    const codes = store.adapter('DeviceCode');
    const codeId = id();
    const uid = id();
    await codes.upsert(codeId, { jti: codeId, uid, userCode: 'EXPI-RED1' }, 1);
    await expect(codes.find(codeId)).resolves.toBeDefined();
    await sleep(1100);
    await expect(codes.find(codeId)).resolves.toBeUndefined();
    await expect(codes.findByUid!(uid)).resolves.toBeUndefined();
    await expect(codes.findByUserCode!('EXPI-RED1')).resolves.toBeUndefined();
  });
});

describe('the janitor', () => {
  it('deletes expired artifacts of every kind and keeps live ones and ones that never expire', async () => {
    const sessions = store.adapter('Session');
    const refresh = store.adapter('RefreshToken');
    const [shortSession, shortRefresh, longRefresh, forever] = [id(), id(), id(), id()];
    await sessions.upsert(shortSession, { jti: shortSession }, 30);
    await refresh.upsert(shortRefresh, { jti: shortRefresh }, 30);
    await refresh.upsert(longRefresh, { jti: longRefresh }, HOUR);
    await refresh.upsert(forever, { jti: forever }, 0);

    const raw = store.connection.db!.collection('oidc_refresh_token');
    const storedIds = [shortRefresh, longRefresh, forever].map(stored);
    expect(await raw.countDocuments({ _id: { $in: storedIds } } as object)).toBe(3);

    // one minute from now, the 30-second artifacts have expired
    const deleted = await deleteExpiredArtifacts(store.connection, new Date(Date.now() + 60_000));
    expect(deleted).toBeGreaterThanOrEqual(2);
    expect(await raw.countDocuments({ _id: { $in: storedIds } } as object)).toBe(2);
    expect(await store.connection.db!.collection('oidc_session').countDocuments({ _id: stored(shortSession) } as object)).toBe(0);
    await expect(refresh.find(longRefresh)).resolves.toEqual({ jti: longRefresh });
    await expect(refresh.find(forever)).resolves.toEqual({ jti: forever });
  });

  it('has nothing to delete when nothing has expired', async () => {
    const grants = store.adapter('Grant');
    const grantId = id();
    await grants.upsert(grantId, { jti: grantId }, HOUR);
    await deleteExpiredArtifacts(store.connection);
    await expect(deleteExpiredArtifacts(store.connection)).resolves.toBe(0);
    await expect(grants.find(grantId)).resolves.toEqual({ jti: grantId });
  });
});

describe('deleting what belongs to one client or one account', () => {
  const unsecuredJwt = (claims: Record<string, unknown>): string =>
    `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

  it('a client\'s grants, tokens, codes, interactions and pushed requests go; another client\'s stay', async () => {
    const [gone, kept] = [`app-${id()}`, `app-${id()}`];
    const written: Array<[string, string, Record<string, unknown>]> = [
      ['Grant', id(), { clientId: gone, accountId: 'sub-1' }],
      ['RefreshToken', id(), { clientId: gone, accountId: 'sub-1', grantId: 'g1' }],
      ['AccessToken', id(), { clientId: gone, accountId: 'sub-1', grantId: 'g1' }],
      ['AuthorizationCode', id(), { clientId: gone, accountId: 'sub-1', grantId: 'g1' }],
      ['ClientCredentials', id(), { clientId: gone }],
      ['DeviceCode', id(), { clientId: gone, userCode: 'ABCD-EFGH' }],
      ['BackchannelAuthenticationRequest', id(), { clientId: gone, accountId: 'sub-1' }],
      ['Interaction', id(), { params: { client_id: gone }, session: { accountId: 'sub-1' } }],
      ['PushedAuthorizationRequest', id(), { request: unsecuredJwt({ client_id: gone, scope: 'openid' }) }],
    ];
    const survivor = id();
    for (const [kind, jti, payload] of written) await store.adapter(kind).upsert(jti, { jti, ...payload }, HOUR);
    await store.adapter('RefreshToken').upsert(survivor, { jti: survivor, clientId: kept, accountId: 'sub-1' }, HOUR);

    await expect(deleteArtifactsOf(store.connection, { clientId: gone })).resolves.toBe(written.length);
    for (const [kind, jti] of written) await expect(store.adapter(kind).find(jti)).resolves.toBeUndefined();
    await expect(store.adapter('RefreshToken').find(survivor)).resolves.toMatchObject({ clientId: kept });
  });

  it('an account\'s grants, tokens, sessions and interactions go, whichever client they were for', async () => {
    const [gone, kept] = [`sub-${id()}`, `sub-${id()}`];
    const written: Array<[string, string, Record<string, unknown>]> = [
      ['Grant', id(), { clientId: 'web', accountId: gone }],
      ['RefreshToken', id(), { clientId: 'web', accountId: gone, grantId: 'g2' }],
      ['RefreshToken', id(), { clientId: 'mobile', accountId: gone, grantId: 'g3' }],
      ['AuthorizationCode', id(), { clientId: 'web', accountId: gone }],
      ['Session', id(), { accountId: gone, authorizations: { web: { grantId: 'g2' } } }],
      ['Interaction', id(), { params: { client_id: 'web' }, result: { login: { accountId: gone } } }],
    ];
    const survivors: Array<[string, string, Record<string, unknown>]> = [
      ['Session', id(), { accountId: kept }],
      ['ClientCredentials', id(), { clientId: 'web' }],
    ];
    for (const [kind, jti, payload] of [...written, ...survivors]) await store.adapter(kind).upsert(jti, { jti, ...payload }, HOUR);

    await expect(deleteArtifactsOf(store.connection, { accountId: gone })).resolves.toBe(written.length);
    for (const [kind, jti] of written) await expect(store.adapter(kind).find(jti)).resolves.toBeUndefined();
    for (const [kind, jti] of survivors) await expect(store.adapter(kind).find(jti)).resolves.toBeDefined();
  });

  it('artifacts stored before owners were lifted to the top level are found by their payload', async () => {
    const owner = `legacy-${id()}.*`;
    const [legacy, lookalike] = [id(), id()];
    const raw = store.connection.db!.collection('oidc_refresh_token');
    await raw.insertMany([
      { _id: legacy, payload: JSON.stringify({ jti: legacy, clientId: owner, grantId: 'g4' }), grantId: 'g4' },
      { _id: lookalike, payload: JSON.stringify({ jti: lookalike, clientId: 'other', note: owner }) },
    ] as never);

    await expect(deleteArtifactsOf(store.connection, { clientId: owner })).resolves.toBe(1);
    expect(await raw.countDocuments({ _id: { $in: [legacy, lookalike] } } as object)).toBe(1);
    await expect(raw.findOne({ _id: lookalike } as object)).resolves.toMatchObject({ payload: expect.stringContaining('"other"') });
  });

  it('writing an artifact lifts its owners, and writing it again without them unsets them', async () => {
    const tokens = store.adapter('AccessToken');
    const jti = id();
    await tokens.upsert(jti, { jti, clientId: 'web', accountId: 'sub-9' }, HOUR);
    const raw = store.connection.db!.collection('oidc_access_token');
    await expect(raw.findOne({ _id: stored(jti) } as object)).resolves.toMatchObject({ clientId: 'web', accountId: 'sub-9' });
    await tokens.upsert(jti, { jti }, HOUR);
    const after = await raw.findOne({ _id: stored(jti) } as object);
    expect(after).not.toHaveProperty('clientId');
    expect(after).not.toHaveProperty('accountId');
  });
});

describe('bearer values at rest', () => {
  /** Every document of the artifact collections and of the spent records, as text. */
  const everything = async (): Promise<string> => {
    const db = store.connection.db!;
    const texts: string[] = [];
    for (const { name } of await db.listCollections().toArray()) {
      if (name.startsWith('oidc_')) texts.push(JSON.stringify(await db.collection(name).find({}).toArray()));
    }
    return texts.join('\n');
  };

  it('no id, user code, resume URL, session cookie or logout token is stored, and every one is given back', async () => {
    const [sessionId, uid, interactionId, parId, deviceId, refreshId, codeId, xsrf] = [id(), id(), id(), id(), id(), id(), id(), id()];
    const userCode = randomBytes(4).toString('hex').toUpperCase();
    const session = { jti: sessionId, kind: 'Session', uid, accountId: 'sub-1', authorizations: { spa: { sid: id(), grantId: 'g5' } }, state: { secret: xsrf, clientId: 'spa' } };
    const interaction = {
      jti: interactionId, kind: 'Interaction', returnTo: `https://issuer.example/auth/${interactionId}`, params: { client_id: 'spa' },
      session: { accountId: 'sub-1', uid, cookie: sessionId }, parJti: parId, deviceCode: deviceId,
    };
    const device = { jti: deviceId, kind: 'DeviceCode', userCode, clientId: 'tv' };
    const refresh = { jti: refreshId, kind: 'RefreshToken', grantId: 'g5', clientId: 'spa', sessionUid: uid };
    const code = { jti: codeId, kind: 'AuthorizationCode', grantId: 'g5', clientId: 'spa' };
    const written: Array<[string, Record<string, unknown>]> = [['Session', session], ['Interaction', interaction], ['DeviceCode', device], ['RefreshToken', refresh], ['AuthorizationCode', code]];
    for (const [kind, payload] of written) await store.adapter(kind).upsert(payload.jti as string, { ...payload }, HOUR);
    await store.adapter('AuthorizationCode').consume(codeId);

    const text = await everything();
    for (const value of [sessionId, interactionId, parId, deviceId, refreshId, codeId, xsrf, userCode]) expect(text).not.toContain(value);
    expect(text).toContain(uid);
    expect(text).toContain(stored(refreshId));

    await expect(store.adapter('Session').find(sessionId)).resolves.toEqual(session);
    await expect(store.adapter('Session').findByUid!(uid)).resolves.toEqual(session);
    await expect(store.adapter('Interaction').find(interactionId)).resolves.toEqual(interaction);
    await expect(store.adapter('DeviceCode').find(deviceId)).resolves.toEqual(device);
    await expect(store.adapter('DeviceCode').findByUserCode!(userCode)).resolves.toEqual(device);
    await expect(store.adapter('RefreshToken').find(refreshId)).resolves.toEqual(refresh);
    await expect(store.adapter('AuthorizationCode').find(codeId)).resolves.toEqual({ ...code, consumed: expect.any(Number) });
    await expect(store.adapter('AuthorizationCode').consume(codeId)).rejects.toThrow('invalid_grant');
  });

  it('a token found only by its value keeps no copy of it, not even sealed; a session seals its own', async () => {
    const [refreshId, sessionId, uid] = [id(), id(), id()];
    await store.adapter('RefreshToken').upsert(refreshId, { jti: refreshId, grantId: 'g7' }, HOUR);
    await store.adapter('Session').upsert(sessionId, { jti: sessionId, uid, accountId: 'sub-1' }, HOUR);
    const db = store.connection.db!;
    const refreshDoc = await db.collection('oidc_refresh_token').findOne({ _id: stored(refreshId) } as object);
    expect(refreshDoc).toMatchObject({ sealed: 'id', payload: JSON.stringify({ grantId: 'g7' }) });
    const sessionDoc = await db.collection('oidc_session').findOne({ _id: stored(sessionId) } as object);
    expect(String(sessionDoc!.sealed).split('.')).toHaveLength(5);
    await expect(store.adapter('RefreshToken').find(refreshId)).resolves.toEqual({ jti: refreshId, grantId: 'g7' });
    await expect(store.adapter('Session').findByUid!(uid)).resolves.toEqual({ jti: sessionId, uid, accountId: 'sub-1' });
  });

  it('a refresh token is inserted once: a second insert under its value stores nothing and says so', async () => {
    const refresh = store.adapter('RefreshToken') as ChainingAdapter;
    const value = id();
    const before = Date.now();
    await expect(refresh.storedAt(value)).resolves.toBeUndefined();
    await expect(refresh.insert(value, { jti: value, grantId: 'first' }, HOUR)).resolves.toBe(true);
    await expect(refresh.insert(value, { jti: value, grantId: 'second' }, HOUR)).resolves.toBe(false);
    await expect(refresh.find(value)).resolves.toEqual({ jti: value, grantId: 'first' });
    const stored = await refresh.storedAt(value);
    expect(stored!.revoked).toBe(false);
    expect(stored!.at.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(stored!.at.getTime()).toBeLessThanOrEqual(Date.now());
    // Spent by its successor's insert, never by a record of its own.
    await expect(refresh.consume(value)).rejects.toThrow(/successor/);
  });

  it('a refresh token stored before spending by successor still shows the spent record it had', async () => {
    const refresh = store.adapter('RefreshToken');
    const value = id();
    await refresh.upsert(value, { jti: value, grantId: 'legacy' }, HOUR);
    const raw = store.connection.db!.collection('oidc_refresh_token');
    await raw.updateOne({ _id: stored(value) } as object, { $unset: { createdAt: 1 } });
    await expect(refresh.find(value)).resolves.toEqual({ jti: value, grantId: 'legacy' });
    await store.connection.db!.collection('oidc_consumptions').insertOne({ _id: `RefreshToken:${stored(value)}`, at: new Date(), expiresAt: new Date(Date.now() + 60_000) } as never);
    await expect(refresh.find(value)).resolves.toEqual({ jti: value, grantId: 'legacy', consumed: expect.any(Number) });
  });

  it('the sealed values of one document do not open in another: the other is not found', async () => {
    const sessions = store.adapter('Session');
    const [victim, other, uid] = [id(), id(), id()];
    await sessions.upsert(victim, { jti: victim, uid, accountId: 'sub-1' }, HOUR);
    await sessions.upsert(other, { jti: other, accountId: 'sub-2' }, HOUR);
    const raw = store.connection.db!.collection('oidc_session');
    const { sealed } = (await raw.findOne({ _id: stored(other) } as object))!;
    await raw.updateOne({ _id: stored(victim) } as object, { $set: { sealed } });
    await expect(sessions.find(victim)).resolves.toBeUndefined();
    await expect(sessions.findByUid!(uid)).resolves.toBeUndefined();
    await expect(sessions.find(other)).resolves.toMatchObject({ jti: other });
  });

  it('a document from before ids were hashed is not found by its value, and still goes with its grant', async () => {
    const refresh = store.adapter('RefreshToken');
    const [legacy, grantId] = [id(), id()];
    const raw = store.connection.db!.collection('oidc_refresh_token');
    await raw.insertOne({ _id: legacy, payload: JSON.stringify({ jti: legacy, grantId }), grantId } as never);
    await expect(refresh.find(legacy)).resolves.toBeUndefined();
    await refresh.revokeByGrantId(grantId);
    // A revoked refresh token keeps its key until it expires, and nothing else.
    expect(await raw.findOne({ _id: legacy } as object)).toEqual({ _id: legacy, payload: '{}', grantId });
  });

  it('a revoked or destroyed refresh token leaves only its key: never found, still taken, reported revoked', async () => {
    const refresh = store.adapter('RefreshToken') as ChainingAdapter;
    const [revoked, destroyed, grantId] = [id(), id(), id()];
    await refresh.upsert(revoked, { jti: revoked, grantId }, HOUR);
    await refresh.upsert(destroyed, { jti: destroyed, grantId: id() }, HOUR);
    await refresh.revokeByGrantId(grantId);
    await refresh.destroy(destroyed);
    for (const value of [revoked, destroyed]) {
      await expect(refresh.find(value)).resolves.toBeUndefined();
      await expect(refresh.insert(value, { jti: value, grantId }, HOUR)).resolves.toBe(false);
      await expect(refresh.storedAt(value)).resolves.toMatchObject({ revoked: true });
    }
    const raw = await store.connection.db!.collection('oidc_refresh_token').findOne({ _id: stored(revoked) } as object);
    expect(raw).not.toHaveProperty('sealed');
    expect(raw!.payload).toBe('{}');
  });

  it('a payload that names its own id outside the fields Rotor seals is refused, not stored', async () => {
    const grantId = id();
    await expect(store.adapter('Grant').upsert(grantId, { jti: grantId, note: `see ${grantId}` }, HOUR)).rejects.toThrow(/own id/);
    expect(await store.connection.db!.collection('oidc_grant').countDocuments({ _id: stored(grantId) } as object)).toBe(0);
    await expect(store.adapter('Grant').find(grantId)).resolves.toBeUndefined();
  });
});
