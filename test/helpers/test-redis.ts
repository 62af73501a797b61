import { afterAll, beforeAll } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisUrl } from './engines.js';

/** A test file's connection to the shared Redis, and fresh key prefixes whose keys go when the file ends. */
export interface TestRedis {
  /** The connection (open between the file's beforeAll and afterAll). */
  readonly redis: Redis;
  /** A new prefix `<label>_<random>`, deleted with its keys after the file. */
  prefix(label: string): string;
}

/** Opens one connection for the test file that calls it, and cleans up every prefix it handed out. */
export function useTestRedis(): TestRedis {
  const prefixes: string[] = [];
  let connection: Redis | undefined;
  beforeAll(async () => {
    connection = new Redis(redisUrl(), { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    await new Promise((ready) => connection!.once('ready', ready));
  });
  afterAll(async () => {
    for (const prefix of prefixes) {
      const keys = await connection!.keys(`${prefix}:*`);
      if (keys.length > 0) await connection!.del(...keys);
    }
    connection?.disconnect();
  });
  return {
    get redis() {
      if (!connection) throw new Error('useTestRedis: the connection opens in beforeAll');
      return connection;
    },
    prefix(label) {
      const prefix = `${label}_${randomBytes(4).toString('hex')}`;
      prefixes.push(prefix);
      return prefix;
    },
  };
}
