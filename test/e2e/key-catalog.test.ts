import { afterAll, describe, expect, it } from '@jest/globals';
import { createConnection } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startServer, runServerExpectingExit, type RunningServer } from '../helpers/server.js';
import { cliJson } from '../helpers/cli.js';
import { newKek, uniqueMongoUri } from '../helpers/engines.js';
import { authorize, tokenRequest } from '../helpers/browser.js';
import { dropDatabase, dumpDatabase } from '../helpers/database.js';

interface KeyList {
  version: number;
  keys: Array<{ kid: string; alg: string; state: string }>;
}

const jwksKids = async (url: string): Promise<string[]> =>
  ((await (await fetch(`${url}/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid);

describe('the key catalog', () => {
  const databases: string[] = [];
  const servers: RunningServer[] = [];
  const database = (label: string): string => {
    const uri = uniqueMongoUri(label);
    databases.push(uri);
    return uri;
  };

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await Promise.all(databases.map(dropDatabase));
  });

  it('two instances started at the same moment on an empty database end with one active key per algorithm', async () => {
    const mongodbUri = database('race');
    const kek = newKek();
    const config = { keys: { algorithms: ['RS256', 'ES256', 'EdDSA'] } };
    const started = await Promise.all([startServer({ mongodbUri, kek, config }), startServer({ mongodbUri, kek, config })]);
    servers.push(...started);
    const { version, keys } = await cliJson<KeyList>(['keys', 'list'], { MONGODB_URI: mongodbUri, KEK: kek, ROTOR_CONFIG: '' });
    expect(version).toBe(1);
    for (const alg of ['RS256', 'ES256', 'EdDSA']) {
      expect(keys.filter((key) => key.alg === alg && key.state === 'active')).toHaveLength(1);
    }
    expect(keys).toHaveLength(3);
    const [a, b] = await Promise.all(started.map((server) => jwksKids(server.url)));
    expect(a!.sort()).toEqual(b!.sort());
    expect(a!.sort()).toEqual(keys.map((key) => key.kid).sort());
  });

  it('a restart keeps the keys, and tokens signed before it still verify after it', async () => {
    const mongodbUri = database('restart');
    const kek = newKek();
    const first = await startServer({ mongodbUri, kek });
    await cliJson(['clients', 'add', '--client-id', 'svc', '--client-secret', 'svc-secret-0123456789-abcdefghijkl', '--scope', 'api:read api:write'], { MONGODB_URI: mongodbUri, KEK: kek });
    const issued = await tokenRequest(first.url, { grant_type: 'client_credentials' }, ['svc', 'svc-secret-0123456789-abcdefghijkl']);
    const before = await jwksKids(first.url);
    await first.stop();
    const second = await startServer({ mongodbUri, kek, port: first.port });
    servers.push(second);
    expect(await jwksKids(second.url)).toEqual(before);
    const { payload } = await jwtVerify(issued.body.access_token as string, createRemoteJWKSet(new URL(`${second.url}/jwks`)));
    expect(payload.sub).toBe('svc');
  });

  it('an instance with a different KEK refuses to start and says why', async () => {
    const mongodbUri = database('wrongkek');
    const server = await startServer({ mongodbUri, kek: newKek() });
    servers.push(server);
    const { code, stderr } = await runServerExpectingExit({ mongodbUri, kek: newKek() });
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/KEK/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('no collection holds a private key, a password or a client secret in plaintext', async () => {
    const mongodbUri = database('scan');
    const kek = newKek();
    const server = await startServer({ mongodbUri, kek, config: { keys: { algorithms: ['RS256', 'ES256'] } } });
    servers.push(server);
    const env = { MONGODB_URI: mongodbUri, KEK: kek };
    const redirect = 'http://127.0.0.1:9/cb';
    await cliJson(['users', 'add', '--username', 'carol', '--password', 'carols-secret-password'], env);
    await cliJson(['clients', 'add', '--client-id', 'web', '--client-secret', 'web-client-secret-value-0123456789', '--redirect-uri', redirect, '--scope', 'openid offline_access api:read'], env);
    const issuer = server.url.replace('127.0.0.1', 'localhost');
    const { code, verifier } = await authorize({ issuer, clientId: 'web', redirectUri: redirect, scope: 'openid offline_access api:read', username: 'carol', password: 'carols-secret-password' });
    const { status } = await tokenRequest(issuer, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirect }, ['web', 'web-client-secret-value-0123456789']);
    expect(status).toBe(200);

    const dump = JSON.stringify(await dumpDatabase(mongodbUri));
    expect(dump).toContain('"kty"');
    expect(dump).not.toMatch(/"d"\s*:/);
    expect(dump).not.toMatch(/\\"d\\"\s*:/);
    expect(dump).not.toContain('carols-secret-password');
    expect(dump).not.toContain('web-client-secret-value-0123456789');
    expect(dump).not.toContain('BEGIN PRIVATE KEY');
    expect(dump).not.toContain(kek);
    const jwks = await (await fetch(`${server.url}/jwks`)).text();
    expect(jwks).not.toMatch(/"(d|p|q|dp|dq|qi)"/);
  });

  it.each([
    [{ keys: { prePublish: '5m' }, jwks: { maxAge: '10m' } }, /keys\.prePublish .* must be >= jwks\.maxAge \+ keys\.tick/],
    [{ keys: { overlap: '1m' } }, /keys\.overlap .* must be >= max\(accessTokenTTL, idTokenTTL\) \+ clockSkew/],
    [{ keys: { rotationInterval: '1d' } }, /keys\.rotationInterval .* must be > keys\.prePublish/],
    [{ keys: { algorithms: ['HS256'] } }, /keys\.algorithms\.0/],
    [{ tokens: { accessTokenTTL: 'five minutes' } }, /tokens\.accessTokenTTL: must be a duration/],
  ])('bad configuration %j stops start-up with one line before any port opens', async (config, message) => {
    const { code, stderr, port } = await runServerExpectingExit({ mongodbUri: database('badcfg'), kek: newKek(), config });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
    const listening = await new Promise<boolean>((done) => {
      const socket = createConnection(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); done(true); });
      socket.once('error', () => done(false));
    });
    expect(listening).toBe(false);
  });
});
