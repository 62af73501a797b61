import { afterAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import mongoose from 'mongoose';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { freePort, startServer, writeConfig, type RunningServer } from '../helpers/server.js';
import { cliJson } from '../helpers/cli.js';
import { newKek, uniqueMongoUri } from '../helpers/engines.js';
import { pkcePair, tokenRequest } from '../helpers/browser.js';
import { dropDatabase, dumpDatabase } from '../helpers/database.js';
import { CatalogRepository } from '../../src/store/catalog-repository.js';
import type { Catalog, KeyRecord } from '../../src/keys/catalog.js';
import { DROPPED_REASON } from '../../src/keys/plan.js';

const SECRET = 'svc-secret-0123456789-abcdefghijkl';
const SECOND = 1000;

/**
 * Short times that satisfy the start-up rules (prePublish >= maxAge + tick, overlap >= TTL +
 * skew), with tokens that outlive a restart.
 */
const policy = (keys: Record<string, unknown>): Record<string, unknown> => ({
  keys: { rotationInterval: '60s', prePublish: '4s', overlap: '10s', tick: '1s', ...keys },
  jwks: { maxAge: '2s' },
  tokens: { accessTokenTTL: '8s', idTokenTTL: '8s', clockSkew: '1s' },
  catalog: { pollInterval: '1s' },
});

async function loadCatalog(uri: string): Promise<Catalog> {
  const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 3000 }).asPromise();
  try {
    return (await new CatalogRepository(connection).load())!;
  } finally {
    await connection.close();
  }
}

const keyOf = (catalog: Catalog, kid: string): KeyRecord => catalog.keys.find((key) => key.kid === kid)!;
const seconds = (from: Date, to: Date): number => (to.getTime() - from.getTime()) / SECOND;

async function jwks(url: string): Promise<JSONWebKeySet> {
  return (await (await fetch(`${url}/jwks`)).json()) as JSONWebKeySet;
}

async function accessToken(url: string): Promise<string> {
  const { status, body } = await tokenRequest(url, { grant_type: 'client_credentials' }, ['svc', SECRET]);
  if (status !== 200) throw new Error(`token at ${url}: ${status} ${JSON.stringify(body)}`);
  return body.access_token as string;
}

async function verifyAt(url: string, token: string, issuer: string): Promise<void> {
  await jwtVerify(token, createLocalJWKSet(await jwks(url)), { issuer, audience: `${issuer}/api`, typ: 'at+jwt' });
}

/** Polls until `check` holds, or fails with what it last saw. */
async function eventually<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, ms = 20 * SECOND): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!check(value)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await sleep(250);
    value = await read();
  }
  return value;
}

/** One deployment: a database, a KEK, a fixed port and issuer, restarted with other configurations. */
class Deployment {
  readonly mongodbUri: string;
  readonly kek = newKek();
  readonly servers: RunningServer[] = [];
  issuer = '';
  port = 0;

  constructor(label: string) {
    this.mongodbUri = uniqueMongoUri(label);
  }

  async start(config: Record<string, unknown>, port?: number): Promise<RunningServer> {
    if (!this.port) {
      this.port = await freePort();
      this.issuer = `http://127.0.0.1:${this.port}`;
    }
    const server = await startServer({ mongodbUri: this.mongodbUri, kek: this.kek, config, issuer: this.issuer, port: port ?? this.port });
    this.servers.push(server);
    return server;
  }

  cli(config: Record<string, unknown>): Record<string, string> {
    return { MONGODB_URI: this.mongodbUri, KEK: this.kek, ROTOR_CONFIG: writeConfig(config) };
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.stop()));
    await dropDatabase(this.mongodbUri);
  }
}

describe('a family dropped from keys.algorithms, on restart', () => {
  const deployment = new Deployment('dropfamily');
  afterAll(() => deployment.close());

  it('stops signing at once, stays in /jwks for overlap, then leaves it and its private part leaves the database', async () => {
    const rsOnly = policy({ algorithms: ['RS256'] });
    const first = await deployment.start(rsOnly);
    const { issuer } = deployment;
    await cliJson(['clients', 'add', '--client-id', 'svc', '--client-secret', SECRET, '--scope', 'api:read'], deployment.cli(rsOnly));
    const before = await accessToken(first.url);
    const rsKid = String(decodeProtectedHeader(before).kid);
    expect(decodeProtectedHeader(before).alg).toBe('RS256');
    const sealed = keyOf(await loadCatalog(deployment.mongodbUri), rsKid).sealedPrivateJwk!;
    expect(sealed).toEqual(expect.any(String));
    await first.stop();

    const restartedAt = new Date();
    const server = await deployment.start(policy({ algorithms: ['ES256'] }));
    const after = await accessToken(server.url);
    expect(decodeProtectedHeader(after).alg).toBe('ES256');
    const published = (await jwks(server.url)).keys.map((key) => key.kid);
    expect(published).toEqual(expect.arrayContaining([rsKid, decodeProtectedHeader(after).kid]));
    await verifyAt(server.url, before, issuer);
    await verifyAt(server.url, after, issuer);

    const dropped = keyOf(await loadCatalog(deployment.mongodbUri), rsKid);
    expect(dropped).toMatchObject({ state: 'retiring', reason: DROPPED_REASON });
    expect(dropped.retiresAt.getTime()).toBeGreaterThanOrEqual(restartedAt.getTime());
    expect(seconds(dropped.retiresAt, dropped.removesAt)).toBe(10);
    const discovery = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.id_token_signing_alg_values_supported).toEqual(['ES256']);

    // The periodic job keeps RS256 published until its overlap is over, then retires it.
    expect(Date.now()).toBeLessThan(dropped.removesAt.getTime());
    await eventually('RS256 key in /jwks', async () => (await jwks(server.url)).keys.map((key) => key.kid), (kids) => !kids.includes(rsKid));
    expect(Date.now()).toBeGreaterThanOrEqual(dropped.removesAt.getTime());
    const catalog = await loadCatalog(deployment.mongodbUri);
    expect(keyOf(catalog, rsKid)).toMatchObject({ state: 'retired', sealedPrivateJwk: null });
    expect(catalog.keys.filter((key) => key.alg === 'RS256' && key.state !== 'retired')).toEqual([]);
    expect(JSON.stringify(await dumpDatabase(deployment.mongodbUri))).not.toContain(sealed);
    expect(decodeProtectedHeader(await accessToken(server.url)).alg).toBe('ES256');
  }, 60_000);

  it('a client registered for ID tokens in the dropped algorithm gets a clear error, not a 500', async () => {
    const connection = await mongoose.createConnection(deployment.mongodbUri, { serverSelectionTimeoutMS: 3000 }).asPromise();
    const redirectUri = 'http://127.0.0.1:9/cb';
    try {
      await connection.db!.collection('clients').insertOne({
        _id: 'pinned' as never,
        metadata: JSON.stringify({
          client_id: 'pinned', token_endpoint_auth_method: 'none', redirect_uris: [redirectUri], grant_types: ['authorization_code'],
          response_types: ['code'], scope: 'openid', id_token_signed_response_alg: 'RS256',
        }),
        sealedSecret: null,
        createdAt: new Date(),
      });
    } finally {
      await connection.close();
    }
    const { challenge } = pkcePair();
    const params = new URLSearchParams({ client_id: 'pinned', redirect_uri: redirectUri, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', state: 'abc' });
    const res = await fetch(`${deployment.servers.at(-1)!.url}/auth?${params}`, { redirect: 'manual' });
    const body = await res.text();
    expect(res.status).toBe(400);
    expect(body).toContain('id_token_signed_response_alg');
  });
});

describe('changed durations, on restart', () => {
  const deployment = new Deployment('durations');
  afterAll(() => deployment.close());

  it('apply to the keys already scheduled: a longer interval moves the end later, a shorter one sooner; an overlap grows but never shrinks', async () => {
    const es = (keys: Record<string, unknown>): Record<string, unknown> => policy({ algorithms: ['ES256'], ...keys });
    const initial = es({ rotationInterval: '60s', overlap: '20s' });
    let server = await deployment.start(initial);
    // A planned rotation now, so that one key is retiring and one active when the policy changes.
    const { key: rotated } = await cliJson<{ key: { kid: string } }>(['keys', 'rotate', '--reason', 'test'], deployment.cli(initial));
    const promoted = await eventually('the rotated key', () => loadCatalog(deployment.mongodbUri), (c) => keyOf(c, rotated.kid).state === 'active');
    const old = promoted.keys.find((key) => key.state === 'retiring')!;
    const activatedAt = keyOf(promoted, rotated.kid).activatesAt;
    expect(seconds(old.retiresAt, old.removesAt)).toBe(20);
    await server.stop();

    // Longer interval, shorter overlap: the active key signs 120 s; no key's overlap shrinks.
    server = await deployment.start(es({ rotationInterval: '120s', overlap: '10s' }));
    let catalog = await loadCatalog(deployment.mongodbUri);
    expect(keyOf(catalog, old.kid)).toMatchObject({ state: 'retiring', retiresAt: old.retiresAt, removesAt: old.removesAt });
    expect(keyOf(catalog, rotated.kid)).toMatchObject({ state: 'active', activatesAt: activatedAt });
    expect(seconds(activatedAt, keyOf(catalog, rotated.kid).retiresAt)).toBe(120);
    expect(seconds(keyOf(catalog, rotated.kid).retiresAt, keyOf(catalog, rotated.kid).removesAt)).toBe(20);
    await server.stop();

    // Shorter interval, longer overlap: the active key ends 20 s after it started; both keys stay 30 s after they stop signing.
    server = await deployment.start(es({ rotationInterval: '20s', overlap: '30s' }));
    catalog = await loadCatalog(deployment.mongodbUri);
    expect(keyOf(catalog, old.kid)).toMatchObject({ state: 'retiring', retiresAt: old.retiresAt });
    expect(seconds(old.retiresAt, keyOf(catalog, old.kid).removesAt)).toBe(30);
    const active = keyOf(catalog, rotated.kid);
    expect(seconds(activatedAt, active.retiresAt)).toBe(20);
    expect(seconds(active.retiresAt, active.removesAt)).toBe(30);
    const jwksMaxAge = Number(/max-age=(\d+)/.exec((await fetch(`${server.url}/jwks`)).headers.get('cache-control')!)![1]);
    expect(jwksMaxAge).toBeLessThanOrEqual(2);

    // The periodic job then rotates on the new schedule: the successor is published prePublish before, and signs at the new end.
    const rotatedAgain = await eventually('the next rotation', () => loadCatalog(deployment.mongodbUri), (c) => keyOf(c, rotated.kid).state === 'retiring', 30 * SECOND);
    const successor = rotatedAgain.keys.find((key) => key.state === 'active')!;
    // (The job runs every second: a transition happens at the first run at or after its time.)
    expect(seconds(active.retiresAt, successor.activatesAt)).toBeGreaterThanOrEqual(0);
    expect(seconds(active.retiresAt, successor.activatesAt)).toBeLessThan(3);
    expect(seconds(successor.createdAt, successor.activatesAt)).toBeGreaterThanOrEqual(4);
    expect(seconds(successor.activatesAt, successor.retiresAt)).toBe(20);
    expect(seconds(successor.retiresAt, successor.removesAt)).toBe(30);
    const retired = keyOf(rotatedAgain, rotated.kid);
    expect(retired.retiresAt).toEqual(successor.activatesAt);
    expect(seconds(retired.retiresAt, retired.removesAt)).toBe(30);
  }, 90_000);
});

describe('a rolling deploy that changes keys.algorithms', () => {
  const deployment = new Deployment('rolling');
  let connection: mongoose.Connection | undefined;
  afterAll(async () => {
    await connection?.close();
    await deployment.close();
  });

  it('two instances on different policies at once: every token either issues verifies against /jwks for its whole life', async () => {
    const rs = policy({ algorithms: ['RS256'], rotationInterval: '10s' });
    const es = policy({ algorithms: ['ES256'], rotationInterval: '10s' });
    let a = await deployment.start(rs);
    let b = await deployment.start(rs, await freePort());
    const { issuer } = deployment;
    await cliJson(['clients', 'add', '--client-id', 'svc', '--client-secret', SECRET, '--scope', 'api:read'], deployment.cli(rs));
    connection = await mongoose.createConnection(deployment.mongodbUri, { serverSelectionTimeoutMS: 3000 }).asPromise();
    const repo = new CatalogRepository(connection);

    const failures: string[] = [];
    const live: Array<{ token: string; exp: number; from: string }> = [];
    const issued: Array<{ at: number; alg: string; by: string; phase: number }> = [];
    const states = new Map<string, string[]>();
    // Each step comes `wait` seconds after the previous one is done (a restart takes longer on a
    // loaded machine); tokens are told apart by the phase they were issued in: 0 before the
    // deploy, n after step n was done.
    const steps: Array<{ wait: number; run: () => Promise<void> }> = [
      // The new policy reaches B first; A, still on the old one, keeps serving.
      { wait: 2, run: async () => { await b.stop(); b = await deployment.start(es, b.port); } },
      // A crashes and comes back on the old policy mid-deploy: it takes the catalog back to RS256 for a while.
      { wait: 6, run: async () => { await a.kill(); a = await deployment.start(rs, a.port); } },
      // Then A gets the new policy too.
      { wait: 6, run: async () => { await a.stop(); a = await deployment.start(es, a.port); } },
    ];
    const phaseStart = [0];
    const started = Date.now();
    const elapsedNow = (): number => (Date.now() - started) / SECOND;
    for (let n = 0; steps.length > 0 || elapsedNow() < Math.max(30, phaseStart.at(-1)! + 14); n++) {
      if (steps[0] && elapsedNow() >= phaseStart.at(-1)! + steps[0].wait) {
        await steps.shift()!.run();
        phaseStart.push(elapsedNow());
      }
      const phase = phaseStart.length - 1;
      const instance = n % 2 === 0 ? a : b;
      const by = instance === a ? 'a' : 'b';
      let token: string;
      try {
        token = await accessToken(instance.url);
      } catch (err) {
        failures.push((err as Error).message);
        continue;
      }
      issued.push({ at: elapsedNow(), alg: String(decodeProtectedHeader(token).alg), by, phase });
      live.push({ token, exp: decodeJwt(token).exp!, from: by });
      const sets = await Promise.all([jwks(a.url), jwks(b.url)]);
      const now = Date.now() / SECOND;
      live.splice(0, live.length, ...live.filter((entry) => entry.exp - now > 0.5));
      for (const entry of live) {
        for (const [i, set] of sets.entries()) {
          await jwtVerify(entry.token, createLocalJWKSet(set), { issuer, audience: `${issuer}/api`, typ: 'at+jwt' })
            .catch((err: Error) => failures.push(`${decodeProtectedHeader(entry.token).alg} ${decodeProtectedHeader(entry.token).kid} from ${entry.from}, at ${'ab'[i]}'s /jwks: ${err.message}`));
        }
      }
      const catalog = (await repo.load())!;
      if (!catalog.keys.some((key) => key.state === 'active')) failures.push(`version ${catalog.version}: no active key`);
      for (const key of catalog.keys) {
        const seen = states.get(key.kid) ?? [];
        if (seen.at(-1) !== key.state) states.set(key.kid, [...seen, key.state]);
        if ((key.sealedPrivateJwk === null) !== (key.state === 'retired' || key.state === 'revoked')) failures.push(`${key.kid} is ${key.state} with its private part ${key.sealedPrivateJwk ? 'kept' : 'gone'}`);
      }
      await sleep(100);
    }
    expect(failures).toEqual([]);
    // Tokens came from both instances before the deploy and after it (how many depends on the machine's speed).
    for (const phase of [0, 3]) {
      const from = issued.filter((entry) => entry.phase === phase);
      expect([phase, [...new Set(from.map((entry) => entry.by))].sort()]).toEqual([phase, ['a', 'b']]);
    }
    // States only move forward (a key may be created and gone between two looks).
    const order = ['pending', 'active', 'retiring', 'retired'];
    for (const [kid, path] of states) {
      const forward = path.every((state, i) => i === 0 || order.indexOf(state) > order.indexOf(path[i - 1]!));
      expect([kid, path, forward]).toEqual([kid, path, true]);
    }
    // While B alone had the new policy, both instances signed ES256: A has no RS256 key left to sign with.
    const bAlone = issued.filter((entry) => entry.phase === 1 && entry.at > phaseStart[1]! + 1);
    expect(bAlone.map((entry) => entry.alg)).toEqual(expect.arrayContaining(['ES256']));
    expect(bAlone.filter((entry) => entry.alg !== 'ES256')).toEqual([]);
    expect(a.output() + b.output()).toContain('no algorithm of keys.algorithms has an active key');
    // Once the deploy is over, nothing signs RS256 and every RS256 key has left the JWKS and the database.
    expect(issued.filter((entry) => entry.phase === 3 && entry.at > phaseStart[3]! + 2).every((entry) => entry.alg === 'ES256')).toBe(true);
    const settled = await eventually('RS256 keys', async () => (await repo.load())!, (c) => c.keys.every((key) => key.alg !== 'RS256' || key.state === 'retired'));
    expect(settled.keys.filter((key) => key.alg === 'RS256').length).toBeGreaterThanOrEqual(2);
    expect(settled.keys.filter((key) => key.alg === 'RS256' && key.sealedPrivateJwk !== null)).toEqual([]);
    expect((await jwks(a.url)).keys.every((key) => key.alg === 'ES256')).toBe(true);
  }, 120_000);
});
