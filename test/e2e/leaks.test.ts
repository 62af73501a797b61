import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { startServer } from '../helpers/server.js';
import { cliJson } from '../helpers/cli.js';
import { authorize, tokenRequest } from '../helpers/browser.js';
import { recordingLogger } from '../helpers/recording-logger.js';
import { createVerifier, VerifierError, type Verifier } from '../../src/verifier/index.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const PASSWORD = 'correct horse battery';
const SECRET = 'a-client-secret-of-at-least-32-characters';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const sha256 = (token: string): string => createHash('sha256').update(token).digest('hex');

describe('POST /leaks: a scanner reports leaked tokens', () => {
  let cluster: Cluster;
  let issuer: string;
  const verifiers: Verifier[] = [];

  beforeAll(async () => {
    cluster = await startCluster('leaks', 2, { leaks: { reporters: { 'key-1': PEM } } }, [
      ['--client-id', 'spa', '--public', '--redirect-uri', REDIRECT, '--scope', 'openid offline_access'],
      ['--client-id', 'backend', '--client-secret', SECRET, '--scope', 'api:read'],
      ['--client-id', 'security', '--client-secret', SECRET, '--scope', 'admin:emergency admin:audit'],
    ]);
    ({ issuer } = cluster);
    await cliJson(['users', 'add', '--username', 'alice', '--password-stdin'], cluster.cliEnv, `${PASSWORD}\n`);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(verifiers.map((verifier) => verifier.close()));
    await cluster?.close();
  });

  const signed = (body: string | Buffer, keyId = 'key-1') => ({
    'content-type': 'application/json',
    'Github-Public-Key-Identifier': keyId,
    'Github-Public-Key-Signature': sign('sha256', Buffer.from(body), { key: privateKey, dsaEncoding: 'der' }).toString('base64'),
  });
  const report = (tokens: Array<{ token: string; type?: string }>) => JSON.stringify(tokens.map(({ token, type = 'rotor_token' }) => ({ token, type, url: 'https://github.com/acme/app/blob/abc/.env', source: 'content' })));
  const post = (body: string | Buffer, headers: Record<string, string>, url = `${issuer}/leaks`) => fetch(url, { method: 'POST', headers, body });

  const refreshToken = async (): Promise<string> => {
    const { code, verifier } = await authorize({ issuer, clientId: 'spa', redirectUri: REDIRECT, scope: 'openid offline_access', username: 'alice', password: PASSWORD });
    const { status, body } = await tokenRequest(issuer, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: 'spa' });
    expect(status).toBe(200);
    return body.refresh_token as string;
  };
  const refresh = (token: string) => tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: token, client_id: 'spa' });
  const accessToken = async (clientId: string, scope: string, secret = SECRET): Promise<{ status: number; token: string }> => {
    const { status, body } = await tokenRequest(issuer, { grant_type: 'client_credentials', scope }, [clientId, secret]);
    return { status, token: body.access_token as string };
  };

  it('a signed report of a live refresh token revokes its grant: its next use gets invalid_grant', async () => {
    const first = await refreshToken();
    const rotated = await refresh(first);
    expect(rotated.status).toBe(200);
    const current = rotated.body.refresh_token as string;
    const body = report([{ token: current, type: 'rotor_refresh_token' }]);
    const res = await post(body, signed(body));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([{ token_hash: sha256(current), token_type: 'rotor_refresh_token', label: 'true_positive' }]);
    const after = await refresh(current);
    expect(after.status).toBe(400);
    expect(after.body.error).toBe('invalid_grant');
  });

  it('a signed report of a client secret disables it (invalid_client on every instance) until rotate-secret', async () => {
    const added = await cliJson<{ client_secret: string }>(['clients', 'add', '--client-id', 'svc', '--scope', 'api:read'], cluster.cliEnv);
    expect((await accessToken('svc', 'api:read', added.client_secret)).status).toBe(200);
    const body = report([{ token: added.client_secret }, { token: 'rotor_cs_not-a-real-secret-of-this-server-at-all-000' }]);
    const res = await post(body, signed(body), `${cluster.servers[1]!.url}/leaks`);
    expect(res.status).toBe(200);
    const answer = await res.json() as Array<{ label: string }>;
    expect(answer.map((item) => item.label)).toEqual(['true_positive', 'false_positive']);
    const refused = await tokenRequest(issuer, { grant_type: 'client_credentials', scope: 'api:read' }, ['svc', added.client_secret]);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');
    const rotated = await cliJson<{ client_secret: string }>(['clients', 'rotate-secret', 'svc', '--reason', 'leaked'], cluster.cliEnv);
    expect((await accessToken('svc', 'api:read', rotated.client_secret)).status).toBe(200);
  });

  it('a signed report of an access token makes rotor/verifier with events refuse it (revoked_token) within a second, on every instance', async () => {
    const { token } = await accessToken('backend', 'api:read');
    const other = await accessToken('backend', 'api:read');
    const verifier = createVerifier({ issuer, audience: `${issuer}/api`, events: true, eventsUri: `${cluster.servers[1]!.url}/jwks/events`, logger: recordingLogger() });
    verifiers.push(verifier);
    await verifier.verify(token);
    await new Promise((done) => setTimeout(done, 300)); // the event stream is connected
    const body = report([{ token }]);
    const res = await post(body, signed(body));
    expect(res.status).toBe(200);
    expect((await res.json() as Array<{ label: string }>)[0]!.label).toBe('true_positive');
    const reported = Date.now();
    let refusal: unknown;
    while (Date.now() - reported < 1000) {
      refusal = await verifier.verify(token).then(() => undefined, (err: unknown) => err);
      if (refusal) break;
      await new Promise((done) => setTimeout(done, 20));
    }
    expect(refusal).toBeInstanceOf(VerifierError);
    expect((refusal as VerifierError).code).toBe('revoked_token');
    await expect(verifier.verify(other.token)).resolves.toMatchObject({ client_id: 'backend' });
    const late = createVerifier({ issuer, audience: `${issuer}/api`, events: true, logger: recordingLogger() });
    verifiers.push(late);
    await new Promise((done) => setTimeout(done, 500));
    await expect(late.verify(token)).rejects.toMatchObject({ code: 'revoked_token' });

    // An instance started after the report tells its listeners too (the list is kept in Redis).
    const newcomer = await startServer({ mongodbUri: cluster.mongodbUri, kek: cluster.kek, issuer, config: { leaks: { reporters: { 'key-1': PEM } } } });
    cluster.servers.push(newcomer);
    const fresh = createVerifier({ issuer, audience: `${issuer}/api`, events: true, eventsUri: `${newcomer.url}/jwks/events`, logger: recordingLogger() });
    verifiers.push(fresh);
    await new Promise((done) => setTimeout(done, 500));
    await expect(fresh.verify(token)).rejects.toMatchObject({ code: 'revoked_token' });
    await expect(fresh.verify(other.token)).resolves.toMatchObject({ client_id: 'backend' });
  }, 60_000);

  it('a report by an admin:emergency bearer token is accepted; a false positive changes nothing; every token is audited without its value', async () => {
    const live = await refreshToken();
    const { token: admin } = await accessToken('security', 'admin:emergency admin:audit');
    const body = report([{ token: 'ghp_not_ours' }, { token: `rotor_rt_${'A'.repeat(48)}` }]);
    const res = await post(body, { 'content-type': 'application/json', authorization: `Bearer ${admin}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      { token_hash: sha256('ghp_not_ours'), token_type: 'rotor_token', label: 'false_positive' },
      { token_hash: sha256(`rotor_rt_${'A'.repeat(48)}`), token_type: 'rotor_token', label: 'false_positive' },
    ]);
    expect((await refresh(live)).status).toBe(200);
    const audit = await (await fetch(`${issuer}/admin/audit?limit=100`, { headers: { authorization: `Bearer ${admin}` } })).json() as { events: Array<{ actor: string; action: string; target: string; detail: Record<string, unknown> }> };
    const reported = audit.events.filter((event) => event.action === 'leak.reported');
    expect(reported.find((event) => event.target === sha256('ghp_not_ours'))).toMatchObject({ actor: 'client:security', detail: { url: 'https://github.com/acme/app/blob/abc/.env', source: 'content', label: 'false_positive' } });
    expect(reported.find((event) => event.detail.effect === 'client_secret.disable')).toMatchObject({ actor: 'system:leaks', detail: { reporter: 'key-1', label: 'true_positive', affected: 'svc' } });
    expect(reported.filter((event) => event.detail.effect === 'grant.revoke')).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain('ghp_not_ours');
  });

  it('bad input gets a specific 4xx and has no effect: tampered signature, unknown key, replay, bad JSON, wrong shape, > 1 MB, no auth', async () => {
    const live = await refreshToken();
    const body = report([{ token: live }]);
    const expectRefused = async (res: Response, status: number, message: RegExp): Promise<void> => {
      expect(res.status).toBe(status);
      expect((await res.json() as { error_description: string }).error_description).toMatch(message);
    };
    await expectRefused(await post(body, { ...signed(body), 'Github-Public-Key-Signature': signed(`${body} `)['Github-Public-Key-Signature'] }), 401, /signature does not match/);
    await expectRefused(await post(body, signed(body, 'key-2')), 401, /no reporter key key-2/);
    await expectRefused(await post(body, { 'content-type': 'application/json' }), 401, /Github-Public-Key-Identifier/);
    const { token: notAdmin } = await accessToken('backend', 'api:read');
    expect((await post(body, { 'content-type': 'application/json', authorization: `Bearer ${notAdmin}` })).status).toBe(401);
    await expectRefused(await post('[{"token":', signed('[{"token":')), 400, /not valid JSON/);
    const shape = JSON.stringify({ token: live });
    await expectRefused(await post(shape, signed(shape)), 400, /JSON array/);
    const huge = report([{ token: 'x'.repeat(100) }]).padEnd(1024 * 1024 + 10, ' ');
    await expectRefused(await post(huge, signed(huge)), 413, /larger than/);
    expect((await refresh(live)).status).toBe(200);

    const once = report([{ token: 'ghp_replayed' }]);
    const headers = signed(once);
    expect((await post(once, headers)).status).toBe(200);
    await expectRefused(await post(once, headers, `${cluster.servers[1]!.url}/leaks`), 409, /already received/);
  });
});
