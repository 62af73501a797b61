import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { SignJWT } from 'jose';
import { createVerifier, jwksChangedType, SESSION_REVOKED, ssfPollReceiver, type PollReceiver, type SecurityEvent, type Verifier } from '../../../src/verifier/index.js';
import { JwksIssuer, type StubKey } from '../../helpers/jwks-issuer.js';
import { recordingLogger } from '../../helpers/recording-logger.js';

const AUDIENCE = 'poller-client';

interface PollRequest {
  authorization: string | undefined;
  body: { maxEvents?: number; returnImmediately?: boolean; ack?: string[]; setErrs?: Record<string, { err: string }> };
}

/** An RFC 8936 poll endpoint: serves what it holds until acknowledged; `redeliver` serves acked SETs again. */
class PollTransmitter {
  readonly held = new Map<string, string>();
  readonly requests: PollRequest[] = [];
  redeliver = false;
  readonly #acked = new Map<string, string>();
  readonly server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => { text += chunk.toString(); });
    req.on('end', () => {
      const body = JSON.parse(text) as PollRequest['body'];
      this.requests.push({ authorization: req.headers.authorization, body });
      for (const jti of [...(body.ack ?? []), ...Object.keys(body.setErrs ?? {})]) {
        if (this.held.has(jti)) this.#acked.set(jti, this.held.get(jti)!);
        this.held.delete(jti);
      }
      const sets = Object.fromEntries([...this.held, ...(this.redeliver ? this.#acked : [])].slice(0, body.maxEvents ?? 100));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ sets, moreAvailable: false }));
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', () => done()));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}/ssf/poll/stream-1`;
  }
}

describe('the SSF poll receiver', () => {
  let issuer: JwksIssuer;
  let key: StubKey;
  let transmitter: PollTransmitter;
  let endpoint: string;
  let verifier: Verifier;
  let receiver: PollReceiver;
  let events: SecurityEvent[];

  const signSet = (events: Record<string, unknown>, jti: string = randomUUID()): Promise<string> =>
    new SignJWT({ iss: issuer.url, aud: AUDIENCE, iat: Math.floor(Date.now() / 1000), jti, sub_id: { format: 'opaque', id: 'stream-1' }, events })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'secevent+jwt' })
      .sign(key.privateKey);

  beforeAll(async () => {
    issuer = await JwksIssuer.start();
    key = await issuer.addKey('ES256');
    transmitter = new PollTransmitter();
    endpoint = await transmitter.listen();
  });
  afterAll(async () => {
    await issuer.stop();
    await new Promise<void>((done) => transmitter.server.close(() => done()));
  });
  beforeEach(() => {
    events = [];
    transmitter.held.clear();
    transmitter.requests.length = 0;
    transmitter.redeliver = false;
    verifier = createVerifier({ issuer: issuer.url, audience: `${issuer.url}/api`, logger: recordingLogger(), consumer: 'orders-api' });
    receiver = ssfPollReceiver({ issuer: issuer.url, audience: AUDIENCE, endpoint, token: async () => 'poll-token', verifier, onEvent: (event) => void events.push(event) });
  });
  afterEach(async () => {
    await receiver.close();
    await verifier.close();
  });

  it('applies what it polls, acknowledges it on the next request, and applies a redelivered SET only once', async () => {
    const jti = randomUUID();
    transmitter.held.set(jti, await signSet({ [SESSION_REVOKED]: { initiating_entity: 'user' } }, jti));
    expect(await receiver.poll()).toMatchObject({ applied: 1, duplicates: 0, refused: 0 });
    expect(transmitter.requests[0]).toMatchObject({ authorization: 'Bearer poll-token', body: { ack: [], returnImmediately: true } });
    transmitter.redeliver = true;
    expect(await receiver.poll()).toMatchObject({ applied: 0, duplicates: 1 });
    expect(transmitter.requests[1]!.body.ack).toEqual([jti]);
    expect(events.map((event) => event.jti)).toEqual([jti]);
  });

  it('reports a tampered SET in setErrs and applies nothing of it', async () => {
    const token = await issuer.token(key);
    const set = await signSet({ [jwksChangedType(issuer.url)]: { version: 5, kids: [], revoked: [key.kid] } }, 'j1');
    const [head, , sig] = set.split('.');
    const forgedBody = Buffer.from(JSON.stringify({ iss: issuer.url, aud: AUDIENCE, jti: 'j1', events: { [jwksChangedType(issuer.url)]: { version: 6, kids: [], revoked: [key.kid] } } })).toString('base64url');
    transmitter.held.set('j1', `${head}.${forgedBody}.${sig}`);
    expect(await receiver.poll()).toMatchObject({ applied: 0, refused: 1 });
    await receiver.close();
    expect(transmitter.requests.at(-1)!.body).toMatchObject({ maxEvents: 0, ack: [], setErrs: { j1: { err: 'authentication_failed' } } });
    await expect(verifier.verify(token)).resolves.toBeDefined();
  });

  it('drops a kid revoked by a polled key-set event', async () => {
    const token = await issuer.token(key);
    await expect(verifier.verify(token)).resolves.toBeDefined();
    expect(issuer.consumers.at(-1)).toBe('orders-api');
    transmitter.held.set('k1', await signSet({ [jwksChangedType(issuer.url)]: { version: 7, kids: [key.kid], revoked: [key.kid] } }, 'k1'));
    receiver.start();
    for (let waited = 0; events.length === 0 && waited < 5_000; waited += 20) await new Promise((done) => setTimeout(done, 20));
    expect(events).toHaveLength(1);
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'revoked_key' });
  });
});
