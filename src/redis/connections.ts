import { Redis, type RedisOptions } from 'ioredis';

export type BullConnectionType = 'client' | 'subscriber' | 'bclient';

/**
 * The Redis connections of one instance, shared the way Outline's `createQueue` shares them:
 * one for the app's own commands, one subscribed connection for every channel (the catalog's and
 * Bull's events), one command connection for every Bull queue, and a blocking connection per queue
 * that processes jobs (Bull requires that one to be its own).
 */
export interface RedisConnections {
  /** Throttling, announcements, DPoP proof ids, readiness: fails fast while Redis is down. */
  commands: Redis;
  /** The one subscribed connection. */
  subscriber: Redis;
  /** Bull's `createClient` option. */
  bullClient(type: BullConnectionType): Redis;
  /** Disconnects every connection made here. */
  stop(): void;
}

/** Connections for the server at `url`; none throws at the process when Redis is down. */
export function startRedis(url: string): RedisConnections {
  const made: Redis[] = [];
  const connect = (options: RedisOptions): Redis => {
    const redis = new Redis(url, options);
    redis.on('error', () => undefined);
    made.push(redis);
    return redis;
  };
  const commands = connect({ connectionName: 'rotor:commands', maxRetriesPerRequest: 1, enableOfflineQueue: false });
  // Bull refuses ready checks and per-request retry limits on subscribed and blocking connections.
  const subscriber = connect({ connectionName: 'rotor:subscriber', maxRetriesPerRequest: null, enableReadyCheck: false });
  let bull: Redis | undefined;
  return {
    commands,
    subscriber,
    bullClient(type) {
      if (type === 'subscriber') return subscriber;
      if (type === 'client') return (bull ??= connect({ connectionName: 'rotor:bull', maxRetriesPerRequest: null }));
      return connect({ connectionName: 'rotor:bull-blocking', maxRetriesPerRequest: null, enableReadyCheck: false });
    },
    stop() {
      for (const redis of made) redis.disconnect();
    },
  };
}
