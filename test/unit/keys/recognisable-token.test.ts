import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mintToken, recognise, TOKEN_PATTERNS } from '../../../src/keys/recognisable-token.js';

describe('recognisable tokens', () => {
  it('mints each kind with its prefix, 256 random bits and a checksum, recognised by form and by the published pattern', () => {
    const rt = mintToken('refresh_token');
    const cs = mintToken('client_secret');
    expect(rt).toMatch(/^rotor_rt_[A-Za-z0-9_-]{48}$/);
    expect(cs).toMatch(/^rotor_cs_[A-Za-z0-9_-]{48}$/);
    expect(Buffer.from(rt.slice(9), 'base64url').length).toBe(36);
    expect(recognise(rt)).toBe('refresh_token');
    expect(recognise(cs)).toBe('client_secret');
    expect(TOKEN_PATTERNS.refresh_token.exec(`token=${rt}&x`)?.[0]).toBe(rt);
    expect(TOKEN_PATTERNS.client_secret.exec(`"${cs}"`)?.[0]).toBe(cs);
    expect(TOKEN_PATTERNS.refresh_token.test(`${rt}A`)).toBe(false);
    expect(mintToken('refresh_token')).not.toBe(rt);
  });

  it('refuses look-alikes: a changed character, a swapped prefix, a token without checksum, junk', () => {
    const rt = mintToken('refresh_token');
    const last = rt.at(-10) === 'A' ? 'B' : 'A';
    expect(recognise(`${rt.slice(0, -10)}${last}${rt.slice(-9)}`)).toBeUndefined();
    expect(recognise(rt.replace('rotor_rt_', 'rotor_cs_'))).toBeUndefined();
    expect(recognise(`rotor_rt_${randomBytes(32).toString('base64url')}`)).toBeUndefined();
    expect(recognise(`rotor_rt_${randomBytes(36).toString('base64url')}`)).toBeUndefined();
    expect(recognise(`${rt} `)).toBeUndefined();
    expect(recognise('')).toBeUndefined();
  });
});
