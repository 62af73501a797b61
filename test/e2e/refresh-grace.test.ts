import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { RunningServer } from '../helpers/server.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { cliJson } from '../helpers/cli.js';
import { authorize, tokenRequest } from '../helpers/browser.js';
import { dumpDatabase } from '../helpers/database.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const SCOPE = 'openid offline_access profile api:read';
const GRACE_MS = 3000;

interface AuditRow { seq: number; action: string; actor: string; target: string; outcome: string }

describe('tokens.refreshReuseGrace: a lost answer to a refresh is given again, a stolen token still revokes', () => {
  let cluster: Cluster;
  let issuer: string;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    cluster = await startCluster('grace', 2, { tokens: { refreshReuseGrace: `${GRACE_MS / 1000}s` } }, [
      ['--client-id', 'spa', '--public', '--redirect-uri', REDIRECT, '--scope', SCOPE],
      ['--client-id', 'other', '--public', '--redirect-uri', REDIRECT, '--scope', SCOPE],
    ]);
    issuer = cluster.issuer;
    [a, b] = cluster.servers as [RunningServer, RunningServer];
    await cliJson(['users', 'add', '--username', 'alice', '--password-stdin'], cluster.cliEnv, 'correct horse battery\n');
  }, 60_000);

  afterAll(() => cluster?.close());

  /** A fresh grant: its first refresh token. */
  const signIn = async (): Promise<string> => {
    const { code, verifier } = await authorize({ issuer, clientId: 'spa', redirectUri: REDIRECT, scope: SCOPE, username: 'alice', password: 'correct horse battery' });
    const { body } = await tokenRequest(issuer, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: 'spa' });
    return body.refresh_token as string;
  };
  const refresh = async (at: RunningServer, token: string, clientId = 'spa') => tokenRequest(at.url, { grant_type: 'refresh_token', refresh_token: token, client_id: clientId });
  const verifies = async (accessToken: unknown) => jwtVerify(accessToken as string, createRemoteJWKSet(new URL(`${issuer}/jwks`)), { issuer, audience: `${issuer}/api`, typ: 'at+jwt' });
  const auditRows = async (): Promise<AuditRow[]> => ((await dumpDatabase(cluster.mongodbUri)).audit_events as AuditRow[]).sort((x, y) => x.seq - y.seq);
  /** How many audit events there are so far: {@link auditSince} returns the ones after. */
  const auditMark = async (): Promise<number> => (await auditRows()).length;
  /** The refresh-token audit events since `mark` (recorded after the answer: waits for `count` of `action`). */
  const auditSince = async (mark: number, action: string, count = 1): Promise<AuditRow[]> => {
    for (let i = 0; ; i++) {
      const rows = (await auditRows()).slice(mark).filter((row) => row.action.startsWith('refresh_token.'));
      if (rows.filter((row) => row.action === action).length >= count || i === 20) return rows;
      await sleep(100);
    }
  };
  const expectRevoked = async (answer: { status: number; body: Record<string, unknown> }, ...deadTokens: string[]) => {
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_grant');
    for (const token of deadTokens) expect((await refresh(a, token)).body.error).toBe('invalid_grant');
  };

  it('a refresh token sent again inside the window gets the same successor and a new access token that verifies', async () => {
    const original = await signIn();
    const first = await refresh(a, original);
    expect(first.status).toBe(200);
    const again = await refresh(b, original);
    expect(again.status).toBe(200);
    expect(again.body.refresh_token).toBe(first.body.refresh_token);
    expect(again.body.access_token).not.toBe(first.body.access_token);
    await verifies(again.body.access_token);
    const successor = first.body.refresh_token as string;
    expect(successor).toMatch(/^rotor_rt_[A-Za-z0-9_-]{48}$/);
    // The successor is derived, not kept: its value appears nowhere in the database.
    expect(JSON.stringify(await dumpDatabase(cluster.mongodbUri))).not.toContain(successor.slice('rotor_rt_'.length));
    // The successor still works, once.
    const next = await refresh(a, successor);
    expect(next.status).toBe(200);
    expect(next.body.refresh_token).not.toBe(successor);
  });

  it('a replay is audited as refresh_token.replay, not as reuse, and revokes nothing', async () => {
    const original = await signIn();
    const mark = await auditMark();
    const first = await refresh(a, original);
    expect((await refresh(a, original)).status).toBe(200);
    const rows = await auditSince(mark, 'refresh_token.replay');
    expect(rows).toEqual([expect.objectContaining({ action: 'refresh_token.replay', actor: 'client:spa', outcome: 'ok' })]);
    expect((await refresh(b, first.body.refresh_token as string)).status).toBe(200);
  });

  it('five simultaneous requests with one refresh token all get the same successor, which then works', async () => {
    const original = await signIn();
    const mark = await auditMark();
    const answers = await Promise.all([a, b, a, b, a].map((server) => refresh(server, original)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    const successors = new Set(answers.map((answer) => answer.body.refresh_token));
    expect(successors.size).toBe(1);
    expect(new Set(answers.map((answer) => answer.body.access_token)).size).toBe(5);
    const rows = await auditSince(mark, 'refresh_token.replay', 4);
    expect(rows.map((row) => row.action)).toEqual(Array(4).fill('refresh_token.replay'));
    const next = await refresh(b, [...successors][0] as string);
    expect(next.status).toBe(200);
  });

  it('after the window, the old token is invalid_grant and the grant is revoked, successor too', async () => {
    const original = await signIn();
    const mark = await auditMark();
    const first = await refresh(a, original);
    expect(first.status).toBe(200);
    await sleep(GRACE_MS + 200);
    await expectRevoked(await refresh(b, original), first.body.refresh_token as string);
    expect((await auditSince(mark, 'refresh_token.reuse')).map((row) => row.action)).toEqual(['refresh_token.reuse']);
  });

  it('once the successor was used, the old token is invalid_grant and the grant is revoked, newest token too', async () => {
    const original = await signIn();
    const mark = await auditMark();
    const first = await refresh(a, original);
    const second = await refresh(b, first.body.refresh_token as string);
    expect(second.status).toBe(200);
    await expectRevoked(await refresh(a, original), second.body.refresh_token as string, first.body.refresh_token as string);
    expect((await auditSince(mark, 'refresh_token.reuse')).map((row) => row.action)).toEqual(['refresh_token.reuse']);
  });

  it('another client presenting the spent token inside the window is invalid_grant and the grant is revoked', async () => {
    const original = await signIn();
    const mark = await auditMark();
    const first = await refresh(a, original);
    await expectRevoked(await refresh(b, original, 'other'), first.body.refresh_token as string);
    expect((await refresh(a, original)).body.error).toBe('invalid_grant');
    expect((await auditSince(mark, 'refresh_token.reuse')).map((row) => row.action)).toEqual(['refresh_token.reuse']);
  });

  it('a refresh token used once is not audited as a replay', async () => {
    const original = await signIn();
    const mark = await auditMark();
    expect((await refresh(a, original)).status).toBe(200);
    await sleep(300);
    expect(await auditSince(mark, 'refresh_token.replay', 0)).toEqual([]);
  });

});
