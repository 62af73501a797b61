import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Server } from 'node:http';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createResourceServer } from '../../examples/resource-server/app.js';
import { createVerifier, VerifierError, type Verifier } from '../../src/verifier/index.js';
import { tokenRequest } from '../helpers/browser.js';
import { cliJson } from '../helpers/cli.js';
import { dropDatabase } from '../helpers/database.js';
import { newKek, uniqueMongoUri } from '../helpers/engines.js';
import { recordingLogger } from '../helpers/recording-logger.js';
import { freePort, startServer, writeConfig, type RunningServer } from '../helpers/server.js';
import { FAST_POLICY } from '../helpers/fast-policy.js';

const SECRET = 'verifier-secret-0123456789-abcdefgh';
const codeOf = (promise: Promise<unknown>): Promise<string> => promise.then(() => 'ok', (err: VerifierError) => err.code);


describe('resource servers verify Rotor\'s tokens with rotor/verifier', () => {
  const mongodbUri = uniqueMongoUri('verifier');
  const kek = newKek();
  const config = { ...FAST_POLICY, queue: { prefix: `rotor-test-${Date.now()}` } };
  const verifiers: Verifier[] = [];
  let issuer: string;
  let server: RunningServer;

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    server = await startServer({ mongodbUri, kek, config, port, issuer });
    const env = { MONGODB_URI: mongodbUri, KEK: kek, ROTOR_CONFIG: writeConfig(config) };
    await cliJson(['clients', 'add', '--client-id', 'backend', '--client-secret', SECRET, '--scope', 'api:read api:write'], env);
    await cliJson(['clients', 'add', '--client-id', 'security', '--client-secret', SECRET, '--scope', 'admin:keys admin:emergency'], env);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(verifiers.map((verifier) => verifier.close()));
    await server?.stop();
    await dropDatabase(mongodbUri);
  });

  const token = async (clientId: string, scope: string): Promise<string> => {
    const { status, body } = await tokenRequest(server.url, { grant_type: 'client_credentials', scope }, [clientId, SECRET]);
    if (status !== 200) throw new Error(`token for ${clientId}: ${status} ${JSON.stringify(body)}`);
    return body.access_token as string;
  };

  /** A verifier whose JWKS requests are counted. */
  const countingVerifier = (events: boolean) => {
    const counts = { jwks: 0, events: 0 };
    const verifier = createVerifier({
      issuer,
      audience: `${issuer}/api`,
      events,
      logger: recordingLogger(),
      fetch: (input, init) => {
        if (String(input).endsWith('/jwks')) counts.jwks++;
        else counts.events++;
        return fetch(input, init);
      },
    });
    verifiers.push(verifier);
    return { verifier, counts };
  };

  it('tokens verify across planned rotations, with about one JWKS fetch per max-age and none per token', async () => {
    const { verifier, counts } = countingVerifier(false);
    const live: Array<{ token: string; exp: number }> = [];
    const failures: string[] = [];
    const signers = new Set<string>();
    let verified = 0;
    const started = Date.now();
    while (Date.now() - started < 14_000) {
      const issued = await token('backend', 'api:read');
      signers.add(String(decodeProtectedHeader(issued).kid));
      live.push({ token: issued, exp: decodeJwt(issued).exp! });
      const now = Date.now() / 1000;
      live.splice(0, live.length, ...live.filter((entry) => entry.exp - now > 0.3));
      for (const entry of live) {
        await verifier.verify(entry.token).then(() => { verified++; }, (err: VerifierError) => failures.push(`${decodeProtectedHeader(entry.token).kid}: ${err.code} ${err.message}`));
      }
      await sleep(50);
    }
    const seconds = (Date.now() - started) / 1000;
    expect(failures).toEqual([]);
    expect(signers.size).toBeGreaterThanOrEqual(3);
    expect(verified).toBeGreaterThan(500);
    // max-age is 2 s, shortened before each scheduled change (never below the verifier's 1 s floor)
    expect(counts.jwks).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    expect(counts.jwks).toBeGreaterThanOrEqual(Math.floor(seconds / 2) - 1);
    expect(verified / counts.jwks).toBeGreaterThan(50);
  }, 40_000);

  it('the example API answers 401 with a Bearer challenge, 403 without api:read, and 200 with it', async () => {
    const { verifier } = countingVerifier(false);
    const app: Server = createResourceServer(verifier).listen(0, '127.0.0.1');
    await new Promise((r) => app.once('listening', r));
    const base = `http://127.0.0.1:${(app.address() as { port: number }).port}`;
    const get = (path: string, bearer?: string) => fetch(`${base}${path}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
    try {
      const missing = await get('/hello');
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="api"');

      const adminToken = await token('security', 'admin:keys');
      const wrongAudience = await get('/hello', adminToken);
      expect(wrongAudience.status).toBe(401);
      expect(wrongAudience.headers.get('www-authenticate')).toBe('Bearer realm="api", error="invalid_token", error_description="the token is not for this audience"');

      const writer = await token('backend', 'api:write');
      const hello = await get('/hello', writer);
      expect(hello.status).toBe(200);
      expect(await hello.json()).toEqual({ hello: 'backend', scope: 'api:write' });
      const refused = await get('/things', writer);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      expect(refused.headers.get('www-authenticate')).toContain('scope="api:read"');

      const things = await get('/things', await token('backend', 'api:read'));
      expect(things.status).toBe(200);
      expect(((await things.json()) as { things: unknown[] }).things.length).toBeGreaterThan(0);
    } finally {
      await new Promise((r) => app.close(r));
    }
  });

  it('after an emergency rollover, a token of the revoked key is refused with revoked_key within a second', async () => {
    const { verifier, counts } = countingVerifier(true);
    const before = await token('backend', 'api:read');
    await verifier.verify(before);
    while (counts.events === 0) await sleep(10);
    await sleep(200); // the stream delivers the current state on connect

    const admin = await token('security', 'admin:keys admin:emergency');
    const started = Date.now();
    const res = await fetch(`${server.url}/admin/keys/rollover`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      // Name the key: under the fast policy a planned rotation may have moved it to retiring meanwhile.
      body: JSON.stringify({ reason: 'verifier e2e: key leaked', compromisedKid: decodeProtectedHeader(before).kid, promotePending: true }),
    });
    const body = (await res.json()) as { revokedKids: string[]; activeKid: string };
    expect(res.status).toBe(200);
    expect(body.revokedKids).toEqual([decodeProtectedHeader(before).kid]);
    let code = 'ok';
    while (code !== 'revoked_key' && Date.now() - started < 2000) {
      code = await codeOf(verifier.verify(before));
      if (code !== 'revoked_key') await sleep(10);
    }
    expect(code).toBe('revoked_key');
    expect(Date.now() - started).toBeLessThan(1000);

    const after = await token('backend', 'api:read');
    expect(decodeProtectedHeader(after).kid).toBe(body.activeKid);
    await expect(verifier.verify(after)).resolves.toMatchObject({ client_id: 'backend' });
    expect(await codeOf(verifier.verify(before))).toBe('revoked_key');
  });
});
