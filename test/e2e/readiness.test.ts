import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { tokenRequest } from '../helpers/browser.js';
import { CatalogObserver } from '../helpers/catalog-observer.js';
import type { RunningServer } from '../helpers/server.js';

const SECRET = 'readiness-secret-0123456789-abcdefgh';
const PRE_PUBLISH_MS = 4_000;
const MAX_DELAY_MS = 6_000;

interface KeyView { kid: string; state: string; activatesAt: string; retiresAt: string }
interface ConsumerView { consumer: string; lastSeen: string; lastVersion: number; ready: boolean }
interface Readiness { window: string; pending: Array<{ kid: string; alg: string; publishedAt: string; consumers: ConsumerView[] }> }
interface AuditEvent { action: string; target?: string; detail?: Record<string, string> }

/**
 * One instance whose keys activate by uptake: a planned rotation makes a pending key due 4 s
 * later; it then waits (at most 6 s) for every consumer of /jwks seen to hold it. Scheduled
 * rotations are a minute away, so only the rotations the test asks for happen.
 */
describe('rotation readiness, and activation that waits for uptake', () => {
  const config = {
    keys: { algorithms: ['ES256'], rotationInterval: '60s', prePublish: '4s', overlap: '5s', tick: '1s', activation: 'uptake', maxActivationDelay: '6s' },
    readiness: { window: '1h' },
    jwks: { maxAge: '2s' },
    tokens: { accessTokenTTL: '3s', idTokenTTL: '3s', clockSkew: '1s' },
    catalog: { pollInterval: '1s' },
    admin: { rotationMinInterval: '1s' },
    queue: { prefix: `rotor-test-readiness-${Date.now()}` },
  };
  const observer = new CatalogObserver();
  let cluster: Cluster;
  let server: RunningServer;

  beforeAll(async () => {
    cluster = await startCluster('readiness', 1, config, [['--client-id', 'ops', '--client-secret', SECRET, '--scope', 'admin:keys admin:audit']]);
    server = cluster.servers[0]!;
    await observer.start(cluster.mongodbUri, ['ES256']);
  }, 60_000);

  afterAll(async () => {
    await observer.stop();
    await cluster?.close();
  });

  const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const { body: tokens } = await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'admin:keys admin:audit' }, ['ops', SECRET]);
    const res = await fetch(`${server.url}/admin${path}`, {
      method, headers: { authorization: `Bearer ${String(tokens.access_token)}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  /** A resource server fetching the JWKS as `rotor/verifier` does, named by Rotor-Consumer; the catalog version served. */
  const fetchJwks = async (consumer: string): Promise<number> => {
    const res = await fetch(`${server.url}/jwks`, { headers: { 'rotor-consumer': consumer } });
    expect(res.status).toBe(200);
    return Number(res.headers.get('rotor-catalog-version'));
  };
  const keys = async (): Promise<KeyView[]> => (await admin<{ keys: KeyView[] }>('GET', '/keys')).keys;
  const stateOf = async (kid: string): Promise<string | undefined> => (await keys()).find((key) => key.kid === kid)?.state;
  const audit = async (): Promise<AuditEvent[]> => (await admin<{ events: AuditEvent[] }>('GET', '/audit?limit=200')).events;
  const untilActive = async (kid: string, withinMs: number): Promise<number> => {
    const started = Date.now();
    while (Date.now() - started < withinMs) {
      if (await stateOf(kid) === 'active') return Date.now();
      await sleep(200);
    }
    throw new Error(`${kid} did not activate within ${withinMs} ms`);
  };
  /** Recording is fire-and-forget: give Redis a moment. */
  const settle = () => sleep(300);

  it('lists a stale consumer, holds the due key for it, and activates the key once it refetches', async () => {
    await fetchJwks('orders-api');
    await fetchJwks('billing-api');
    await fetch(`${server.url}/jwks`, { headers: { 'user-agent': 'probe/1.0' } });
    const { kid } = await admin<{ kid: string; activatesAt: string }>('POST', '/keys/rotate', { reason: 'readiness test' });
    const dueAt = Date.parse((await keys()).find((key) => key.kid === kid)!.activatesAt);
    const served = await fetchJwks('orders-api');
    await settle();

    const readiness = await admin<Readiness>('GET', '/keys/readiness');
    expect(readiness.window).toBe('1h');
    expect(readiness.pending).toHaveLength(1);
    expect(readiness.pending[0]).toMatchObject({ kid, alg: 'ES256', publishedAt: expect.any(String) });
    const byName = new Map(readiness.pending[0]!.consumers.map((consumer) => [consumer.consumer, consumer]));
    expect(byName.get('orders-api')).toMatchObject({ ready: true, lastVersion: served });
    const stale = byName.get('billing-api')!;
    expect(stale).toMatchObject({ ready: false, lastSeen: expect.any(String) });
    expect(stale.lastVersion).toBeLessThan(byName.get('orders-api')!.lastVersion);
    expect(byName.get('probe/1.0 @ 127.0.0.1')).toMatchObject({ ready: false });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`rotor_key_readiness_ratio\\{alg="ES256",kid="${kid}"\\} 0\\.333`));

    // Due, but billing-api has not fetched it: the old key signs on. The probe, which never named
    // itself, is listed but holds nothing back.
    await sleep(Math.max(0, dueAt + 2_500 - Date.now()));
    expect(await stateOf(kid)).toBe('pending');
    const delayed = (await audit()).filter((event) => event.action === 'keys.activation.delayed' && event.target === kid);
    expect(delayed).toHaveLength(1);

    await fetchJwks('billing-api');
    const activatedAt = await untilActive(kid, 4_000);
    expect(activatedAt).toBeLessThan(dueAt + MAX_DELAY_MS);
    expect((await audit()).find((event) => event.action === 'keys.promote' && event.target === kid)?.detail).toMatchObject({ reason: 'every consumer seen holds it' });
    expect((await admin<Readiness>('GET', '/keys/readiness')).pending).toEqual([]);
  }, 30_000);

  it('activates a key a consumer never fetches once keys.maxActivationDelay runs out', async () => {
    const { kid } = await admin<{ kid: string }>('POST', '/keys/rotate', { reason: 'readiness timeout test' });
    const dueAt = Date.parse((await keys()).find((key) => key.kid === kid)!.activatesAt);
    expect(dueAt - Date.now()).toBeLessThanOrEqual(PRE_PUBLISH_MS);
    await fetchJwks('orders-api');
    await untilActive(kid, PRE_PUBLISH_MS + MAX_DELAY_MS + 4_000);
    const activated = Date.parse((await keys()).find((key) => key.kid === kid)!.activatesAt);
    expect(activated).toBeGreaterThanOrEqual(dueAt + MAX_DELAY_MS);
    expect((await audit()).find((event) => event.action === 'keys.promote' && event.target === kid)?.detail).toMatchObject({ reason: 'keys.maxActivationDelay ran out' });
    // One key signed at every moment, and the one it replaced stays published for its overlap.
    expect(observer.violations).toEqual([]);
    const retiring = (await keys()).filter((key) => key.state === 'retiring');
    for (const key of retiring) expect(Date.parse(key.retiresAt)).toBeGreaterThanOrEqual(dueAt);
  }, 30_000);
});
