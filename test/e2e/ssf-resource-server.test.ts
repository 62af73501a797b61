import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { tokenRequest } from '../helpers/browser.js';
import { ssfCall, ssfToken } from '../helpers/ssf-receiver.js';
import { createVerifier, ssfPushReceiver, type SecurityEvent, type Verifier } from '../../src/verifier/index.js';

const SECRET = 'a-client-secret-of-at-least-32-characters';
const PUSH = 'urn:ietf:rfc:8935';
const CREDENTIAL_COMPROMISE = 'https://schemas.openid.net/secevent/risc/event-type/credential-compromise';
const STREAM_AUTHORIZATION = 'Bearer a-stream-secret-only-rotor-and-the-receiver-know';

/** A resource server built with rotor/verifier: a verifier, and a push receiver applying SETs to it. */
interface ResourceServer {
  verifier: Verifier;
  events: SecurityEvent[];
  url: string;
  port: number;
  listen(port?: number): Promise<void>;
  close(): Promise<void>;
}

async function resourceServer(issuer: string): Promise<ResourceServer> {
  // No /jwks/events: everything this resource server learns of, it learns from SETs.
  const verifier = createVerifier({ issuer, audience: `${issuer}/api`, consumer: 'orders-api', cooldownMs: 0, logger: { warn: () => undefined } });
  const events: SecurityEvent[] = [];
  const receiver = ssfPushReceiver({ issuer, audience: 'orders-api', verifier, authorization: STREAM_AUTHORIZATION, onEvent: (event) => void events.push(event) });
  let server: Server | undefined;
  const rs: ResourceServer = {
    verifier, events, url: '', port: 0,
    async listen(port = 0) {
      server = createServer((req, res) => receiver(req, res));
      await new Promise<void>((done) => server!.listen(port, '127.0.0.1', done));
      rs.port = (server.address() as AddressInfo).port;
      rs.url = `http://127.0.0.1:${rs.port}/ssf`;
    },
    async close() {
      await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
      server?.closeAllConnections();
      server = undefined;
    },
  };
  await rs.listen();
  return rs;
}

/** How long `check` took to come true, polling every 20 ms, up to `ms`. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await sleep(20);
  }
  return Date.now() - started;
}

const refusedWith = async (verifier: Verifier, token: string): Promise<string | undefined> => verifier.verify(token).then(() => undefined, (err: { code?: string }) => err.code);

describe('a resource server built with rotor/verifier hears of revocations over SSF', () => {
  let cluster: Cluster;
  let issuer: string;
  let rs: ResourceServer;

  beforeAll(async () => {
    cluster = await startCluster('ssfrs', 1, { ssf: { allowedReceiverHosts: ['127.0.0.1'], maxAttempts: 30, retryBase: '0.3s', sweepInterval: '1s' } }, [
      ['--client-id', 'orders-api', '--client-secret', SECRET, '--scope', 'ssf:manage', '--introspection'],
      ['--client-id', 'svc', '--client-secret', SECRET, '--scope', 'api:read'],
      ['--client-id', 'security', '--client-secret', SECRET, '--scope', 'admin:keys admin:emergency'],
    ]);
    ({ issuer } = cluster);
    rs = await resourceServer(issuer);
    const { status } = await ssfCall(issuer, await ssfToken(issuer, 'orders-api', SECRET), 'POST', '/ssf/streams', {
      delivery: { method: PUSH, endpoint_url: rs.url, authorization_header: STREAM_AUTHORIZATION },
      events_requested: [`${issuer}/secevent/jwks-changed`, CREDENTIAL_COMPROMISE],
    });
    expect(status).toBe(201);
  }, 90_000);

  afterAll(async () => {
    await rs?.close();
    await cluster?.close();
  });

  const accessToken = async () => (await tokenRequest(issuer, { grant_type: 'client_credentials', scope: 'api:read' }, ['svc', SECRET])).body.access_token as string;
  const adminToken = async () => (await tokenRequest(issuer, { grant_type: 'client_credentials', scope: 'admin:keys admin:emergency' }, ['security', SECRET])).body.access_token as string;
  const reportLeak = async (token: string) => {
    const res = await fetch(`${issuer}/leaks`, {
      method: 'POST', headers: { authorization: `Bearer ${await adminToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ token, type: 'rotor_access_token', url: 'https://github.com/example/repo/blob/main/.env', source: 'content' }]),
    });
    expect(res.status).toBe(200);
  };

  it('a leaked access token is refused by the resource server within a second of the report', async () => {
    const token = await accessToken();
    await expect(rs.verifier.verify(token)).resolves.toMatchObject({ sub: 'svc' });
    await reportLeak(token);
    const took = await within(1000, async () => (await refusedWith(rs.verifier, token)) === 'revoked_token');
    expect(took).toBeLessThanOrEqual(1000);
    expect(rs.events.some((event) => event.type === CREDENTIAL_COMPROMISE)).toBe(true);
  });

  it('a rolled-over key is dropped by the resource server within a second', async () => {
    const token = await accessToken();
    await expect(rs.verifier.verify(token)).resolves.toMatchObject({ sub: 'svc' });
    const res = await fetch(`${issuer}/admin/keys/rollover`, { method: 'POST', headers: { authorization: `Bearer ${await adminToken()}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'ssf resource-server test' }) });
    expect(res.status).toBe(200);
    await within(1000, async () => (await refusedWith(rs.verifier, token)) === 'revoked_key');
    // A token signed by the new key still verifies: the receiver refreshed the key set.
    await expect(rs.verifier.verify(await accessToken())).resolves.toMatchObject({ sub: 'svc' });
  });

  it('what happened while the resource server was down reaches it once it is back', async () => {
    const token = await accessToken();
    await expect(rs.verifier.verify(token)).resolves.toMatchObject({ sub: 'svc' });
    const port = rs.port;
    await rs.close();
    await reportLeak(token);
    await sleep(1500);
    // Down: it still accepts the token, it has not heard.
    await expect(rs.verifier.verify(token)).resolves.toMatchObject({ sub: 'svc' });
    await rs.listen(port);
    await within(15_000, async () => (await refusedWith(rs.verifier, token)) === 'revoked_token');
  }, 30_000);
});
