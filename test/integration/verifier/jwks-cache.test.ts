import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createVerifier, VerifierError, type Verifier, type VerifierOptions } from '../../../src/verifier/index.js';
import { JwksIssuer, type StubKey } from '../../helpers/jwks-issuer.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { recordingLogger } from '../../helpers/recording-logger.js';

const codeOf = (promise: Promise<unknown>): Promise<string> => promise.then(() => 'ok', (err: VerifierError) => err.code);

describe('the JWKS cache', () => {
  let issuer: JwksIssuer;
  let key: StubKey;
  let logger: ReturnType<typeof recordingLogger>;
  let attempts: number;
  let clock: FakeClock;
  const verifiers: Verifier[] = [];

  /** A verifier whose fetch counts every attempt, including those that never reach the stub. */
  const verifierFor = (options: Partial<VerifierOptions> = {}): Verifier => {
    const verifier = createVerifier({
      issuer: issuer.url,
      audience: `${issuer.url}/api`,
      logger,
      fetch: (input, init) => { attempts++; return fetch(input, init); },
      now: clock.now,
      ...options,
    });
    verifiers.push(verifier);
    return verifier;
  };

  beforeEach(async () => {
    issuer = await JwksIssuer.start();
    key = await issuer.addKey('ES256');
    logger = recordingLogger();
    attempts = 0;
    clock = new FakeClock();
  });

  afterEach(async () => {
    await Promise.all(verifiers.splice(0).map((verifier) => verifier.close()));
    await issuer.stop();
  });

  it('1,000 tokens with random kids cause at most one JWKS fetch per cooldown', async () => {
    const verifier = verifierFor({ cooldownMs: 1000 });
    const forger = await issuer.addKey('ES256', false);
    const flood = await Promise.all(Array.from({ length: 1000 }, () => issuer.token(forger, {}, { kid: randomUUID() })));
    const valid = await issuer.token(key);
    await verifier.verify(valid);
    expect(issuer.jwksRequests).toBe(1);

    const within = await Promise.all(flood.map((token) => codeOf(verifier.verify(token))));
    expect(new Set(within)).toEqual(new Set(['unknown_key']));
    expect(issuer.jwksRequests).toBe(1);

    clock.advance(1100);
    const after = await Promise.all(flood.map((token) => codeOf(verifier.verify(token))));
    expect(new Set(after)).toEqual(new Set(['unknown_key']));
    expect(issuer.jwksRequests).toBe(2);
    await Promise.all(flood.map((token) => codeOf(verifier.verify(token))));
    expect(issuer.jwksRequests).toBe(2);

    for (let i = 0; i < 400; i++) {
      clock.advance(5);
      await codeOf(verifier.verify(flood[i % flood.length]!));
    }
    expect(issuer.jwksRequests).toBeLessThanOrEqual(2 + Math.ceil(2000 / 1000));
    await expect(verifier.verify(valid)).resolves.toBeDefined();
  });

  it('a token from a key the issuer has just started publishing verifies after one refetch', async () => {
    const verifier = verifierFor({ cooldownMs: 0 });
    await verifier.verify(await issuer.token(key));
    const next = await issuer.addKey('EdDSA');
    await expect(verifier.verify(await issuer.token(next))).resolves.toBeDefined();
    expect(issuer.jwksRequests).toBe(2);
  });

  it('concurrent verifications that find the set expired share one request', async () => {
    issuer.maxAge = 1;
    const verifier = verifierFor();
    const token = await issuer.token(key);
    await verifier.verify(token);
    clock.advance(1100);
    issuer.delayMs = 100;
    const results = await Promise.all(Array.from({ length: 200 }, () => codeOf(verifier.verify(token))));
    expect(new Set(results)).toEqual(new Set(['ok']));
    expect(issuer.jwksRequests).toBe(2);
  });

  it('revalidates with the ETag: a 304 keeps the keys and extends their freshness by the new max-age', async () => {
    issuer.maxAge = 1;
    const verifier = verifierFor();
    const token = await issuer.token(key);
    await verifier.verify(token);
    clock.advance(1100);
    await verifier.verify(token);
    expect([issuer.jwksRequests, issuer.notModified]).toEqual([2, 1]);
    for (let i = 0; i < 50; i++) await verifier.verify(token);
    expect(issuer.jwksRequests).toBe(2);

    const next = await issuer.addKey('RS256');
    clock.advance(1100);
    await verifier.verify(await issuer.token(next));
    expect([issuer.jwksRequests, issuer.notModified]).toEqual([3, 1]);
  });

  it('issuer down: cached keys still verify, one warning; past the stale window → issuer_unreachable; back up → verifies again', async () => {
    issuer.maxAge = 1;
    const verifier = verifierFor({ staleWindowMs: 1500, cooldownMs: 300 });
    const token = await issuer.token(key);
    await verifier.verify(token);
    await issuer.down();
    clock.advance(1100);

    for (let i = 0; i < 100; i++) await verifier.verify(token);
    const warnings = logger.warnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/unreachable/);
    expect(warnings[0]!.meta?.staleUntil).toEqual(expect.any(String));
    expect(attempts).toBeLessThanOrEqual(3); // the warm-up, the first failure, at most one retry

    clock.advance(1500);
    const error = (await verifier.verify(token).catch((err: unknown) => err)) as VerifierError;
    expect(error.code).toBe('issuer_unreachable');
    expect(error.retryAfterSec).toBeGreaterThanOrEqual(1);
    expect(attempts).toBeLessThanOrEqual(2 + Math.ceil(2600 / 300));
    expect(logger.warnings()).toHaveLength(1);

    await issuer.up();
    clock.advance(350);
    await expect(verifier.verify(token)).resolves.toBeDefined();
    expect(logger.infos().map((line) => line.msg)).toEqual([expect.stringMatching(/reachable again/)]);
  });

  it('an issuer answering 500 counts as unreachable, and a stale window of 0 fails closed at once', async () => {
    issuer.maxAge = 1;
    const verifier = verifierFor({ staleWindowMs: 0 });
    const token = await issuer.token(key);
    await verifier.verify(token);
    issuer.failWith = 500;
    clock.advance(1100);
    expect(await codeOf(verifier.verify(token))).toBe('issuer_unreachable');
    expect(logger.warnings()[0]!.meta?.error).toMatch(/500/);
  });

  it('a JWKS request that hangs gives up after the timeout', async () => {
    issuer.delayMs = 1_000;
    const verifier = verifierFor({ timeoutMs: 200 });
    const started = Date.now();
    expect(await codeOf(verifier.verify(await issuer.token(key)))).toBe('issuer_unreachable');
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
