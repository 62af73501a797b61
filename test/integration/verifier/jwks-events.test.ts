import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { createVerifier, VerifierError, type Verifier, type VerifierOptions } from '../../../src/verifier/index.js';
import { JwksEventStream } from '../../../src/verifier/event-stream.js';
import { parseJwksEvent, type JwksEventData } from '../../../src/verifier/jwks-events.js';
import { JwksIssuer, type StubKey } from '../../helpers/jwks-issuer.js';
import { recordingLogger } from '../../helpers/recording-logger.js';

const codeOf = (promise: Promise<unknown>): Promise<string> => promise.then(() => 'ok', (err: VerifierError) => err.code);

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
  return Date.now() - started;
}

describe('listening to /jwks/events', () => {
  let issuer: JwksIssuer;
  let key: StubKey;
  let logger: ReturnType<typeof recordingLogger>;
  let eventAttempts: number;
  const closers: Array<{ close(): Promise<void> }> = [];

  const verifierFor = (options: Partial<VerifierOptions> = {}): Verifier => {
    const verifier = createVerifier({
      issuer: issuer.url,
      audience: `${issuer.url}/api`,
      events: true,
      cooldownMs: 60_000,
      logger,
      fetch: (input, init) => {
        if (String(input).endsWith('/events')) eventAttempts++;
        return fetch(input, init);
      },
      ...options,
    });
    closers.push(verifier);
    return verifier;
  };

  beforeEach(async () => {
    issuer = await JwksIssuer.start();
    key = await issuer.addKey('ES256');
    logger = recordingLogger();
    eventAttempts = 0;
  });

  afterEach(async () => {
    await Promise.all(closers.splice(0).map((closer) => closer.close()));
    await issuer.stop();
  });

  it('fetches the keys as soon as the stream names them, before any token arrives', async () => {
    verifierFor();
    await until(() => issuer.jwksRequests === 1);
  });

  it('a revoked key is refused at once, and stays refused although a stale JWKS still lists it', async () => {
    const verifier = verifierFor();
    const token = await issuer.token(key);
    await until(() => issuer.listeners === 1);
    await verifier.verify(token);
    const successor = await issuer.addKey('ES256');
    const fetches = issuer.jwksRequests;
    const started = Date.now();
    issuer.emit({ revoked: [key.kid], kids: [successor.kid] });
    await until(async () => (await codeOf(verifier.verify(token))) === 'revoked_key', 1000);
    expect(Date.now() - started).toBeLessThan(500);
    await until(() => issuer.jwksRequests > fetches);
    expect(issuer.published.has(key.kid)).toBe(true);
    expect(await codeOf(verifier.verify(token))).toBe('revoked_key');
    await expect(verifier.verify(await issuer.token(successor))).resolves.toBeDefined();
    expect(logger.warnings().map((line) => line.meta?.kid)).toEqual([key.kid]);
  });

  it('an event naming a kid it lacks makes it fetch at once, whatever the cooldown', async () => {
    const verifier = verifierFor();
    await until(() => issuer.listeners === 1);
    await verifier.verify(await issuer.token(key));
    const before = issuer.jwksRequests;
    const next = await issuer.addKey('RS256');
    issuer.emit();
    await until(() => issuer.jwksRequests === before + 1);
    await expect(verifier.verify(await issuer.token(next))).resolves.toBeDefined();
    issuer.emit();
    await sleep(50);
    expect(issuer.jwksRequests).toBe(before + 1);
  });

  it('a key withdrawn while the stream was down is dropped when it reconnects', async () => {
    const verifier = verifierFor();
    const token = await issuer.token(key);
    await verifier.verify(token);
    await until(() => issuer.listeners === 1);
    const connections = issuer.eventConnections;
    issuer.published.delete(key.kid);
    issuer.version++;
    issuer.dropStreams();
    await until(() => issuer.eventConnections > connections);
    await until(async () => (await codeOf(verifier.verify(token))) === 'unknown_key');
  });

  it('an event from an instance behind the others does not drop newer keys', async () => {
    const verifier = verifierFor({ cooldownMs: 60_000 });
    await until(() => issuer.listeners === 1);
    issuer.emit({ version: 10 });
    const token = await issuer.token(key);
    await verifier.verify(token);
    issuer.emit({ version: 9, kids: [] });
    await sleep(50);
    await expect(verifier.verify(token)).resolves.toBeDefined();
  });

  it('reconnects with growing, jittered delays while the issuer is down, warns once, and says when it is back', async () => {
    verifierFor();
    await until(() => issuer.listeners === 1);
    await issuer.down();
    const before = eventAttempts;
    await sleep(1500);
    const whileDown = eventAttempts - before;
    expect(whileDown).toBeGreaterThanOrEqual(2);
    expect(whileDown).toBeLessThanOrEqual(7); // base 100 ms from `retry:`; without backoff it would be ~15
    expect(logger.warnings().filter((line) => /event stream/.test(line.msg))).toHaveLength(1);
    await issuer.up();
    await until(() => issuer.listeners === 1, 5000);
    await until(() => logger.infos().some((line) => /event stream is reachable again/.test(line.msg)));
  });

  it('close() ends the stream and stops reconnecting', async () => {
    const verifier = verifierFor();
    await until(() => issuer.listeners === 1);
    await verifier.close();
    await until(() => issuer.listeners === 0);
    const connections = issuer.eventConnections;
    await sleep(300);
    expect(issuer.eventConnections).toBe(connections);
  });

  it('a connection silent for longer than the keep-alive interval is dropped and replaced', async () => {
    const seen: JwksEventData[] = [];
    const stream = new JwksEventStream({ eventsUri: `${issuer.url}/jwks/events`, fetch, logger, onEvent: (data) => seen.push(data), idleTimeoutMs: 200 });
    closers.push(stream);
    stream.start();
    await until(() => issuer.eventConnections >= 3, 3000);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(logger.warnings().some((line) => /no data for 200 ms/.test(String(line.meta?.error)))).toBe(true);
  });

  it('keep-alive comments keep a quiet connection open', async () => {
    const stream = new JwksEventStream({ eventsUri: `${issuer.url}/jwks/events`, fetch, logger, onEvent: () => undefined, idleTimeoutMs: 300 });
    closers.push(stream);
    stream.start();
    await until(() => issuer.listeners === 1);
    for (let i = 0; i < 8; i++) {
      issuer.write(': keep-alive\n\n');
      await sleep(100);
    }
    expect(issuer.eventConnections).toBe(1);
  });

  it('malformed events are ignored with a warning', async () => {
    const verifier = verifierFor();
    await until(() => issuer.listeners === 1);
    issuer.write('event: jwks\ndata: {"version":"x"}\n\nevent: jwks\ndata: not json\n\n');
    await until(() => logger.warnings().length === 2);
    await expect(verifier.verify(await issuer.token(key))).resolves.toBeDefined();
    expect(parseJwksEvent('{"version":1,"kids":["a"],"revoked":[]}')).toEqual({ version: 1, kids: ['a'], revoked: [] });
    expect(parseJwksEvent('{"version":1,"kids":[1],"revoked":[]}')).toBeUndefined();
    expect(parseJwksEvent('null')).toBeUndefined();
  });
});
