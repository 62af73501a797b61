import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { decodeProtectedHeader } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RunningServer } from '../helpers/server.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { cliJson } from '../helpers/cli.js';
import { launchChromium, screenshot, textOf } from '../helpers/chromium.js';
import { deploymentPrefix, redisUrl } from '../helpers/engines.js';

const PASSWORD = 'correct horse battery';
const SHOTS = 'console';

interface Key { kid: string; alg: string; state: string }

describe('the security team\'s console, in a real browser', () => {
  let cluster: Cluster;
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });

  beforeAll(async () => {
    [cluster, browser] = await Promise.all([
      startCluster('console', 1, { keys: { algorithms: ['ES256', 'EdDSA'], rotationInterval: '2h', prePublish: '15m', overlap: '65m' }, admin: { emergencyApprovals: 2, rotationMinInterval: '1h' } }),
      launchChromium(),
    ]);
    [server] = cluster.servers as [RunningServer];
    await Promise.all([
      cliJson(['users', 'add', '--username', 'sam', '--role', 'security', '--password-stdin'], cluster.cliEnv, `${PASSWORD}\n`),
      cliJson(['users', 'add', '--username', 'sue', '--role', 'security', '--password-stdin'], cluster.cliEnv, `${PASSWORD}\n`),
      cliJson(['users', 'add', '--username', 'alice', '--password-stdin'], cluster.cliEnv, `${PASSWORD}\n`),
    ]);
  }, 90_000);

  afterAll(async () => {
    redis.disconnect();
    await browser?.close();
    await cluster?.close();
  });

  /** A fresh browser profile that signs in at /console as `username` (the login form of Rotor itself). */
  async function signIn(username: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${cluster.issuer}/console`);
    await page.getByLabel('Username').or(page.locator('#login')).first().fill(username);
    await page.locator('#password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState('load');
    return page;
  }

  const activeKid = (page: Page, alg: string) => page.locator(`#timeline g.bar[data-state="active"][data-alg="${alg}"]`).getAttribute('data-kid');
  const catalogKeys = async (page: Page): Promise<Key[]> => ((await page.evaluate(async () => (await fetch('/console/api/catalog')).json())) as { keys: Key[] }).keys;

  let sam: Page;
  let rolledOver: string;
  /** Every key the console keeps in Redis, with its value. */
  const consoleRecords = async (): Promise<Array<[string, string]>> => {
    const keys = await redis.keys(`${deploymentPrefix(cluster.mongodbUri)}:console:*`);
    return Promise.all(keys.map(async (key) => [key, (await redis.get(key)) ?? ''] as [string, string]));
  };

  it('a security user signs in and sees the active key of each family on the timeline', async () => {
    sam = await signIn('sam');
    expect(new URL(sam.url()).pathname).toBe('/console');
    await sam.locator('#timeline g.bar[data-state="active"]').first().waitFor();
    const keys = await catalogKeys(sam);
    for (const alg of ['ES256', 'EdDSA']) expect(await activeKid(sam, alg)).toBe(keys.find((key) => key.alg === alg && key.state === 'active')!.kid);
    expect(await sam.locator('#timeline svg .now').count()).toBe(1);
    await sam.locator('#timeline g.bar[data-state="active"]').first().focus();
    await textOf(sam.locator('#timeline-tip'), 'Stops signing');
    await screenshot(sam, SHOTS, 'timeline');
    // The tokens stay on the server: the session cookie is all the browser holds, and scripts cannot read it.
    const cookies = await sam.context().cookies();
    const session = cookies.find((cookie) => cookie.name === 'rotor_console')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
    expect(await sam.evaluate('document.cookie')).not.toContain('rotor_console');
    expect(await sam.content()).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  }, 60_000);

  it('Redis holds the session sealed, under a keyed name: neither the cookie nor a token can be read there', async () => {
    const cookie = (await sam.context().cookies()).find((one) => one.name === 'rotor_console')!.value;
    const records = await consoleRecords();
    expect(records).toHaveLength(1);
    for (const [key, value] of records) {
      for (const secret of [cookie, createHash('sha256').update(cookie).digest('base64url')]) {
        expect(key).not.toContain(secret);
        expect(value).not.toContain(secret);
      }
      // A compact JWE (dir, A256GCM), and no JWS (an access or ID token) anywhere in it.
      expect(decodeProtectedHeader(value)).toMatchObject({ alg: 'dir', enc: 'A256GCM' });
      expect(value).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
      expect(value).not.toMatch(/accessToken|refreshToken|idToken/);
    }
  });

  it('an anonymous /console/login stores nothing: the sign-in travels in a sealed cookie, and a tampered one is refused', async () => {
    const before = (await consoleRecords()).length;
    const starts = await Promise.all(Array.from({ length: 20 }, () => fetch(`${cluster.issuer}/console/login`, { redirect: 'manual' })));
    for (const start of starts) expect(start.status).toBe(302);
    expect((await consoleRecords()).length).toBe(before);
    const [start] = starts as [Response];
    const setCookie = start.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^rotor_console_signin=[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+; Path=\/console; HttpOnly; SameSite=Lax; Max-Age=600$/);
    const sealed = setCookie.slice('rotor_console_signin='.length).split(';')[0]!;
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const flip = (text: string, at: number): string => `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
    for (const cookie of [flip(sealed, sealed.length - 30), flip(sealed, 5)]) {
      const tampered = await fetch(`${cluster.issuer}/console/callback?code=any&state=${state}`, { headers: { cookie: `rotor_console_signin=${cookie}` } });
      expect(tampered.status).toBe(400);
      expect(await tampered.text()).toContain('was not started here');
    }
    const otherState = await fetch(`${cluster.issuer}/console/callback?code=any&state=${flip(state, 3)}`, { headers: { cookie: `rotor_console_signin=${sealed}` } });
    expect(otherState.status).toBe(400);
  });

  it('a change without the CSRF token is refused with 403, and nothing changes', async () => {
    const before = await catalogKeys(sam);
    const refused = await sam.evaluate(async () => {
      const res = await fetch('/console/api/rotate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'no token', alg: 'ES256' }) });
      return { status: res.status, body: await res.json() as Record<string, unknown> };
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('csrf');
    const forged = await sam.evaluate(async () => (await fetch('/console/api/rotate', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': 'forged' }, body: JSON.stringify({ reason: 'forged token', alg: 'ES256' }) })).status);
    expect(forged).toBe(403);
    expect(await catalogKeys(sam)).toEqual(before);
  });

  it('a dry run shows the blast radius, then the rollover waits for a second person', async () => {
    const compromised = (await activeKid(sam, 'ES256'))!;
    await sam.evaluate('window.marker = "no reload"');
    await sam.getByLabel('Compromised key').selectOption(compromised);
    await sam.locator('#rollover-reason').fill('ES256 key seen in a public paste?');
    await sam.getByRole('button', { name: 'Preview rollover' }).click();
    const preview = sam.locator('#rollover-preview');
    await preview.waitFor({ state: 'visible' });
    // Editing the form withdraws the preview: what was previewed is no longer what is asked.
    await sam.locator('#rollover-reason').fill('ES256 key seen in a public paste');
    await preview.waitFor({ state: 'hidden' });
    await sam.getByRole('button', { name: 'Preview rollover' }).click();
    await preview.waitFor({ state: 'visible' });
    await textOf(preview, `${compromised} (ES256): active → revoked`);
    await textOf(preview, 'Live grants now:');
    await screenshot(sam, SHOTS, 'rollover-preview');
    expect((await catalogKeys(sam)).find((key) => key.kid === compromised)!.state).toBe('active');
    // The key list re-filled behind the preview (as a live catalog change does): Confirm still
    // sends exactly what was previewed.
    const other = (await activeKid(sam, 'EdDSA'))!;
    await sam.evaluate(`document.getElementById('rollover-kid').value = ${JSON.stringify(other)}`);
    const sent = sam.waitForRequest((request) => request.url().endsWith('/console/api/rollover') && request.method() === 'POST');
    await sam.getByRole('button', { name: 'Confirm rollover' }).click();
    expect((await sent).postDataJSON()).toEqual({ compromisedKid: compromised, alg: 'ES256', reason: 'ES256 key seen in a public paste' });
    await textOf(sam.locator('#action-result'), 'waits for a second person');
    rolledOver = compromised;
  });

  it('a second security user approves it from their own session, and the first one\'s timeline moves without a reload', async () => {
    const sue = await signIn('sue', { width: 390, height: 844 });
    await sue.goto(`${cluster.issuer}/console/approvals`);
    const request = sue.locator('li.request').filter({ hasText: 'ES256 key seen in a public paste' });
    await textOf(request, 'user:sam');
    await screenshot(sue, SHOTS, 'approvals-narrow');
    await request.getByLabel('Your reason').fill('confirmed with sam by phone');
    await request.getByRole('button', { name: 'Approve' }).click();
    await textOf(sue.locator('#action-result'), 'Approved and carried out');
    await sam.locator(`#timeline g.bar[data-kid="${rolledOver}"][data-state="revoked"]`).waitFor({ timeout: 20_000 });
    const fresh = await activeKid(sam, 'ES256');
    expect(fresh).not.toBe(rolledOver);
    if (await sam.evaluate('window.marker') !== 'no reload') console.log(server.output().split('\n').filter((line) => /console|error|refresh/i.test(line)).join('\n'));
    expect(await sam.evaluate('window.marker')).toBe('no reload');
    await screenshot(sam, SHOTS, 'timeline-after-rollover');
  }, 60_000);

  it('a planned rotation with a reason publishes a pending key; a second one too soon is refused in words (429)', async () => {
    await sam.getByLabel('Algorithm').selectOption('EdDSA');
    await sam.locator('#rotate-reason').fill('quarterly rotation');
    await sam.getByRole('button', { name: 'Rotate' }).click();
    await textOf(sam.locator('#action-result'), 'is published; it signs from');
    await sam.locator('#timeline g.bar[data-state="pending"][data-alg="EdDSA"]').first().waitFor();
    await screenshot(sam, SHOTS, 'timeline-rotation');
    await sam.locator('#rotate-reason').fill('once more');
    await sam.getByRole('button', { name: 'Rotate' }).click();
    await textOf(sam.locator('#action-result'), /Too soon \(429\).*Try again in \d+ s/);
  });

  it('a request can be turned down: the requester withdraws it from the approvals queue, and nothing changes', async () => {
    const pending = (await catalogKeys(sam)).find((key) => key.alg === 'EdDSA' && key.state === 'pending')!;
    await sam.getByLabel('Key', { exact: true }).selectOption(pending.kid);
    await sam.locator('#revoke-reason').fill('generated on a suspect host');
    await sam.getByRole('button', { name: 'Preview revocation' }).click();
    await textOf(sam.locator('#revoke-preview'), `${pending.kid} (EdDSA): pending → revoked`);
    await sam.getByRole('button', { name: 'Confirm revocation' }).click();
    await textOf(sam.locator('#action-result'), 'waits for a second person');
    await sam.goto(`${cluster.issuer}/console/approvals`);
    const request = sam.locator('li.request').filter({ hasText: `Revoke key ${pending.kid}` });
    await textOf(request, 'You asked for this');
    expect(await request.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await request.getByLabel('Your reason').fill('false alarm: the host is clean');
    await request.getByRole('button', { name: 'Withdraw' }).click();
    await textOf(sam.locator('#action-result'), 'Rejected: nothing changed.');
    expect((await catalogKeys(sam)).find((key) => key.kid === pending.kid)!.state).toBe('pending');
  });

  it('the audit view shows both people, filters by actor and verifies the chain', async () => {
    await sam.goto(`${cluster.issuer}/console/audit`);
    const table = sam.locator('table');
    await textOf(table, 'user:sam');
    await textOf(table, 'user:sue');
    await textOf(table, 'keys.rollover.requested');
    await textOf(sam.locator('tr').filter({ hasText: 'ES256 key seen in a public paste (approved' }), 'user:sue through rotor-console');
    await sam.getByRole('button', { name: 'Verify chain' }).click();
    await textOf(sam.locator('#verify-result'), 'Chain intact');
    await screenshot(sam, SHOTS, 'audit');
    await sam.getByLabel('Actor').fill('sue');
    await sam.getByRole('button', { name: 'Filter' }).click();
    await textOf(sam.locator('tbody tr').first(), 'user:sue');
    // Her own events, and the rollover she approved (done in the name of sam, who asked for it).
    const rows = await sam.locator('tbody tr').allTextContents();
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) expect(row).toContain('user:sue');
    expect(rows.some((row) => row.includes('keys.rollover') && row.includes('user:sam'))).toBe(true);
  });

  it('the catalog, readiness, streams and approvals pages answer, each within the strict CSP', async () => {
    for (const [path, expected] of [['/console/keys', 'Catalog version'], ['/console/readiness', 'eadiness'], ['/console/streams', 'tream'], ['/console/approvals', 'No request is waiting']] as const) {
      const res = await sam.goto(`${cluster.issuer}${path}`);
      expect(res!.status()).toBe(200);
      expect(res!.headers()['content-security-policy']).toContain("script-src 'self'");
      await textOf(sam.locator('main'), expected);
      await screenshot(sam, SHOTS, path.slice('/console/'.length));
    }
    await sam.goto(`${cluster.issuer}/console/keys`);
    await sam.getByRole('button', { name: `Copy kid ${rolledOver}` }).waitFor({ state: 'visible' });
  });

  it('signing out sends no token in any URL: Rotor asks, then the browser lands on the signed-out page', async () => {
    const page = await signIn('sue');
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    const before = (await consoleRecords()).length;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${cluster.issuer}/console/signed-out`);
    await textOf(page.locator('main'), 'You have signed out of the console.');
    expect(urls.some((url) => url.includes('/session/end'))).toBe(true);
    for (const url of urls) expect(url).not.toMatch(/id_token_hint|eyJ/);
    expect((await consoleRecords()).length).toBe(before - 1);
    await page.goto(`${cluster.issuer}/console`);
    await page.locator('#password').waitFor();
  }, 30_000);

  it('an ordinary user is refused with a clear page', async () => {
    const alice = await signIn('alice');
    await textOf(alice.locator('main'), 'only for the security team');
    expect(new URL(alice.url()).pathname).toBe('/console/callback');
    await screenshot(alice, SHOTS, 'refused');
    const api = await alice.evaluate(async () => (await fetch('/console/api/catalog')).status);
    expect(api).toBe(401);
    expect(server.output()).not.toMatch(/"access_token"/);
  });

  it('without a session pages lead to sign-in and the API answers 401; a callback this browser did not start is refused', async () => {
    const page = await fetch(`${cluster.issuer}/console/audit`, { redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/console/login?return=%2Fconsole%2Faudit');
    expect((await fetch(`${cluster.issuer}/console/api/catalog`)).status).toBe(401);
    const forged = await fetch(`${cluster.issuer}/console/callback?code=stolen&state=guessed`, { headers: { cookie: 'rotor_console_signin=other' } });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('was not started here');
  });
});
