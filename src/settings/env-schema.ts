import { z } from 'zod';
import { envKekEntries, kekListProblem } from './kek-list.js';

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** What one process runs (`ROTOR_ROLE`); not to be confused with a person's roles (`security`). */
export const INSTANCE_ROLES = ['web', 'worker', 'all'] as const;
export type InstanceRole = (typeof INSTANCE_ROLES)[number];

/** An empty variable counts as unset, as shells and compose files produce them. */
const unsetIfEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const port = z.string().regex(/^\d{1,5}$/, 'must be an integer 0-65535').transform(Number).refine((value) => value <= 65535, 'must be an integer 0-65535');

const uri = (protocols: RegExp, what: string) => z.string().refine((value) => {
  const url = URL.parse(value);
  return url !== null && protocols.test(url.protocol);
}, `not a valid ${what} URI`);

const issuer = z.string().refine((value) => {
  const url = URL.parse(value);
  return url !== null && /^https?:$/.test(url.protocol) && !url.search && !url.hash;
}, 'must be an http(s) URL without query or fragment');

/** `KEK`: comma-separated base64 KEKs, the first sealing; the entries, each checked. */
const kekList = z.string().transform((value, ctx) => {
  const entries = envKekEntries(value);
  const problem = kekListProblem(entries);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  return entries.map((entry) => entry.text);
});

/** Variables whose value must never be echoed in an error. */
export const SECRET_ENV: ReadonlySet<string> = new Set(['KEK']);

/** The environment variables Rotor reads, validated once (CONTRACT.md "Configuration"). */
export const envSchema = z.object({
  NODE_ENV: unsetIfEmpty(z.string()),
  ROTOR_CONFIG: unsetIfEmpty(z.string()),
  ROTOR_ROLE: unsetIfEmpty(z.enum(INSTANCE_ROLES, { message: `must be one of ${INSTANCE_ROLES.join(', ')}` })),
  PORT: unsetIfEmpty(port),
  METRICS_PORT: unsetIfEmpty(port),
  ISSUER: unsetIfEmpty(issuer),
  MONGODB_URI: unsetIfEmpty(uri(/^mongodb(\+srv)?:$/, 'MongoDB')),
  REDIS_URL: unsetIfEmpty(uri(/^rediss?:$/, 'Redis')),
  KEK_FILE: unsetIfEmpty(z.string()),
  KEK: unsetIfEmpty(kekList),
  LOG_LEVEL: unsetIfEmpty(z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })),
});

export type Env = z.infer<typeof envSchema>;
