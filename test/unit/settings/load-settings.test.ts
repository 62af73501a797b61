import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSettings } from '../../../src/settings/load-settings.js';
import { SettingsError } from '../../../src/settings/settings-error.js';

const REAL_DEFAULTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../config/default.json');
const MINUTE = 60;
const HOUR = 3600;
const DAY = 86400;
const KEY_A = Buffer.alloc(32, 1).toString('base64');

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rotor-settings-'));
  mkdirSync(join(root, 'config'));
  copyFileSync(REAL_DEFAULTS, join(root, 'config/default.json'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

let fileCount = 0;
/** Writes an extra config file (JSON value or raw text) and returns its absolute path. */
function configFile(content: unknown): string {
  const path = join(root, `extra-${++fileCount}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** Loads settings with `overrides` in a ROTOR_CONFIG file on top of the real defaults. */
const withConfig = (overrides: unknown, env: Record<string, string> = {}) =>
  loadSettings(root, { ROTOR_CONFIG: configFile(overrides), ...env });

/** Start-up refuses the configuration with one line that names the key and the rule. */
function expectRefused(load: () => unknown, ...mentions: (string | RegExp)[]): string {
  let caught: unknown;
  try {
    load();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SettingsError);
  const error = caught as SettingsError;
  expect(error.code).toBe('ROTOR_BAD_CONFIG');
  expect(error.message).not.toMatch(/[\r\n]/);
  for (const mention of mentions) {
    if (typeof mention === 'string') expect(error.message).toContain(mention);
    else expect(error.message).toMatch(mention);
  }
  return error.message;
}

describe('settings with nothing but the shipped defaults', () => {
  it('match the documented defaults, in seconds', () => {
    const settings = loadSettings(root, {});
    expect(settings.port).toBe(3000);
    expect(settings.issuer).toBe('http://localhost:3000');
    expect(settings.mongodbUri).toBe('mongodb://127.0.0.1:27017/rotor');
    expect(settings.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(settings.kekFile).toBe(join(root, 'keys/kek'));
    expect(settings.kekList).toBeUndefined();
    expect(settings.logLevel).toBe('info');
    expect(settings.production).toBe(false);
    expect(settings.keys).toEqual({ algorithms: ['RS256'], rotationInterval: 30 * DAY, prePublish: 2 * DAY, overlap: DAY, tick: 30, activation: 'time', maxActivationDelay: DAY });
    expect(settings.readiness).toEqual({ window: 7 * DAY });
    expect(settings.jwks).toEqual({ maxAge: 10 * MINUTE });
    expect(settings.tokens).toEqual({
      accessTokenTTL: 5 * MINUTE, idTokenTTL: HOUR, refreshTokenTTL: 30 * DAY, refreshTokenIdleTTL: 14 * DAY, clockSkew: 30, refreshReuseGrace: 0,
    });
    expect(settings.defaultResource.scope).toBe('api:read api:write');
    expect(settings.resourceServers).toEqual({});
  });

  it('refuse a keys.activation other than "time" or "uptake"', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rotor-settings-')), 'activation.json');
    writeFileSync(file, JSON.stringify({ keys: { activation: 'eventually' } }));
    expect(() => loadSettings(root, { ROTOR_CONFIG: file })).toThrow(/keys\.activation/);
  });

  it('cannot be changed once loaded', () => {
    const settings = loadSettings(root, {}) as { port: number };
    expect(Object.isFrozen(settings)).toBe(true);
    expect(() => { settings.port = 1; }).toThrow(TypeError);
  });

  it('the issuer follows PORT when ISSUER is not set', () => {
    expect(loadSettings(root, { PORT: '4100' }).issuer).toBe('http://localhost:4100');
  });
});

describe('configuration files merge key by key', () => {
  it('default, then config/<NODE_ENV>.json, then ROTOR_CONFIG, later ones winning', () => {
    const envDir = mkdtempSync(join(tmpdir(), 'rotor-settings-env-'));
    try {
      mkdirSync(join(envDir, 'config'));
      copyFileSync(REAL_DEFAULTS, join(envDir, 'config/default.json'));
      writeFileSync(join(envDir, 'config/staging.json'), JSON.stringify({
        keys: { algorithms: ['ES256', 'EdDSA'], prePublish: '3d' },
        tokens: { accessTokenTTL: '2m' },
      }));
      const settings = loadSettings(envDir, {
        NODE_ENV: 'staging',
        ROTOR_CONFIG: configFile({ keys: { prePublish: '4d' }, jwks: { maxAge: '5m' } }),
      });
      // from ROTOR_CONFIG, over the NODE_ENV file
      expect(settings.keys.prePublish).toBe(4 * DAY);
      expect(settings.jwks.maxAge).toBe(5 * MINUTE);
      // from the NODE_ENV file, untouched by ROTOR_CONFIG
      expect(settings.keys.algorithms).toEqual(['ES256', 'EdDSA']);
      expect(settings.tokens.accessTokenTTL).toBe(2 * MINUTE);
      // siblings nobody overrode keep their defaults
      expect(settings.keys.rotationInterval).toBe(30 * DAY);
      expect(settings.keys.overlap).toBe(DAY);
      expect(settings.tokens.idTokenTTL).toBe(HOUR);
    } finally {
      rmSync(envDir, { recursive: true, force: true });
    }
  });

  it('a NODE_ENV without its own file is fine', () => {
    expect(loadSettings(root, { NODE_ENV: 'no-such-env' }).keys.algorithms).toEqual(['RS256']);
  });

  it('NODE_ENV=production marks the settings as production', () => {
    expect(loadSettings(root, { NODE_ENV: 'production' }).production).toBe(true);
  });

  it('a list in a later file replaces the earlier list instead of adding to it', () => {
    expect(withConfig({ keys: { algorithms: ['PS256'] } }).keys.algorithms).toEqual(['PS256']);
  });
});

describe('the environment wins over the files', () => {
  it('for PORT, ISSUER, MONGODB_URI, REDIS_URL, KEK, KEK_FILE and LOG_LEVEL', () => {
    const settings = withConfig({}, {
      PORT: '8443',
      ISSUER: 'https://id.example.com/',
      MONGODB_URI: 'mongodb://db.example.com:27017/prod',
      REDIS_URL: 'rediss://cache.example.com:6380',
      KEK: KEY_A,
      KEK_FILE: 'secrets/kek',
      LOG_LEVEL: 'debug',
    });
    expect(settings.port).toBe(8443);
    expect(settings.issuer).toBe('https://id.example.com');
    expect(settings.mongodbUri).toBe('mongodb://db.example.com:27017/prod');
    expect(settings.redisUrl).toBe('rediss://cache.example.com:6380');
    expect(settings.kekList).toEqual([KEY_A]);
    expect(settings.kekFile).toBe(join(root, 'secrets/kek'));
    expect(settings.logLevel).toBe('debug');
  });
});

describe('durations', () => {
  it('read "30s", "5m", "12h", "30d" and plain numbers as seconds', () => {
    const settings = withConfig({
      keys: { rotationInterval: '30d', prePublish: '12h', overlap: 7200, tick: '30s' },
      jwks: { maxAge: '5m' },
      tokens: { refreshTokenIdleTTL: 600 },
    });
    expect(settings.keys).toMatchObject({ rotationInterval: 30 * DAY, prePublish: 12 * HOUR, overlap: 7200, tick: 30 });
    expect(settings.jwks.maxAge).toBe(5 * MINUTE);
    expect(settings.tokens.refreshTokenIdleTTL).toBe(600);
  });

  it('"10 minutes" is refused, naming the key', () => {
    expectRefused(() => withConfig({ tokens: { accessTokenTTL: '10 minutes' } }), 'tokens.accessTokenTTL', 'duration', '10 minutes');
  });

  it('a negative number is refused, naming the key', () => {
    expectRefused(() => withConfig({ jwks: { maxAge: -5 } }), 'jwks.maxAge', 'duration');
  });

  it('tokens.refreshReuseGrace takes "0s" to "5m"', () => {
    expect(withConfig({ tokens: { refreshReuseGrace: '0s' } }).tokens.refreshReuseGrace).toBe(0);
    expect(withConfig({ tokens: { refreshReuseGrace: '1500ms' } }).tokens.refreshReuseGrace).toBe(1.5);
    expect(withConfig({ tokens: { refreshReuseGrace: '5m' } }).tokens.refreshReuseGrace).toBe(5 * MINUTE);
  });

  it('a tokens.refreshReuseGrace over 5m or not a duration is refused, naming the key', () => {
    expectRefused(() => withConfig({ tokens: { refreshReuseGrace: '301s' } }), 'tokens.refreshReuseGrace', 'at most 5m');
    expectRefused(() => withConfig({ tokens: { refreshReuseGrace: -1 } }), 'tokens.refreshReuseGrace', 'duration');
    expectRefused(() => withConfig({ tokens: { refreshReuseGrace: 'soon' } }), 'tokens.refreshReuseGrace', 'duration');
  });
});

describe('the rollover policy rules', () => {
  // defaults: jwks.maxAge 10m, tick 30s, accessTokenTTL 5m, idTokenTTL 1h, clockSkew 30s
  it('prePublish exactly jwks.maxAge + tick is accepted', () => {
    expect(withConfig({ keys: { prePublish: 630 } }).keys.prePublish).toBe(630);
  });

  it('prePublish shorter than jwks.maxAge + tick is refused', () => {
    expectRefused(() => withConfig({ keys: { prePublish: 629 } }), 'keys.prePublish', 'jwks.maxAge + keys.tick');
  });

  it('overlap exactly max(accessTokenTTL, idTokenTTL) + clockSkew is accepted', () => {
    expect(withConfig({ keys: { overlap: 3630 } }).keys.overlap).toBe(3630);
  });

  it('overlap shorter than max(accessTokenTTL, idTokenTTL) + clockSkew is refused', () => {
    expectRefused(() => withConfig({ keys: { overlap: 3629 } }), 'keys.overlap', 'max(accessTokenTTL, idTokenTTL) + clockSkew');
  });

  it('overlap must also cover a resource server whose access tokens live longer', () => {
    const config = { keys: { overlap: '2h' }, resourceServers: { 'https://api.example.com': { scope: 'read', accessTokenTTL: '3h' } } };
    expectRefused(() => withConfig(config), 'keys.overlap');
  });

  it('rotationInterval equal to prePublish is refused', () => {
    expectRefused(() => withConfig({ keys: { rotationInterval: '2d', prePublish: '2d' } }), 'keys.rotationInterval', 'keys.prePublish');
  });

  it('rotationInterval shorter than prePublish is refused', () => {
    expectRefused(() => withConfig({ keys: { rotationInterval: '1d' } }), 'keys.rotationInterval', '> keys.prePublish');
  });
});

describe('bad configuration stops start-up with one line naming the key', () => {
  it('an unknown algorithm', () => {
    expectRefused(() => withConfig({ keys: { algorithms: ['RS256', 'HS256'] } }), 'keys.algorithms.1', /expected one of .*EdDSA/);
  });

  it('an empty algorithm list', () => {
    expectRefused(() => withConfig({ keys: { algorithms: [] } }), 'keys.algorithms', 'at least one');
  });

  it('an unknown key at the top level', () => {
    expectRefused(() => withConfig({ rotationInterval: '30d' }), 'rotationInterval');
  });

  it('an unknown key inside a section', () => {
    expectRefused(() => withConfig({ keys: { prepublish: '2d' } }), 'keys', 'prepublish');
  });

  it.each(['abc', '70000', '-1', '80.5'])('PORT=%s', (port) => {
    expectRefused(() => withConfig({}, { PORT: port }), 'PORT', port);
  });

  it.each(['not a url', 'ftp://id.example.com', 'https://id.example.com/?tenant=1', 'https://id.example.com/#x'])('ISSUER=%s', (issuer) => {
    expectRefused(() => withConfig({}, { ISSUER: issuer }), 'ISSUER', 'http(s) URL');
  });

  it('a MONGODB_URI that is not a MongoDB URI', () => {
    expectRefused(() => withConfig({}, { MONGODB_URI: 'postgres://db/rotor' }), 'MONGODB_URI');
  });

  it('a REDIS_URL that is not a Redis URL', () => {
    expectRefused(() => withConfig({}, { REDIS_URL: 'http://cache:6379' }), 'REDIS_URL');
  });

  it('LOG_LEVEL=loud', () => {
    expectRefused(() => withConfig({}, { LOG_LEVEL: 'loud' }), 'LOG_LEVEL', 'loud');
  });

  it('a malformed JSON file', () => {
    const path = configFile('{ "keys": { "tick": "30s", }');
    expectRefused(() => loadSettings(root, { ROTOR_CONFIG: path }), path, 'JSON');
  });

  it('a JSON file that is not an object', () => {
    const path = configFile('["keys"]');
    expectRefused(() => loadSettings(root, { ROTOR_CONFIG: path }), path, 'JSON object');
  });

  it('a ROTOR_CONFIG file that does not exist', () => {
    const path = join(root, 'missing.json');
    expectRefused(() => loadSettings(root, { ROTOR_CONFIG: path }), path, 'cannot be read');
  });

  it('a bad value in the NODE_ENV file names that key too', () => {
    const envDir = mkdtempSync(join(tmpdir(), 'rotor-settings-env-'));
    try {
      mkdirSync(join(envDir, 'config'));
      copyFileSync(REAL_DEFAULTS, join(envDir, 'config/default.json'));
      writeFileSync(join(envDir, 'config/test.json'), JSON.stringify({ keys: { tick: 'often' } }));
      expectRefused(() => loadSettings(envDir, { NODE_ENV: 'test' }), 'keys.tick');
    } finally {
      rmSync(envDir, { recursive: true, force: true });
    }
  });
});

describe('access-control settings', () => {
  it('default to throttled logins, a 12 h session, no trusted proxy and /metrics on the public port outside production', () => {
    const settings = loadSettings(root, {});
    expect(settings.login).toEqual({ maxFailures: 5, maxFailuresPerIp: 50, window: 15 * MINUTE, lockout: MINUTE, maxLockout: HOUR });
    expect(settings.session).toEqual({ maxAge: 12 * HOUR });
    expect(settings.http).toEqual({ trustProxy: false, proxyHops: 0, allowInsecureIssuer: false });
    expect(settings.metrics).toEqual({ host: '127.0.0.1', port: undefined });
  });

  it('in production /metrics moves to METRICS_PORT, 9464 unless set; 0 picks a free port', () => {
    expect(loadSettings(root, { NODE_ENV: 'production' }).metrics.port).toBe(9464);
    expect(loadSettings(root, { NODE_ENV: 'production', METRICS_PORT: '0' }).metrics.port).toBe(0);
    expect(loadSettings(root, { METRICS_PORT: '9100' }).metrics.port).toBe(9100);
  });

  it.each([' ', 'ninety', '-1', '65536', '1.5'])('an unusable METRICS_PORT (%j) is refused', (value) => {
    expectRefused(() => loadSettings(root, { METRICS_PORT: value }), 'METRICS_PORT');
  });

  it('trustProxy true trusts one hop, a number that many', () => {
    expect(withConfig({ http: { trustProxy: true } }).http.proxyHops).toBe(1);
    expect(withConfig({ http: { trustProxy: 3 } }).http.proxyHops).toBe(3);
    expectRefused(() => withConfig({ http: { trustProxy: -1 } }), 'http.trustProxy');
    expectRefused(() => withConfig({ http: { trustProxy: 'yes' } }), 'http.trustProxy');
  });

  it('in production an http: issuer is refused unless loopback or allowed', () => {
    expectRefused(() => loadSettings(root, { NODE_ENV: 'production', ISSUER: 'http://auth.example.com' }), 'ISSUER', 'http.allowInsecureIssuer');
    for (const issuer of ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000', 'https://auth.example.com']) {
      expect(loadSettings(root, { NODE_ENV: 'production', ISSUER: issuer }).issuer).toBe(issuer);
    }
    expect(withConfig({ http: { allowInsecureIssuer: true } }, { NODE_ENV: 'production', ISSUER: 'http://auth.example.com' }).issuer).toBe('http://auth.example.com');
    expect(loadSettings(root, { ISSUER: 'http://auth.example.com' }).issuer).toBe('http://auth.example.com');
  });

  it.each([
    [{ login: { maxFailures: 0 } }, 'login.maxFailures'],
    [{ login: { window: '0s' } }, 'login.window'],
    [{ login: { lockout: '10m', maxLockout: '1m' } }, 'login.maxLockout'],
    [{ session: { maxAge: '0s' } }, 'session.maxAge'],
    [{ events: { maxConnectionsPerIp: 0 } }, 'events.maxConnectionsPerIp'],
    [{ events: { allowedOrigins: ['console.example.com'] } }, 'events.allowedOrigins.0'],
  ])('a login or session setting out of range (%j) is refused naming it', (overrides, key) => {
    expectRefused(() => withConfig(overrides), key);
  });

  it('a duration past ten years is refused at start-up, not taken as an invalid date later', () => {
    expectRefused(() => withConfig({ keys: { rotationInterval: '99999999999999999999d' } }), 'keys.rotationInterval', '3650d');
    expectRefused(() => withConfig({ tokens: { refreshTokenTTL: 1e12 } }), 'tokens.refreshTokenTTL');
  });
});

describe('the environment, validated by one schema', () => {
  it('ROTOR_ROLE chooses what the process runs (default all); anything else is refused', () => {
    expect(loadSettings(root, {}).role).toBe('all');
    expect(loadSettings(root, { ROTOR_ROLE: 'worker' }).role).toBe('worker');
    expectRefused(() => loadSettings(root, { ROTOR_ROLE: 'boss' }), 'ROTOR_ROLE', 'web, worker, all', '"boss"');
  });

  it('an empty variable counts as unset, as shells and compose files make them', () => {
    const settings = loadSettings(root, { PORT: '', LOG_LEVEL: '', MONGODB_URI: '', KEK: '', ROTOR_ROLE: '' });
    expect([settings.port, settings.logLevel, settings.mongodbUri, settings.kekList, settings.role]).toEqual([3000, 'info', 'mongodb://127.0.0.1:27017/rotor', undefined, 'all']);
  });

  it('a caller may choose its own default log level (the CLI is quieter)', () => {
    expect(loadSettings(root, {}, { defaultLogLevel: 'warn' }).logLevel).toBe('warn');
    expect(loadSettings(root, { LOG_LEVEL: 'debug' }, { defaultLogLevel: 'warn' }).logLevel).toBe('debug');
  });
});

describe('audit anchor settings', () => {
  it('default to .data/audit-anchors.jsonl under the project root, anchored every 5 minutes', () => {
    expect(loadSettings(root, {}).audit).toEqual({ anchorFile: join(root, '.data/audit-anchors.jsonl'), anchorInterval: 5 * MINUTE });
  });

  it('a relative anchorFile is under the project root, an absolute one stays', () => {
    expect(withConfig({ audit: { anchorFile: 'var/anchors.jsonl', anchorInterval: '1s' } }).audit).toEqual({ anchorFile: join(root, 'var/anchors.jsonl'), anchorInterval: 1 });
    expect(withConfig({ audit: { anchorFile: '/srv/rotor/anchors.jsonl' } }).audit.anchorFile).toBe('/srv/rotor/anchors.jsonl');
  });

  it.each([['0s', 'at least 1s'], ['2d', 'at most 1d'], ['often', 'must be a duration']])('anchorInterval %j is refused', (value, rule) => {
    expectRefused(() => withConfig({ audit: { anchorInterval: value } }), 'audit.anchorInterval', rule);
  });

  it('an empty anchorFile is refused', () => {
    expectRefused(() => withConfig({ audit: { anchorFile: '' } }), 'audit.anchorFile');
  });
});

describe('leak reporter keys', () => {
  const pem = (options: Parameters<typeof generateKeyPairSync>[1], type: 'ec' | 'rsa') =>
    (generateKeyPairSync(type as 'ec', options as { namedCurve: string }).publicKey.export({ type: 'spki', format: 'pem' }) as string);

  it('an EC P-256 public key is taken; none by default', () => {
    expect(withConfig({}).leaks.reporters).toEqual({});
    const key = pem({ namedCurve: 'P-256' }, 'ec');
    expect(withConfig({ leaks: { reporters: { 'key-1': key } } }).leaks.reporters).toEqual({ 'key-1': key });
  });

  it('a key of another curve or type, or text that is no key, is refused naming the key id', () => {
    expectRefused(() => withConfig({ leaks: { reporters: { k: pem({ namedCurve: 'P-384' }, 'ec') } } }), 'leaks.reporters.k', 'P-256');
    expectRefused(() => withConfig({ leaks: { reporters: { k: pem({ modulusLength: 2048 }, 'rsa') } } }), 'leaks.reporters.k');
    expectRefused(() => withConfig({ leaks: { reporters: { k: 'not a key' } } }), 'leaks.reporters.k');
  });
});
