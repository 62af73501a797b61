import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { fileSchema } from './schema.js';
import { envSchema, SECRET_ENV, type Env, type InstanceRole, type LogLevel } from './env-schema.js';
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
  /** `KEK`'s entries (base64, checked), the first sealing; when set, `kekFile` is not read. */
  kekList: readonly string[] | undefined;
  logLevel: LogLevel;
  /** What this process runs (`ROTOR_ROLE`): the HTTP server, the jobs, or both. */
  role: InstanceRole;
  production: boolean;
  keys: { algorithms: Algorithm[]; rotationInterval: number; prePublish: number; overlap: number; tick: number; activation: 'time' | 'uptake'; maxActivationDelay: number };
  /** `window`: how long a `/jwks` consumer counts for rotation readiness after its last fetch. */
  readiness: { window: number };
  jwks: { maxAge: number };
  tokens: { accessTokenTTL: number; idTokenTTL: number; refreshTokenTTL: number; refreshTokenIdleTTL: number; clockSkew: number; refreshReuseGrace: number };
  defaultResource: { scope: string };
  resourceServers: Record<string, { scope: string; accessTokenTTL?: number | undefined }>;
  janitor: { interval: number };
  catalog: { pollInterval: number };
  queue: { prefix: string };
  /** `proxyHops`: how many X-Forwarded-For entries (from the right) are trusted; 0 trusts none. */
  http: { trustProxy: boolean | number; proxyHops: number; allowInsecureIssuer: boolean };
  login: { maxFailures: number; maxFailuresPerIp: number; window: number; lockout: number; maxLockout: number };
  session: { maxAge: number };
  events: { maxConnections: number; maxConnectionsPerIp: number; allowedOrigins: string[]; heartbeat: number; idleTimeout: number };
  /** `port` undefined: `/metrics` is served on the public port (outside production only). */
  metrics: { host: string; port: number | undefined };
  admin: { rotationMinInterval: number; emergencyApprovals: 1 | 2; approvalWindow: number };
  /** `anchorFile` is absolute (resolved against the project root). */
  audit: { anchorFile: string; anchorInterval: number };
  /** `reporters`: PEM EC P-256 public keys by key id, checked at start-up. */
  leaks: { reporters: Record<string, string> };
  /** Security events (SSF): where push may deliver, retries, and the sweeper's interval (seconds). */
  ssf: { allowedReceiverHosts: string[]; maxAttempts: number; retryBase: number; sweepInterval: number };
}

type RawEnv = Record<string, string | undefined>;

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

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The issuer without a trailing slash; in production an `http:` one only on loopback, unless allowed. */
function checkIssuer(issuer: string, insecureRefused: boolean): string {
  const url = new URL(issuer);
  if (insecureRefused && url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new SettingsError(`env ISSUER: an http: issuer (${issuer}) is refused in production; use https:, a loopback host, or set http.allowInsecureIssuer`);
  }
  return issuer.replace(/\/$/, '');
}

/** The environment, validated: one line naming the first bad variable. */
function readEnv(env: RawEnv): Env {
  const parsed = envSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0]);
  const got = SECRET_ENV.has(name) ? '' : ` (got ${JSON.stringify(env[name])})`;
  throw new SettingsError(`env ${name}: ${issue.message}${got}`);
}

/**
 * Loads `config/default.json`, `config/<NODE_ENV>.json`, the `ROTOR_CONFIG` file and the
 * environment, validates them and checks the rollover policy rules.
 * @throws SettingsError with one line naming the key and the rule.
 */
export function loadSettings(root: string, rawEnv: RawEnv = process.env, options: { defaultLogLevel?: LogLevel } = {}): Readonly<Settings> {
  const env = readEnv(rawEnv);
  const raw = configFiles(root, env).map(readJson).reduce(merge, {});
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) throw new SettingsError(firstIssue(parsed.error));
  const production = env.NODE_ENV === 'production';
  const port = env.PORT ?? 3000;
  const { trustProxy } = parsed.data.http;
  const settings: Settings = {
    ...parsed.data,
    http: { ...parsed.data.http, proxyHops: trustProxy === true ? 1 : trustProxy === false ? 0 : trustProxy },
    metrics: { ...parsed.data.metrics, port: env.METRICS_PORT ?? (production ? 9464 : undefined) },
    audit: { ...parsed.data.audit, anchorFile: resolve(root, parsed.data.audit.anchorFile) },
    port,
    issuer: checkIssuer(env.ISSUER ?? `http://localhost:${port}`, production && !parsed.data.http.allowInsecureIssuer),
    mongodbUri: env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/rotor',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    kekFile: resolve(root, env.KEK_FILE ?? 'keys/kek'),
    kekList: env.KEK,
    logLevel: env.LOG_LEVEL ?? options.defaultLogLevel ?? 'info',
    role: env.ROTOR_ROLE ?? 'all',
    production,
  };
  checkRules(settings);
  return deepFreeze(settings);
}
