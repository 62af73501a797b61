import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { cliJson } from '../helpers/cli.js';
import { authorize, Browser, hiddenField, tokenRequest } from '../helpers/browser.js';
import { startReceiver, ssfCall, ssfToken, verifySet, type TestReceiver } from '../helpers/ssf-receiver.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const PASSWORD = 'correct horse battery';
const SECRET = 'a-client-secret-of-at-least-32-characters';
const PUSH = 'urn:ietf:rfc:8935';
const POLL = 'urn:ietf:rfc:8936';
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const CREDENTIAL_COMPROMISE = 'https://schemas.openid.net/secevent/risc/event-type/credential-compromise';
const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';

describe('SSF transmitter: receivers register streams and get signed security events', () => {
  let cluster: Cluster;
  let issuer: string;
  // Fresh tokens for every call: a rollover revokes the key that signed the previous ones.
  const rs1 = () => ssfToken(issuer, 'rs1', SECRET);
  const rs2 = () => ssfToken(issuer, 'rs2', SECRET);
  const receivers: TestReceiver[] = [];
  /** rs1's push receiver of the first test: every event type. */
  let main: TestReceiver;
  const JWKS_CHANGED = () => `${issuer}/secevent/jwks-changed`;

  beforeAll(async () => {
    cluster = await startCluster('ssf', 1, { ssf: { allowedReceiverHosts: ['127.0.0.1'], maxAttempts: 3, retryBase: '0.3s', sweepInterval: '1s' } }, [
      ['--client-id', 'rs1', '--client-secret', SECRET, '--scope', 'ssf:manage', '--introspection'],
      ['--client-id', 'rs2', '--client-secret', SECRET, '--scope', 'ssf:manage'],
      ['--client-id', 'spa', '--public', '--redirect-uri', REDIRECT, '--post-logout-redirect-uri', REDIRECT, '--scope', 'openid offline_access'],
      ['--client-id', 'other-spa', '--public', '--redirect-uri', REDIRECT, '--grant-type', 'authorization_code', '--grant-type', 'refresh_token', '--scope', 'openid offline_access'],
      ['--client-id', 'security', '--client-secret', SECRET, '--scope', 'admin:keys admin:emergency'],
    ]);
    ({ issuer } = cluster);
    await cliJson(['users', 'add', '--username', 'alice', '--password-stdin'], cluster.cliEnv, `${PASSWORD}\n`);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await cluster?.close();
  });

  const receiver = async (audience: string, mode?: Parameters<typeof startReceiver>[2]) => {
    const started = await startReceiver(issuer, audience, mode);
    receivers.push(started);
    return started;
  };
  const pushStream = async (token: string, url: string, events: string[]) => {
    const { status, body } = await ssfCall(issuer, token, 'POST', '/ssf/streams', { delivery: { method: PUSH, endpoint_url: url }, events_requested: events });
    expect(status).toBe(201);
    return body;
  };
  const adminToken = async () => (await tokenRequest(issuer, { grant_type: 'client_credentials', scope: 'admin:keys admin:emergency' }, ['security', SECRET])).body.access_token as string;
  const rollover = async () => {
    const res = await fetch(`${issuer}/admin/keys/rollover`, { method: 'POST', headers: { authorization: `Bearer ${await adminToken()}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'ssf test' }) });
    expect(res.status).toBe(200);
    return (await res.json()) as { version: number; activeKid: string; revokedKids: string[] };
  };
  const signIn = async () => {
    const { code, verifier, browser } = await authorize({ issuer, clientId: 'spa', redirectUri: REDIRECT, scope: 'openid offline_access', username: 'alice', password: PASSWORD });
    const { body } = await tokenRequest(issuer, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: 'spa' });
    return { browser, tokens: body };
  };

  it('publishes its metadata at /.well-known/ssf-configuration', async () => {
    const res = await fetch(`${issuer}/.well-known/ssf-configuration`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      spec_version: '1_0', issuer, jwks_uri: `${issuer}/jwks`, delivery_methods_supported: [PUSH, POLL],
      configuration_endpoint: `${issuer}/ssf/streams`, status_endpoint: `${issuer}/ssf/status`, verification_endpoint: `${issuer}/ssf/verify`,
      authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }], default_subjects: 'ALL',
    });
  });

  it('a push receiver gets verified SETs for a rollover, a logout and a refresh-token reuse', async () => {
    const rx = main = await receiver('rs1');
    const stream = await pushStream(await rs1(), rx.url, [JWKS_CHANGED(), SESSION_REVOKED, CREDENTIAL_COMPROMISE]);
    expect(stream.events_delivered).toEqual([JWKS_CHANGED(), SESSION_REVOKED, CREDENTIAL_COMPROMISE]);
    expect(stream.aud).toBe('rs1');

    const rolled = await rollover();
    const [keySet] = await rx.waitFor((set) => set.type === JWKS_CHANGED() && set.event.version === rolled.version);
    expect(keySet!.event.revoked).toEqual(expect.arrayContaining(rolled.revokedKids));
    expect(keySet!.event.kids).toContain(rolled.activeKid);
    expect(keySet!.event.kids).not.toContain(rolled.revokedKids[0]);
    expect(keySet!.claims.sub_id).toEqual({ format: 'uri', uri: `${issuer}/jwks` });
    // Signed by the key that signs tokens now, published in /jwks.
    expect(keySet!.kid).toBe(rolled.activeKid);

    const { browser, tokens } = await signIn();
    const page = await browser.request(`${issuer}/session/end?${new URLSearchParams({ id_token_hint: tokens.id_token as string, post_logout_redirect_uri: REDIRECT })}`);
    const done = await browser.postForm(`${issuer}/session/end/confirm`, { xsrf: hiddenField(await page.text(), 'xsrf'), logout: 'yes' });
    expect(done.status).toBeLessThan(400);
    const [logout] = await rx.waitFor((set) => set.type === SESSION_REVOKED);
    expect(logout!.claims.sub_id).toMatchObject({ format: 'iss_sub', iss: issuer });
    expect(logout!.event.initiating_entity).toBe('user');

    const second = await signIn();
    const first = second.tokens.refresh_token as string;
    expect((await tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: first, client_id: 'spa' })).status).toBe(200);
    expect((await tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: first, client_id: 'spa' })).body.error).toBe('invalid_grant');
    const [reuse] = await rx.waitFor((set) => set.type === CREDENTIAL_COMPROMISE);
    expect(reuse!.event.credential_type).toBe('refresh_token');
    expect(reuse!.claims.sub_id).toEqual(logout!.claims.sub_id);
  }, 60_000);

  it('a spent refresh token shown by another client is told as a compromised credential of the person it was issued to', async () => {
    const { tokens } = await signIn();
    const spent = tokens.refresh_token as string;
    expect((await tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: spent, client_id: 'spa' })).status).toBe(200);
    expect((await tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: spent, client_id: 'other-spa' })).body.error).toBe('invalid_grant');
    const compromised = await main.waitFor((set) => set.type === CREDENTIAL_COMPROMISE && set.event.credential_type === 'refresh_token', 2);
    expect(compromised).toHaveLength(2);
    expect(compromised[1]!.claims.sub_id).toEqual(compromised[0]!.claims.sub_id);
    expect(compromised[1]!.claims.sub_id).toMatchObject({ format: 'iss_sub', iss: issuer });
  }, 30_000);

  it('a removed client and a leaked refresh token are told to receivers; the client\'s streams go with it', async () => {
    await cliJson(['clients', 'add', '--client-id', 'doomed', '--client-secret', SECRET, '--scope', 'ssf:manage'], cluster.cliEnv);
    const doomed = await ssfCall(issuer, await ssfToken(issuer, 'doomed', SECRET), 'POST', '/ssf/streams', { delivery: { method: POLL } });
    expect(doomed.status).toBe(201);
    await cliJson(['clients', 'remove', 'doomed', '--reason', 'decommissioned'], cluster.cliEnv);
    const [removed] = await main.waitFor((set) => set.type === SESSION_REVOKED && set.claims.sub_id.id === 'doomed');
    expect(removed!.claims.sub_id).toEqual({ format: 'opaque', id: 'doomed' });
    expect(removed!.event).toMatchObject({ initiating_entity: 'admin', reason_admin: { en: 'decommissioned' } });
    const listed = await fetch(`${issuer}/admin/streams`, { headers: { authorization: `Bearer ${await adminToken()}` } });
    expect(((await listed.json()) as { streams: Array<{ stream_id: string }> }).streams.map((row) => row.stream_id)).not.toContain(doomed.body.stream_id);

    const { tokens } = await signIn();
    const leak = await fetch(`${issuer}/leaks`, {
      method: 'POST', headers: { authorization: `Bearer ${(await tokenRequest(issuer, { grant_type: 'client_credentials', scope: 'admin:emergency' }, ['security', SECRET])).body.access_token as string}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ token: tokens.refresh_token, type: 'rotor_token', url: 'https://github.com/acme/app', source: 'content' }]),
    });
    expect(leak.status).toBe(200);
    const [leaked] = await main.waitFor((set) => set.type === CREDENTIAL_COMPROMISE && /leaked/.test(JSON.stringify(set.event)));
    expect(leaked!.event.credential_type).toBe('refresh_token');
    expect(leaked!.claims.sub_id).toMatchObject({ format: 'iss_sub', iss: issuer });
  }, 30_000);

  it('a receiver not registered with --introspection is not sent events that name people', async () => {
    const rx = await receiver('rs2');
    const stream = await pushStream(await rs2(), rx.url, [JWKS_CHANGED(), SESSION_REVOKED]);
    expect(stream.events_requested).toEqual([JWKS_CHANGED(), SESSION_REVOKED]);
    expect(stream.events_delivered).toEqual([JWKS_CHANGED()]);
    const revoked = (set: { type: string }) => set.type === SESSION_REVOKED;
    const toldBefore = main.sets.filter(revoked).length;
    await cliJson(['users', 'disable', 'alice'], cluster.cliEnv);
    await cliJson(['users', 'enable', 'alice'], cluster.cliEnv);
    // The entitled receiver hears of the disabling first, so a wrong delivery to rs2 has had its chance.
    expect(await main.waitFor(revoked, toldBefore + 1)).toHaveLength(toldBefore + 1);
    const rolled = await rollover();
    await rx.waitFor((set) => set.type === JWKS_CHANGED() && set.event.version === rolled.version);
    expect(rx.sets.filter((set) => set.type === SESSION_REVOKED)).toEqual([]);
  }, 30_000);

  it('a poll receiver gets its SETs, acknowledges them and is not sent them again', async () => {
    const { status, body: stream } = await ssfCall(issuer, await rs1(), 'POST', '/ssf/streams', { delivery: { method: POLL }, events_requested: [JWKS_CHANGED()] });
    expect(status).toBe(201);
    expect((stream.delivery as { endpoint_url: string }).endpoint_url).toBe(`${issuer}/ssf/poll/${stream.stream_id}`);
    expect((await ssfCall(issuer, await rs1(), 'POST', '/ssf/verify', { stream_id: stream.stream_id, state: 'check-1' })).status).toBe(204);
    const rolled = await rollover();
    const poll = async (body: unknown) => ssfCall(issuer, await rs1(), 'POST', `/ssf/poll/${stream.stream_id}`, body);
    const first = await poll({ returnImmediately: true });
    expect(first.status).toBe(200);
    const sets = await Promise.all(Object.values(first.body.sets as Record<string, string>).map((set) => verifySet(set, issuer, 'rs1')));
    expect(sets.map((set) => set.type)).toEqual([VERIFICATION, JWKS_CHANGED()]);
    expect(sets[0]!.event).toEqual({ state: 'check-1' });
    expect(sets[1]!.event.version).toBe(rolled.version);
    // Not acknowledged: given again, under the same jti.
    expect(Object.keys((await poll({})).body.sets as object)).toEqual(Object.keys(first.body.sets as object));
    const acked = await poll({ ack: Object.keys(first.body.sets as object) });
    expect(acked.body).toEqual({ sets: {}, moreAvailable: false });
    expect((await poll({})).body.sets).toEqual({});
  }, 30_000);

  it('a receiver always answering 500 is dead-lettered, while another gets every event meanwhile', async () => {
    const slow = await receiver('rs2', { kind: 'fail', delayMs: 1500 });
    const good = await receiver('rs2');
    const bad = await pushStream(await rs2(), slow.url, [JWKS_CHANGED()]);
    await pushStream(await rs2(), good.url, [JWKS_CHANGED()]);
    const rolled = await rollover();
    await good.waitFor((set) => set.type === JWKS_CHANGED() && set.event.version === rolled.version);
    // The good receiver had its SET while the failing one was still holding its first push.
    expect(slow.requests).toBeLessThanOrEqual(1);
    const admin = await adminToken();
    let row: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && row?.deadLettered !== 1; i++) {
      await new Promise((done) => setTimeout(done, 200));
      const res = await fetch(`${issuer}/admin/streams`, { headers: { authorization: `Bearer ${admin}` } });
      row = ((await res.json()) as { streams: Array<Record<string, unknown>> }).streams.find((stream) => stream.stream_id === bad.stream_id);
    }
    expect(row).toMatchObject({ client_id: 'rs2', method: 'push', endpoint_url: slow.url, status: 'enabled', delivered: 0, pending: 0, deadLettered: 1 });
    expect(slow.requests).toBe(3);
    const metrics = await (await fetch(`${issuer}/metrics`)).text();
    expect(metrics).toContain(`rotor_ssf_deliveries{stream_id="${String(bad.stream_id)}",state="dead_lettered"} 1`);
  }, 40_000);

  it('a receiver cannot read, change, verify, poll or delete another receiver\'s stream', async () => {
    const { body: theirs } = await ssfCall(issuer, await rs1(), 'POST', '/ssf/streams', { delivery: { method: POLL }, events_requested: [JWKS_CHANGED()] });
    const id = String(theirs.stream_id);
    const attempts = [
      await ssfCall(issuer, await rs2(), 'GET', `/ssf/streams?stream_id=${id}`),
      await ssfCall(issuer, await rs2(), 'PATCH', '/ssf/streams', { stream_id: id, description: 'mine now' }),
      await ssfCall(issuer, await rs2(), 'PUT', '/ssf/streams', { stream_id: id, delivery: { method: POLL }, events_requested: [] }),
      await ssfCall(issuer, await rs2(), 'GET', `/ssf/status?stream_id=${id}`),
      await ssfCall(issuer, await rs2(), 'POST', '/ssf/status', { stream_id: id, status: 'disabled' }),
      await ssfCall(issuer, await rs2(), 'POST', '/ssf/verify', { stream_id: id }),
      await ssfCall(issuer, await rs2(), 'POST', `/ssf/poll/${id}`, {}),
      await ssfCall(issuer, await rs2(), 'DELETE', `/ssf/streams?stream_id=${id}`),
    ];
    for (const answer of attempts) expect([answer.status, answer.body.code]).toEqual([404, 'ROTOR_SSF_UNKNOWN_STREAM']);
    expect(((await ssfCall(issuer, await rs2(), 'GET', '/ssf/streams')).body as unknown as Array<{ stream_id: string }>).map((s) => s.stream_id)).not.toContain(id);
    const mine = await ssfCall(issuer, await rs1(), 'GET', `/ssf/streams?stream_id=${id}`);
    expect([mine.status, mine.body.description]).toEqual([200, undefined]);
    expect((await ssfCall(issuer, await rs1(), 'GET', `/ssf/status?stream_id=${id}`)).body).toEqual({ stream_id: id, status: 'enabled' });
    expect((await ssfCall(issuer, await rs1(), 'DELETE', `/ssf/streams?stream_id=${id}`)).status).toBe(204);
    expect((await ssfCall(issuer, await rs1(), 'GET', `/ssf/streams?stream_id=${id}`)).status).toBe(404);
  });

  it('bad input to the stream API gets a specific 4xx', async () => {
    const create = async (body: unknown, token?: string) => ssfCall(issuer, token ?? await rs1(), 'POST', '/ssf/streams', body);
    const cases: Array<[Promise<{ status: number; body: Record<string, unknown> }>, number, string]> = [
      [create({ delivery: { method: PUSH, endpoint_url: 'not a url' } }), 400, 'ROTOR_SSF_BAD_ENDPOINT'],
      [create({ delivery: { method: PUSH, endpoint_url: 'http://example.com/events' } }), 400, 'ROTOR_SSF_BAD_ENDPOINT'],
      [create({ delivery: { method: PUSH, endpoint_url: 'ftp://127.0.0.1/events' } }), 400, 'ROTOR_SSF_BAD_ENDPOINT'],
      [create({ delivery: { method: PUSH, endpoint_url: 'https://attacker.example/events' } }), 400, 'ROTOR_SSF_HOST_NOT_ALLOWED'],
      [create({ delivery: { method: PUSH, endpoint_url: 'http://localhost:9/events' } }), 400, 'ROTOR_SSF_HOST_NOT_ALLOWED'],
      [create({ delivery: { method: PUSH } }), 400, 'ROTOR_SSF_BAD_ENDPOINT'],
      [create({ delivery: { method: 'urn:example:smoke-signals' } }), 400, 'ROTOR_INVALID_REQUEST'],
      [create({ delivery: { method: POLL }, events_requested: ['https://example.com/made-up'] }), 400, 'ROTOR_SSF_UNKNOWN_EVENT_TYPE'],
      [create({ delivery: { method: POLL }, description: 'x'.repeat(20_000) }), 413, 'ROTOR_SSF_BODY_TOO_LARGE'],
      [create('{"delivery":'), 400, 'ROTOR_INVALID_REQUEST'],
      [ssfCall(issuer, await rs1(), 'GET', '/ssf/streams?stream_id=../../etc'), 400, 'ROTOR_INVALID_REQUEST'],
      [ssfCall(issuer, await rs1(), 'POST', '/ssf/status', { stream_id: 'abc', status: 'sleeping' }), 400, 'ROTOR_INVALID_REQUEST'],
      [create({ delivery: { method: POLL } }, 'not-a-token'), 401, 'ROTOR_INVALID_TOKEN'],
      [create({ delivery: { method: POLL } }, await adminToken()), 401, 'ROTOR_INVALID_TOKEN'],
    ];
    for (const [answer, status, code] of cases) expect([(await answer).status, (await answer).body.code]).toEqual([status, code]);
    const push = await receiver('rs1');
    const stream = await pushStream(await rs1(), push.url, []);
    const poll = await ssfCall(issuer, await rs1(), 'POST', `/ssf/poll/${String(stream.stream_id)}`, {});
    expect([poll.status, poll.body.code]).toEqual([400, 'ROTOR_SSF_WRONG_METHOD']);
    // A person cannot get the stream API's scope: only a client for itself.
    expect((await tokenRequest(issuer, { grant_type: 'client_credentials', scope: 'ssf:manage' }, ['security', SECRET])).body.error).toBe('invalid_scope');
  });
});
