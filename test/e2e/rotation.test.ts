import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, type RunningServer } from '../helpers/server.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { tokenRequest } from '../helpers/browser.js';
import { CachingResourceServer } from '../helpers/resource-server.js';
import { CatalogObserver } from '../helpers/catalog-observer.js';
import { FAST_POLICY } from '../helpers/fast-policy.js';
import { decodeProtectedHeader, decodeJwt } from 'jose';

const SECRET = 'svc-secret-0123456789-abcdefghijkl';


describe('keys rotate by themselves on every instance', () => {
  const config = { ...FAST_POLICY, queue: { prefix: `rotor-test-${Date.now()}` } };
  const observer = new CatalogObserver();
  let cluster: Cluster;
  let issuer: string;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    cluster = await startCluster('rotation', 2, config, [['--client-id', 'svc', '--client-secret', SECRET, '--scope', 'api:read api:write']]);
    issuer = cluster.issuer;
    [a, b] = cluster.servers as [RunningServer, RunningServer];
    await observer.start(cluster.mongodbUri, ['ES256']);
  }, 60_000);

  afterAll(async () => {
    await observer.stop();
    await b?.stop();
    await cluster?.close();
  });

  it('across three rotations, and an instance killed mid-rotation, every token verifies for its whole life at a caching resource server', async () => {
    const rs = new CachingResourceServer([`${a.url}/jwks`, `${b.url}/jwks`], issuer, `${issuer}/api`);
    const live: Array<{ token: string; exp: number }> = [];
    const failures: string[] = [];
    const signers = new Set<string>();
    let issued = 0;
    let killed = false;
    const started = Date.now();
    while (Date.now() - started < 26_000) {
      const elapsed = Date.now() - started;
      if (!killed && elapsed > 9_000) {
        killed = true;
        await b.kill();
        b = await startServer({ mongodbUri: cluster.mongodbUri, kek: cluster.kek, config, issuer, port: b.port });
      }
      const instance = issued % 2 === 0 ? a : b;
      const { status, body } = await tokenRequest(instance.url, { grant_type: 'client_credentials' }, ['svc', SECRET]);
      if (status !== 200) {
        failures.push(`issue at ${instance.url}: ${status} ${JSON.stringify(body)}`);
        continue;
      }
      issued++;
      const token = body.access_token as string;
      signers.add(String(decodeProtectedHeader(token).kid));
      live.push({ token, exp: decodeJwt(token).exp! });
      // A token is checked for its whole life, not after it: on a loaded machine one pass over
      // the live tokens can outlast the soonest expiry, so the time is read again for each.
      for (const entry of live) {
        if (entry.exp - Date.now() / 1000 <= 0.3) continue;
        await rs.verify(entry.token).catch((err: Error & { code?: string }) => {
          if (err.code === 'ERR_JWT_EXPIRED' && Date.now() / 1000 >= entry.exp) return;
          failures.push(`${decodeProtectedHeader(entry.token).kid} at ${new Date().toISOString()}: ${err.message}`);
        });
      }
      live.splice(0, live.length, ...live.filter((item) => item.exp - Date.now() / 1000 > 0.3));
      await sleep(100);
    }
    expect(failures).toEqual([]);
    expect(issued).toBeGreaterThan(100);
    expect(signers.size).toBeGreaterThanOrEqual(4);
    expect(observer.violations).toEqual([]);

    const rotated = [...observer.history.entries()].filter(([, states]) => states.join('>') === 'pending>active>retiring>retired');
    expect(rotated.length).toBeGreaterThanOrEqual(2);
    for (const [, states] of observer.history) {
      expect(['active', 'active>retiring', 'active>retiring>retired', 'pending', 'pending>active', 'pending>active>retiring', 'pending>active>retiring>retired']).toContain(states.join('>'));
    }
    expect(observer.activations.length).toBeGreaterThanOrEqual(3 + 1);
    const retired = observer.last!.keys.filter((key) => key.state === 'retired');
    expect(retired.length).toBeGreaterThanOrEqual(2);
    for (const key of retired) expect(key.sealedPrivateJwk).toBeNull();
  }, 90_000);

  it('every instance serves the same JWKS once the catalog settles, with max-age bounded by the policy', async () => {
    const [ja, jb] = await Promise.all([fetch(`${a.url}/jwks`), fetch(`${b.url}/jwks`)]);
    expect(Number(/max-age=(\d+)/.exec(ja.headers.get('cache-control')!)![1])).toBeLessThanOrEqual(2);
    const [ka, kb] = await Promise.all([ja.json(), jb.json()]);
    if (JSON.stringify(ka) !== JSON.stringify(kb)) {
      await sleep(1500);
      const [again, againB] = await Promise.all([fetch(`${a.url}/jwks`).then((r) => r.json()), fetch(`${b.url}/jwks`).then((r) => r.json())]);
      expect(again).toEqual(againB);
    }
  });

  it('metrics report the catalog version, the active key and reconciler runs', async () => {
    const text = await (await fetch(`${a.url}/metrics`)).text();
    expect(text).toMatch(/^rotor_catalog_version \d+$/m);
    expect(text).toMatch(/^rotor_active_key_age_seconds\{alg="ES256",kid="[^"]+"\} [\d.]+$/m);
    expect(text).toMatch(/^rotor_next_transition_seconds -?[\d.e+-]+$/m);
    expect(text).toMatch(/^rotor_tokens_issued_total\{kid="[^"]+",type="client_credentials"\} \d+$/m);
    const both = (await Promise.all([a, b].map(async (server) => (await fetch(`${server.url}/metrics`)).text()))).join('\n');
    expect(both).toMatch(/^rotor_reconciler_runs_total\{result="ok"\} [1-9]\d*$/m);
  });
});
