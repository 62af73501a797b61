import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { successorRefreshToken } from '../../../src/provider/refresh-token-prefix.js';
import { recognise } from '../../../src/keys/recognisable-token.js';

const KEY = Buffer.alloc(32, 7);

describe('the one successor of a refresh token', () => {
  it('is a recognisable refresh token carrying the HMAC-SHA256 of "successor:" and the predecessor, the same every time', () => {
    const successor = successorRefreshToken(KEY, 'rotor_rt_before');
    const bits = createHmac('sha256', KEY).update('successor:rotor_rt_before').digest();
    expect(Buffer.from(successor.slice('rotor_rt_'.length), 'base64url').subarray(0, 32).equals(bits)).toBe(true);
    expect(successor).toMatch(/^rotor_rt_[A-Za-z0-9_-]{48}$/);
    expect(recognise(successor)).toBe('refresh_token');
    expect(successorRefreshToken(KEY, 'rotor_rt_before')).toBe(successor);
  });

  it('differs for another predecessor and under another key', () => {
    const successor = successorRefreshToken(KEY, 'rotor_rt_before');
    expect(successorRefreshToken(KEY, 'rotor_rt_other')).not.toBe(successor);
    expect(successorRefreshToken(Buffer.alloc(32, 8), 'rotor_rt_before')).not.toBe(successor);
  });
});
