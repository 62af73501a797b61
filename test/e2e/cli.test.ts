import { afterAll, describe, expect, it } from '@jest/globals';
import { runCli, cliJson } from '../helpers/cli.js';
import { newKek, uniqueMongoUri } from '../helpers/engines.js';
import { dropDatabase } from '../helpers/database.js';
import { writeConfig } from '../helpers/server.js';

describe('the rotor CLI', () => {
  const mongodbUri = uniqueMongoUri('cli');
  const env = { MONGODB_URI: mongodbUri, KEK: newKek() };

  afterAll(() => dropDatabase(mongodbUri));

  it('adds a user with the password on stdin and refuses the same username twice', async () => {
    const added = await cliJson<{ username: string; sub: string }>(['users', 'add', '--username', 'dave', '--password-stdin'], env, 'daves-password\n');
    expect(added.username).toBe('dave');
    expect(added.sub).toMatch(/^[0-9a-f-]{36}$/);
    const again = await runCli(['users', 'add', '--username', 'dave', '--password', 'another-password'], env);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe('rotor: user dave already exists');
  });

  it('generates a secret for a confidential client without one and shows it once', async () => {
    const added = await cliJson<{ client_id: string; client_secret: string }>(['clients', 'add', '--client-id', 'backend', '--scope', 'api:read'], env);
    expect(added.client_secret).toMatch(/^rotor_cs_[A-Za-z0-9_-]{48}$/);
  });

  it('lists the catalog as JSON with ISO 8601 times and no private part', async () => {
    const list = await runCli(['keys', 'list', '--json'], env);
    expect(list.code).toBe(0);
    const parsed = JSON.parse(list.stdout) as { version: number; keys: Array<Record<string, string>> };
    expect(parsed.version).toBeGreaterThanOrEqual(1);
    expect(parsed.keys[0]!.state).toBe('active');
    expect(new Date(parsed.keys[0]!.activatesAt!).toISOString()).toBe(parsed.keys[0]!.activatesAt);
    expect(list.stdout).not.toContain('sealed');
    expect(list.stderr).toBe('');
  });

  it.each([
    [['users', 'add', '--username', 'eve'], 2, /password is required/],
    [['users', 'add', '--password', 'x'], 2, /--username is required/],
    [['clients', 'add', '--client-id', 'x', '--scope', 'api:read', '--public', '--client-secret', 's'], 2, /public client has no secret/],
    [['clients', 'add', '--client-id', 'x', '--scope', 'api:read', '--grant-type', 'implicit'], 2, /--grant-type implicit/],
    [['clients', 'add', '--client-id', 'x', '--scope', 'openid', '--redirect-uri', 'not a uri'], 1, /invalid client: redirect_uris/],
    [['clients', 'add', '--client-id', 'x', '--bogus'], 2, /bogus/],
    [['frobnicate'], 2, /unknown command "frobnicate"/],
    [['clients', 'add', '--client-id', '-5', '--scope', 'api:read'], 2, /--client-id.*ambiguous/],
    [['keys', 'rollover', '--reason', 'leaked', '--compromised', '', '--dry-run'], 2, /--compromised must not be empty/],
    [['keys', 'rotate', '--alg', '', '--dry-run'], 2, /--alg must not be empty/],
    [['keys', 'revoke', '', '--reason', 'leaked'], 2, /usage: rotor keys revoke KID/],
    [['keys', 'list', 'extra'], 2, /unexpected argument "extra"/],
  ])('rotor %j exits %i with one clear line on stderr', async (args, code, message) => {
    const result = await runCli(args, env);
    expect(result.code).toBe(code);
    expect(result.stderr.trim().split('\n')[0]).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a duration too large to mean anything is a one-line settings error, not a plan to apply', async () => {
    const result = await runCli(['keys', 'rotate', '--dry-run'], { ...env, ROTOR_CONFIG: writeConfig({ keys: { rotationInterval: '99999999999999999999d' } }) });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^rotor: config: keys\.rotationInterval: .*at most 3650d/)]);
  });

  it('--help prints the usage and exits 0', async () => {
    const result = await runCli(['--help'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: rotor/);
  });

  it('says clearly when MongoDB is unreachable', async () => {
    const result = await runCli(['keys', 'list'], { ...env, MONGODB_URI: 'mongodb://127.0.0.1:1/rotor' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^rotor: MongoDB at mongodb:\/\/127\.0\.0\.1:1\/rotor is unreachable/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('the CLI emergency commands', () => {
  const mongodbUri = uniqueMongoUri('cliemerg');
  const env = { MONGODB_URI: mongodbUri, KEK: newKek() };

  afterAll(() => dropDatabase(mongodbUri));

  it('on an empty catalog an emergency command says to start an instance first', async () => {
    const empty = await runCli(['keys', 'rollover', '--reason', 'too early'], env);
    expect(empty.code).toBe(1);
    expect(empty.stderr.trim()).toBe('rotor: the catalog is empty: start an instance first');
    await cliJson(['clients', 'add', '--client-id', 'bootstrap', '--scope', 'api:read'], env);
  });

  it('rollover --dry-run changes nothing; rollover revokes the active key and names its successor', async () => {
    const before = await cliJson<{ version: number; keys: Array<{ kid: string; state: string }> }>(['keys', 'list'], env);
    const active = before.keys.find((key) => key.state === 'active')!.kid;
    const dry = await cliJson<{ dryRun: boolean; changes: Array<{ kid: string; to: string }> }>(['keys', 'rollover', '--reason', 'drill', '--dry-run'], env);
    expect(dry.dryRun).toBe(true);
    expect(dry.changes).toEqual(expect.arrayContaining([expect.objectContaining({ kid: active, to: 'revoked' })]));
    expect((await cliJson<{ version: number }>(['keys', 'list'], env)).version).toBe(before.version);

    const done = await cliJson<{ version: number; activeKid: string; revokedKids: string[] }>(['keys', 'rollover', '--reason', 'leaked in CI logs'], env);
    expect(done.revokedKids).toEqual([active]);
    const after = await cliJson<{ keys: Array<{ kid: string; state: string; reason?: string }> }>(['keys', 'list'], env);
    expect(after.keys.find((key) => key.kid === active)).toMatchObject({ state: 'revoked', reason: 'leaked in CI logs' });
    expect(after.keys.find((key) => key.kid === done.activeKid)?.state).toBe('active');
  });

  it('rollover revokes the pending keys of the family too, unless --promote-pending lets the oldest one sign', async () => {
    type Keys = { keys: Array<{ kid: string; state: string }> };
    const inState = async (state: string) => (await cliJson<Keys>(['keys', 'list'], env)).keys.filter((key) => key.state === state).map((key) => key.kid);
    const rotateEnv = { ...env, ROTOR_CONFIG: writeConfig({ admin: { rotationMinInterval: '0s' } }) };
    await cliJson(['keys', 'rotate', '--reason', 'standby'], rotateEnv);
    const [pending] = await inState('pending');
    const [active] = await inState('active');
    const done = await cliJson<{ activeKid: string; revokedKids: string[] }>(['keys', 'rollover', '--reason', 'heap dump leaked'], env);
    expect(done.revokedKids).toEqual([active, pending]);
    expect([active, pending]).not.toContain(done.activeKid);

    await cliJson(['keys', 'rotate', '--reason', 'standby again'], rotateEnv);
    const [standby] = await inState('pending');
    const promoted = await cliJson<{ activeKid: string; revokedKids: string[] }>(['keys', 'rollover', '--reason', 'one key leaked', '--promote-pending'], env);
    expect(promoted).toMatchObject({ activeKid: standby, revokedKids: [done.activeKid] });
  });

  it('revoke and rollover without a reason are refused, and audit verify passes afterwards', async () => {
    const noReason = await runCli(['keys', 'rollover'], env);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr.trim()).toMatch(/--reason is required/);
    const unknown = await runCli(['keys', 'revoke', 'no-such-kid', '--reason', 'typo test'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('rotor: no key with kid no-such-kid');
    const verify = await runCli(['audit', 'verify', '--json'], env);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });
  });
});
