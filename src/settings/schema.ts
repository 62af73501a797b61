import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { parseDuration } from '../keys/duration.js';
import { ALGORITHMS } from '../keys/algorithms.js';

/** A duration string or number of seconds, validated and turned into seconds. */
const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const seconds = parseDuration(value);
  if (seconds === undefined) {
    ctx.addIssue({ code: 'custom', message: `must be a duration like "30s", "5m", "12h", "30d", at most 3650d (got ${JSON.stringify(value)})` });
    return z.NEVER;
  }
  return seconds;
});


/** A PEM public key that must be an EC P-256 key (a leak reporter's). */
const p256PublicKey = z.string().refine((pem) => {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    return false;
  }
}, 'must be a PEM EC P-256 public key');

const scopeString = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, 'must be space-separated scope tokens');

const resourceServer = z.strictObject({
  scope: scopeString,
  accessTokenTTL: duration.optional(),
});

/** The shape of the merged configuration files; every key has its default here. */
export const fileSchema = z.strictObject({
  keys: z.strictObject({
    algorithms: z.array(z.enum(ALGORITHMS)).min(1, 'must name at least one algorithm')
      .refine((list) => new Set(list).size === list.length, 'must not repeat an algorithm')
      .default(['RS256']),
    rotationInterval: duration.default(30 * 86400),
    prePublish: duration.default(2 * 86400),
    overlap: duration.default(86400),
    tick: duration.default(30),
    /** `time`: a pending key signs when due. `uptake`: also once every consumer seen holds it, waiting at most `maxActivationDelay`. */
    activation: z.enum(['time', 'uptake']).default('time'),
    maxActivationDelay: duration.default(86400),
  }).prefault({}),
  readiness: z.strictObject({
    /** Consumers of `/jwks` seen within this long count for readiness; their records expire after it. */
    window: duration.pipe(z.number().min(1, 'must be at least 1s')).default(7 * 86400),
  }).prefault({}),
  jwks: z.strictObject({
    maxAge: duration.default(600),
  }).prefault({}),
  tokens: z.strictObject({
    accessTokenTTL: duration.default(300),
    idTokenTTL: duration.default(3600),
    refreshTokenTTL: duration.default(30 * 86400),
    refreshTokenIdleTTL: duration.default(14 * 86400),
    clockSkew: duration.default(30),
    // A lost answer to a refresh is retried within seconds; a longer window only serves a thief.
    refreshReuseGrace: duration.pipe(z.number().max(300, 'must be at most 5m: the window covers a lost answer, not a second token')).default(0),
  }).prefault({}),
  defaultResource: z.strictObject({
    scope: scopeString.default('api:read api:write'),
  }).prefault({}),
  resourceServers: z.record(z.url({ message: 'must be an absolute URL' }), resourceServer).default({}),
  janitor: z.strictObject({
    interval: duration.default(3600),
  }).prefault({}),
  catalog: z.strictObject({
    pollInterval: duration.default(5),
  }).prefault({}),
  queue: z.strictObject({
    prefix: z.string().regex(/^[A-Za-z0-9:_-]+$/, 'must be letters, digits, ":", "_" or "-"').default('rotor'),
  }).prefault({}),
  admin: z.strictObject({
    rotationMinInterval: duration.default(3600),
    emergencyApprovals: z.union([z.literal(1), z.literal(2)]).default(1),
    approvalWindow: duration.default(900),
  }).prefault({}),
  http: z.strictObject({
    /** `true` trusts one proxy hop; a number trusts that many (X-Forwarded-For entries from the right). */
    trustProxy: z.union([z.boolean(), z.number().int().min(0).max(10)]).default(false),
    allowInsecureIssuer: z.boolean().default(false),
  }).prefault({}),
  login: z.strictObject({
    /** Failed logins of one account from one client IP within `window` before it is locked there. */
    maxFailures: z.number().int().min(1).max(1000).default(5),
    /** Failed logins from one client IP, whatever the account, within `window`. */
    maxFailuresPerIp: z.number().int().min(1).max(100000).default(50),
    window: duration.default(900),
    /** The first lock-out; each further one within a day doubles, up to `maxLockout`. */
    lockout: duration.default(60),
    maxLockout: duration.default(3600),
  }).prefault({}),
  session: z.strictObject({
    maxAge: duration.default(12 * 3600),
  }).prefault({}),
  events: z.strictObject({
    /** `/jwks/events` listeners one instance keeps at once. */
    maxConnections: z.number().int().min(1).max(100000).default(1000),
    /** Listeners one client IP may hold on one instance: one client cannot take every slot. */
    maxConnectionsPerIp: z.number().int().min(1).max(10000).default(10),
    /** Browser origins allowed to listen (CORS); a request that names another origin is refused. */
    allowedOrigins: z.array(z.url({ message: 'must be an origin like https://app.example.com' }).transform((url) => new URL(url).origin)).default([]),
    /** How often a comment line keeps each stream (and the proxies on its way) alive. */
    heartbeat: duration.pipe(z.number().min(1, 'must be at least 1s').max(300, 'must be at most 5m')).default(15),
    /** A stream that has carried no event for this long is closed; the client reconnects at once. */
    idleTimeout: duration.pipe(z.number().min(1, 'must be at least 1s')).default(1800),
  }).prefault({}),
  metrics: z.strictObject({
    host: z.string().min(1).default('127.0.0.1'),
  }).prefault({}),
  audit: z.strictObject({
    /** Where this instance appends the signed heads of the audit chain (JSON lines); relative to the project root. */
    anchorFile: z.string().min(1).default('.data/audit-anchors.jsonl'),
    /** How often the chain's head is anchored (besides after every emergency operation). */
    anchorInterval: duration.pipe(z.number().min(1, 'must be at least 1s').max(86400, 'must be at most 1d: anchor at least daily')).default(300),
  }).prefault({}),
  leaks: z.strictObject({
    /** Leak reporters' public keys by key id (`Github-Public-Key-Identifier`): they sign `POST /leaks`. */
    reporters: z.record(z.string().min(1).max(200), p256PublicKey).default({}),
  }).prefault({}),
  ssf: z.strictObject({
    /** Host names push streams may deliver to (exact, case-insensitive); none by default: push is off until the operator names hosts. */
    allowedReceiverHosts: z.array(z.string().min(1).max(253).regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or address').transform((host) => host.toLowerCase())).default([]),
    /** Push attempts per event and stream before it is dead-lettered. */
    maxAttempts: z.number().int().min(1).max(100).default(10),
    /** The first retry's delay; each further one doubles (capped at 1h), with jitter. */
    retryBase: duration.pipe(z.number().min(0.05, 'must be at least 50ms').max(3600, 'must be at most 1h')).default(2),
    /** How often the sweeper re-enqueues what Redis lost and fans out events written without a queue (CLI). */
    sweepInterval: duration.pipe(z.number().min(0.2, 'must be at least 200ms').max(3600, 'must be at most 1h')).default(10),
  }).prefault({}),
});

export type FileConfig = z.infer<typeof fileSchema>;
