import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { startServer, runServerExpectingExit, type RunningServer } from '../helpers/server.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { cliJson, runCli } from '../helpers/cli.js';
import { authorize, pkcePair, tokenRequest, type Browser } from '../helpers/browser.js';
import { kekFromBytes } from '../../src/keys/seal.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const SVC_SECRET = 'svc-secret-0123456789-abcdefghijkl';
const PASSWORD = 'correct horse battery';

interface RewrapResult {
  kekId: string;
  rewrapped: { rootSecret: number; catalogKeys: number; clientSecrets: number };
  alreadyCurrent: number;
  remaining: number;
  removableKeks: string[];
}

describe('rotating the KEK on a running pair of instances', () => {
  const kek = (bytes: Buffer) => ({ base64: bytes.toString('base64'), id: kekFromBytes(bytes).id });
  const [B, C] = [kek(randomBytes(32)), kek(randomBytes(32))];
  /** The KEK the deployment started with. */
  let A: { base64: string; id: string };
  let cluster: Cluster;
  let servers: RunningServer[];
  let issuer: string;
  let browser: Browser;
  let refreshToken: string;

  beforeAll(async () => {
    cluster = await startCluster('kekrotation', 2, {}, [
      ['--client-id', 'spa', '--public', '--redirect-uri', REDIRECT, '--scope', 'openid offline_access api:read'],
      ['--client-id', 'svc', '--client-secret', SVC_SECRET, '--scope', 'api:read'],
    ]);
    ({ issuer, servers } = cluster);
    A = kek(Buffer.from(cluster.kek, 'base64'));
    await cliJson(['users', 'add', '--username', 'alice', '--password-stdin'], cluster.cliEnv, `${PASSWORD}\n`);
  }, 60_000);

  // `servers` is the cluster's own list, restarted in place: closing the cluster stops them.
  afterAll(() => cluster?.close());

  const cli = (keks: string) => ({ ...cluster.cliEnv, KEK: keks });

  /** Restarts the instances one at a time with `kek`, each on its own port, checking in between. */
  async function rollingRestart(keks: string): Promise<void> {
    for (const [index, server] of servers.entries()) {
      await server.stop();
      servers[index] = await startServer({ mongodbUri: cluster.mongodbUri, kek: keks, issuer, port: server.port });
      await expectEverythingWorks();
    }
  }

  /**
   * The signed-in session still signs in silently, the refresh token still refreshes (on each
   * instance in turn, rotating), and the confidential client's secret is still accepted.
   */
  async function expectEverythingWorks(): Promise<void> {
    const { challenge } = pkcePair();
    const params = new URLSearchParams({ client_id: 'spa', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', prompt: 'none', code_challenge: challenge, code_challenge_method: 'S256' });
    let res = await browser.request(`${issuer}/auth?${params}`);
    for (let hops = 0; hops < 5 && !res.headers.get('location')?.startsWith(REDIRECT); hops++) res = await browser.request(new URL(res.headers.get('location')!, issuer).toString());
    const landed = new URL(res.headers.get('location')!);
    expect(landed.searchParams.get('error')).toBeNull();
    expect(landed.searchParams.get('code')).toBeTruthy();

    for (const server of servers) {
      const refreshed = await tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'spa' });
      expect(refreshed).toMatchObject({ status: 200 });
      refreshToken = refreshed.body.refresh_token as string;
      const credentials = await tokenRequest(server.url, { grant_type: 'client_credentials', scope: 'api:read' }, ['svc', SVC_SECRET]);
      expect(credentials).toMatchObject({ status: 200 });
    }
  }

  /** How an instance fails to start with only `kek`: exit code and its one line. */
  async function refusedStart(keks: string): Promise<{ code: number | null; line: string }> {
    const { code, stderr } = await runServerExpectingExit({ mongodbUri: cluster.mongodbUri, kek: keks, issuer });
    expect(stderr.trim().split('\n')).toHaveLength(1);
    return { code, line: stderr.trim() };
  }

  it('nothing breaks, and after rewrap the old KEK can be dropped', async () => {
    const login = await authorize({ issuer, clientId: 'spa', redirectUri: REDIRECT, scope: 'openid offline_access api:read', username: 'alice', password: PASSWORD });
    browser = login.browser;
    const tokens = await tokenRequest(issuer, { grant_type: 'authorization_code', code: login.code, code_verifier: login.verifier, redirect_uri: REDIRECT, client_id: 'spa' });
    expect(tokens.status).toBe(200);
    refreshToken = tokens.body.refresh_token as string;
    await expectEverythingWorks();

    // The new KEK goes in last everywhere (every instance can open what it will seal), then first.
    await rollingRestart(`${A.base64},${B.base64}`);
    await rollingRestart(`${B.base64},${A.base64}`);

    // Until the rewrap, the old KEK is still needed, and a start without it says what for.
    const early = await refusedStart(B.base64);
    expect(early.code).toBe(1);
    expect(early.line).toMatch(new RegExp(`the root secret, (catalog key|\\d+ catalog keys) .* and 2 client secrets \\((rotor-console, svc|svc, rotor-console)\\) are sealed under KEK ${A.id}, which is not in KEK/KEK_FILE`));

    const rewrap = await cliJson<RewrapResult>(['kek', 'rewrap', '--reason', 'yearly KEK rotation'], cli(`${B.base64},${A.base64}`));
    expect(rewrap).toMatchObject({ kekId: B.id, rewrapped: { rootSecret: 1, clientSecrets: 2 }, remaining: 0, removableKeks: [A.id] });
    expect(rewrap.rewrapped.catalogKeys).toBeGreaterThanOrEqual(1);
    await expectEverythingWorks();

    const again = await cliJson<RewrapResult>(['kek', 'rewrap'], cli(`${B.base64},${A.base64}`));
    expect(again).toMatchObject({ rewrapped: { rootSecret: 0, catalogKeys: 0, clientSecrets: 0 }, remaining: 0 });
    // The root secret, the catalog keys, and the secrets of svc and of the console's own client.
    expect(again.alreadyCurrent).toBe(1 + rewrap.rewrapped.catalogKeys + 2);

    await rollingRestart(B.base64);

    const lost = await refusedStart(C.base64);
    expect(lost.code).toBe(1);
    expect(lost.line).toContain(`sealed under KEK ${B.id}, which is not in KEK/KEK_FILE`);
    expect(lost.line).toContain('the root secret');
    expect(lost.line).not.toContain(B.base64);
    await expectEverythingWorks();
  }, 180_000);

  it('every rewrap is one audit event naming the CLI user, with its counts', async () => {
    const connection = await mongoose.createConnection(cluster.mongodbUri).asPromise();
    try {
      const events = await connection.db!.collection('audit_events').find({ action: 'kek.rewrap' }).sort({ _id: 1 }).toArray();
      expect(events).toHaveLength(2);
      expect(events[0]).toMatchObject({ actor: expect.stringMatching(/^cli:.+@.+/), target: B.id, reason: 'yearly KEK rotation', outcome: 'ok', detail: { rootSecret: 1, clientSecrets: 2, remaining: 0 } });
      expect(events[1]).toMatchObject({ detail: { rootSecret: 0, catalogKeys: 0, clientSecrets: 0 } });
    } finally {
      await connection.close();
    }
  });

  it('the CLI names kek in its usage and refuses an unknown kek command with exit 2', async () => {
    const help = await runCli(['--help'], {});
    expect(help.stdout).toContain('rotor kek rewrap');
    const wrong = await runCli(['kek', 'rotate'], cli(B.base64));
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('rotor kek rewrap');
  });
});
