import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The MongoDB URI of a fresh, uniquely named database on the test engine. */
export function uniqueMongoUri(label: string): string {
  const base = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/rotor';
  const url = new URL(base);
  url.pathname = `/rotor_t_${label.replace(/[^a-z0-9]/gi, '').slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  return url.toString();
}

export const redisUrl = (): string => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A KEK (base64 of 32 bytes) for one test's instances. */
export const newKek = (): string => randomBytes(32).toString('base64');

/**
 * The Redis key prefix of the test deployment that uses this database: every instance and every
 * CLI run of one deployment share it, and no two deployments do, so their Bull queues, catalog
 * channels and login-throttle counters never meet (all tests sign in from 127.0.0.1).
 */
export function deploymentPrefix(mongodbUri: string): string {
  return `rotor-t-${new URL(mongodbUri).pathname.slice(1) || 'default'}`;
}

/** Where the instances and CLI runs of the test deployment on this database append audit anchors. */
export const deploymentAnchorFile = (mongodbUri: string): string => join(tmpdir(), 'rotor-test-anchors', `${deploymentPrefix(mongodbUri)}.jsonl`);

/**
 * `config` with the deployment's prefix and audit anchor file filled in, unless it names them
 * itself: anchors signed under another deployment's key would make verification fail.
 */
export function withDeploymentPrefix(config: Record<string, unknown>, mongodbUri: string): Record<string, unknown> {
  const queue = (config.queue ?? {}) as Record<string, unknown>;
  const audit = (config.audit ?? {}) as Record<string, unknown>;
  return {
    ...config,
    queue: queue.prefix ? queue : { ...queue, prefix: deploymentPrefix(mongodbUri) },
    audit: audit.anchorFile ? audit : { ...audit, anchorFile: deploymentAnchorFile(mongodbUri) },
  };
}
