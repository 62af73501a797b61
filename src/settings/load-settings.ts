import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { fileSchema } from './schema.js';
import type { Algorithm } from '../keys/algorithms.js';
import { checkRules } from './check-rules.js';
import { SettingsError } from './settings-error.js';

/** Everything an instance needs to know, validated once at start-up and frozen. */
export interface Settings {
  port: number;
  issuer: string;
  mongodbUri: string;
  redisUrl: string;
  kekFile: string;
  kekBase64: string | undefined;
  logLevel: string;
  production: boolean;
  keys: { algorithms: Algorithm[]; rotationInterval: number; prePublish: number; overlap: number; tick: number };
  jwks: { maxAge: number };
  tokens: { accessTokenTTL: number; idTokenTTL: number; refreshTokenTTL: number; refreshTokenIdleTTL: number; clockSkew: number };
  defaultResource: { scope: string };
  resourceServers: Record<string, { scope: string; accessTokenTTL?: number | undefined }>;
  janitor: { interval: number };
  catalog: { pollInterval: number };
  queue: { prefix: string };
  /** `proxyHops`: how many X-Forwarded-For entries (from the right) are trusted; 0 trusts none. */
  http: { trustProxy: boolean | number; proxyHops: number; allowInsecureIssuer: boolean };
  login: { maxFailures: number; maxFailuresPerIp: number; window: number; lockout: number; maxLockout: number };
  session: { maxAge: number };
  /** `port` undefined: `/metrics` is served on the public port (outside production only). */
  metrics: { host: string; port: number | undefined };
  admin: { rotationMinInterval: number; emergencyApprovals: 1 | 2; approvalWindow: number };
}

type Env = Record<string, string | undefined>;

function readJson(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SettingsError(`config file ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new SettingsError(`config file ${path}: is not a JSON object (${(err as Error).message})`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Later files override earlier ones key by key; objects merge, everything else replaces. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) && key !== 'resourceServers' ? merge(prev, value) : value;
  }
  return out;
}

function configFiles(root: string, env: Env): string[] {
  const files = [resolve(root, 'config/default.json')];
  const envFile = env.NODE_ENV ? resolve(root, `config/${env.NODE_ENV}.json`) : undefined;
  if (envFile) {
    try {
      readFileSync(envFile);
      files.push(envFile);
    } catch {
      // an environment without its own file is normal
    }
  }
  if (env.ROTOR_CONFIG) files.push(resolve(env.ROTOR_CONFIG));
  return files;
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const inner of Object.values(value)) if (inner !== null && typeof inner === 'object') deepFreeze(inner as object);
  return Object.freeze(value);
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const key = issue.path.join('.') || '(root)';
  return `config: ${key}: ${issue.message}`;
}

function parsePort(name: string, value: string | undefined, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (value.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new SettingsError(`env ${name}: must be an integer 0-65535 (got ${JSON.stringify(value)})`);
  return port;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function parseIssuer(value: string | undefined, port: number, insecureRefused: boolean): string {
  const issuer = value ?? `http://localhost:${port}`;
  const url = URL.parse(issuer);
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash) {
    throw new SettingsError(`env ISSUER: must be an http(s) URL without query or fragment (got ${JSON.stringify(issuer)})`);
  }
  if (insecureRefused && url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new SettingsError(`env ISSUER: an http: issuer (${issuer}) is refused in production; use https:, a loopback host, or set http.allowInsecureIssuer`);
  }
  return issuer.replace(/\/$/, '');
}

function checkUri(name: string, value: string, protocols: RegExp): string {
  const url = URL.parse(value);
  if (!url || !protocols.test(url.protocol)) throw new SettingsError(`env ${name}: not a valid URI for this engine (got ${JSON.stringify(value)})`);
  return value;
}

/**
 * Loads `config/default.json`, `config/<NODE_ENV>.json`, the `ROTOR_CONFIG` file and the
 * environment, validates them and checks the rollover policy rules.
 * @throws SettingsError with one line naming the key and the rule.
 */
export function loadSettings(root: string, env: Env = process.env): Readonly<Settings> {
  const raw = configFiles(root, env).map(readJson).reduce(merge, {});
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) throw new SettingsError(firstIssue(parsed.error));
  const production = env.NODE_ENV === 'production';
  const port = parsePort('PORT', env.PORT, 3000) ?? 3000;
  const { trustProxy } = parsed.data.http;
  const settings: Settings = {
    ...parsed.data,
    http: { ...parsed.data.http, proxyHops: trustProxy === true ? 1 : trustProxy === false ? 0 : trustProxy },
    metrics: { ...parsed.data.metrics, port: parsePort('METRICS_PORT', env.METRICS_PORT, production ? 9464 : undefined) },
    port,
    issuer: parseIssuer(env.ISSUER, port, production && !parsed.data.http.allowInsecureIssuer),
    mongodbUri: checkUri('MONGODB_URI', env.MONGODB_URI || 'mongodb://127.0.0.1:27017/rotor', /^mongodb(\+srv)?:$/),
    redisUrl: checkUri('REDIS_URL', env.REDIS_URL || 'redis://127.0.0.1:6379', /^rediss?:$/),
    kekFile: resolve(root, env.KEK_FILE || 'keys/kek'),
    kekBase64: env.KEK || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    production,
  };
  if (!['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'].includes(settings.logLevel)) {
    throw new SettingsError(`env LOG_LEVEL: must be one of error, warn, info, http, verbose, debug, silly (got ${JSON.stringify(settings.logLevel)})`);
  }
  checkRules(settings);
  return deepFreeze(settings);
}
