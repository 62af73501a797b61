import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { cliJson } from '../helpers/cli.js';
import { authorize, Browser, hiddenField, pkcePair, tokenRequest } from '../helpers/browser.js';
import { dumpDatabase } from '../helpers/database.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const PASSWORD = 'correct horse battery';

/** A browser that remembers every cookie value it was ever given, also those cleared since. */
class RecordingBrowser extends Browser {
  readonly seen = new Set<string>();

  override async request(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await super.request(url, init);
    for (const value of this.cookies.values()) this.seen.add(value);
    return res;
  }
}

/** The whole database as text, with how many documents each collection holds. */
async function scan(mongodbUri: string): Promise<{ text: string; counts: Record<string, number> }> {
  const dump = await dumpDatabase(mongodbUri);
  const counts = Object.fromEntries(Object.entries(dump).map(([name, docs]) => [name, docs.length]));
  return { text: JSON.stringify(dump), counts };
}

describe('a stolen copy of the database holds no bearer value', () => {
  let cluster: Cluster;
  let issuer: string;

  beforeAll(async () => {
    cluster = await startCluster('atrest', 1, {}, [
      ['--client-id', 'spa', '--public', '--redirect-uri', REDIRECT, '--post-logout-redirect-uri', REDIRECT, '--scope', 'openid offline_access profile'],
    ]);
    ({ issuer } = cluster);
    await cliJson(['users', 'add', '--username', 'alice', '--password-stdin'], cluster.cliEnv, `${PASSWORD}\n`);
  }, 60_000);

  afterAll(() => cluster?.close());

  const refresh = (token: string) => tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: token, client_id: 'spa' });

  it('after a login, refreshes, an interaction under way and a logout, no token, code or cookie value the client saw is in any collection', async () => {
    const browser = new RecordingBrowser();
    const secrets: string[] = [];
    const { code, verifier } = await authorize({ issuer, clientId: 'spa', redirectUri: REDIRECT, scope: 'openid offline_access profile', username: 'alice', password: PASSWORD, browser });
    secrets.push(code);
    const first = await tokenRequest(issuer, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: 'spa' });
    expect(first.status).toBe(200);
    const idToken = first.body.id_token as string;
    let accessToken = first.body.access_token as string;
    let refreshToken = first.body.refresh_token as string;
    secrets.push(accessToken, refreshToken);
    expect(refreshToken).toMatch(/^rotor_rt_[\w-]{48}$/);
    // an opaque access token for userinfo: one that is stored, and found again by its hash
    expect(accessToken.split('.')).toHaveLength(1);
    expect((await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const next = await refresh(refreshToken);
      expect(next.status).toBe(200);
      ({ access_token: accessToken, refresh_token: refreshToken } = next.body as { access_token: string; refresh_token: string });
      secrets.push(accessToken, refreshToken);
    }
    expect((await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(200);

    // a second sign-in under way: its interaction holds the session and the URL to resume at
    const params = new URLSearchParams({ client_id: 'spa', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', prompt: 'consent', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' });
    const pending = await browser.request(`${issuer}/auth?${params}`);
    const interactionUid = /\/interaction\/([^/?]+)/.exec(pending.headers.get('location') ?? '')?.[1];
    expect(interactionUid).toBeTruthy();
    secrets.push(interactionUid!);

    // the logout form: the session now holds its token
    const logoutPage = await browser.request(`${issuer}/session/end?${new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: REDIRECT })}`);
    const xsrf = hiddenField(await logoutPage.text(), 'xsrf');
    secrets.push(xsrf);
    expect(browser.cookies.has('_session')).toBe(true);
    secrets.push(...browser.seen);

    const during = await scan(cluster.mongodbUri);
    for (const collection of ['oidc_session', 'oidc_interaction', 'oidc_grant', 'oidc_authorization_code', 'oidc_access_token', 'oidc_refresh_token', 'oidc_consumptions']) {
      expect({ collection, holdsDocuments: (during.counts[collection] ?? 0) > 0 }).toEqual({ collection, holdsDocuments: true });
    }
    // the scan does see what the artifacts hold in the clear: whose they are
    expect(during.text).toContain(decodeJwt(idToken).sub!);
    for (const value of secrets) expect({ value, found: during.text.includes(value) }).toEqual({ value, found: false });

    const done = await browser.postForm(`${issuer}/session/end/confirm`, { xsrf, logout: 'yes' });
    expect(done.status).toBe(303);
    const afterLogout = await refresh(refreshToken);
    expect(afterLogout.status).toBe(200);
    secrets.push(afterLogout.body.access_token as string, afterLogout.body.refresh_token as string, ...browser.seen);

    const after = await scan(cluster.mongodbUri);
    expect(after.counts.oidc_refresh_token).toBeGreaterThan(0);
    for (const value of secrets) expect({ value, found: after.text.includes(value) }).toEqual({ value, found: false });
  });
});
