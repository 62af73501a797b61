import { describe, expect, it } from '@jest/globals';
import { createHmac, randomBytes } from 'node:crypto';
import { BearerValues } from '../../../src/store/bearer-values.js';
import { joinPayload, splitPayload } from '../../../src/store/stored-payload.js';

describe('bearer values', () => {
  const key = randomBytes(32);
  const values = new BearerValues(key);

  it('are stored as their HMAC-SHA256 under the artifact-id key, the same every time', () => {
    expect(values.hash('token-value')).toBe(createHmac('sha256', key).update('token-value').digest('base64url'));
    expect(values.hash('token-value')).toBe(values.hash('token-value'));
    expect(values.hash('token-value')).not.toBe(new BearerValues(randomBytes(32)).hash('token-value'));
  });

  it('sealed, open again only for the record they were sealed for, and not when altered', async () => {
    const sealed = await values.seal({ jti: 'session-id', 'session.cookie': 'cookie' }, 'Session:abc');
    expect(sealed).not.toContain('session-id');
    expect(await values.open(sealed, 'Session:abc')).toEqual({ jti: 'session-id', 'session.cookie': 'cookie' });
    expect(await values.open(sealed, 'Session:abd')).toBeUndefined();
    expect(await new BearerValues(randomBytes(32)).open(sealed, 'Session:abc')).toBeUndefined();
    const parts = sealed.split('.');
    const tag = Buffer.from(parts[4]!, 'base64url');
    tag[tag.length - 1]! ^= 1;
    parts[4] = tag.toString('base64url');
    expect(await values.open(parts.join('.'), 'Session:abc')).toBeUndefined();
    expect(await values.open('', 'Session:abc')).toBeUndefined();
  });

  it('need a key of 32 bytes or more', () => {
    expect(() => new BearerValues(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('a payload split for storage', () => {
  it('loses its own id and, for an interaction, its resume URL, session cookie, device code and pushed request; joined, it is whole again', () => {
    const payload = {
      jti: 'uid-1', kind: 'Interaction', returnTo: 'https://issuer.example/auth/uid-1', params: { client_id: 'spa' },
      session: { accountId: 'sub-1', uid: 'session-uid', cookie: 'session-id' }, deviceCode: 'device-code', parJti: 'par-id', grantId: 'grant-1',
    };
    const original = structuredClone(payload);
    const { clear, bearer } = splitPayload('Interaction', payload);
    expect(clear).toEqual({ kind: 'Interaction', params: { client_id: 'spa' }, session: { accountId: 'sub-1', uid: 'session-uid' }, grantId: 'grant-1' });
    expect(bearer).toEqual({ jti: 'uid-1', returnTo: payload.returnTo, 'session.cookie': 'session-id', deviceCode: 'device-code', parJti: 'par-id' });
    expect(payload).toEqual(original);
    expect(joinPayload(structuredClone(clear), bearer)).toEqual(original);
  });

  it('of a device code loses the user code; of a session, its logout token; of any other kind, its own id only', () => {
    expect(splitPayload('DeviceCode', { jti: 'dc', userCode: 'ABCD-EFGH', clientId: 'tv' })).toEqual({ clear: { clientId: 'tv' }, bearer: { jti: 'dc', userCode: 'ABCD-EFGH' } });
    const session = { jti: 's', uid: 'u', state: { secret: 'xsrf', clientId: 'spa' } };
    expect(splitPayload('Session', session)).toEqual({ clear: { uid: 'u', state: { clientId: 'spa' } }, bearer: { jti: 's', 'state.secret': 'xsrf' } });
    expect(session.state.secret).toBe('xsrf');
    expect(splitPayload('RefreshToken', { jti: 'rt', userCode: 'x', returnTo: 'y', grantId: 'g' })).toEqual({ clear: { userCode: 'x', returnTo: 'y', grantId: 'g' }, bearer: { jti: 'rt' } });
    expect(splitPayload('Interaction', { jti: 'i', session: undefined })).toEqual({ clear: { session: undefined }, bearer: { jti: 'i' } });
  });
});
