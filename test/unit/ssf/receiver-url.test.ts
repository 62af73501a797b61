import { describe, expect, it } from '@jest/globals';
import { checkReceiverUrl } from '../../../src/ssf/receiver-url.js';
import { retryDelayMs } from '../../../src/ssf/backoff.js';
import { deliveredEventTypes, SESSION_REVOKED, CREDENTIAL_COMPROMISE, VERIFICATION } from '../../../src/ssf/event-types.js';

const ISSUER = 'https://auth.example.com';
const dev = { production: false, allowedHosts: ['rs.example.com', '127.0.0.1'] };
const prod = { ...dev, production: true };
const code = (url: string, rules = dev): string | undefined => {
  try {
    checkReceiverUrl(url, rules);
    return undefined;
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe('push endpoints: https to an allowed host; http only to loopback outside production', () => {
  it('accepts https to an allowed host, and http to an allowed loopback address in development', () => {
    expect(code('https://rs.example.com/events')).toBeUndefined();
    expect(code('https://RS.example.com:8443/events')).toBeUndefined();
    expect(code('http://127.0.0.1:9000/events')).toBeUndefined();
  });

  it('refuses http in production, even to loopback', () => {
    expect(code('http://127.0.0.1:9000/events', prod)).toBe('ROTOR_SSF_BAD_ENDPOINT');
    expect(code('https://rs.example.com/events', prod)).toBeUndefined();
  });

  it('refuses http to a host that is not loopback, other schemes, credentials and garbage', () => {
    for (const url of ['http://rs.example.com/events', 'ftp://rs.example.com/x', 'https://u:p@rs.example.com/', 'https://rs.example.com/#x', 'not a url', 'javascript:alert(1)']) {
      expect(code(url)).toBe('ROTOR_SSF_BAD_ENDPOINT');
    }
  });

  it('refuses hosts outside ssf.allowedReceiverHosts, look-alikes included', () => {
    for (const url of ['https://rs.example.com.attacker.net/', 'https://other.example.com/', 'http://localhost:9000/events', 'https://169.254.169.254/']) {
      expect(code(url)).toBe('ROTOR_SSF_HOST_NOT_ALLOWED');
    }
    expect(code('https://rs.example.com/', { production: false, allowedHosts: [] })).toBe('ROTOR_SSF_HOST_NOT_ALLOWED');
  });
});

describe('retries wait exponentially longer, with jitter', () => {
  it('doubles per attempt between half and all of the full wait, capped at an hour', () => {
    expect(retryDelayMs(1, 2, () => 0)).toBe(1000);
    expect(retryDelayMs(1, 2, () => 1)).toBe(2000);
    expect(retryDelayMs(3, 2, () => 1)).toBe(8000);
    expect(retryDelayMs(4, 2, () => 0.5)).toBe(12_000);
    expect(retryDelayMs(40, 2, () => 1)).toBe(3_600_000);
  });
});

describe('entitlement: a stream delivers what it requested, is supported and the receiver may have', () => {
  it('events naming people and clients only to receivers entitled to them', () => {
    const requested = [`${ISSUER}/secevent/jwks-changed`, SESSION_REVOKED, CREDENTIAL_COMPROMISE, VERIFICATION];
    expect(deliveredEventTypes(ISSUER, requested, false)).toEqual([`${ISSUER}/secevent/jwks-changed`, VERIFICATION]);
    expect(deliveredEventTypes(ISSUER, requested, true)).toEqual(requested);
    expect(deliveredEventTypes(ISSUER, ['https://other.example/secevent/jwks-changed'], true)).toEqual([]);
  });
});
