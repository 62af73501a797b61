import Router from '@koa/router';
import type { Connection } from 'mongoose';
import type { Redis } from 'ioredis';
import type { ProviderHolder } from '../provider/provider-holder.js';

async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), ms); });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function check(probe: () => Promise<unknown>): Promise<'ok' | 'down'> {
  try {
    await within(probe(), 1000);
    return 'ok';
  } catch {
    return 'down';
  }
}

/** `/healthz`: the process answers. `/readyz`: MongoDB and Redis answer and a catalog is loaded. */
export function healthRouter(connection: Connection, redis: Redis, holder: ProviderHolder): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const [mongodb, redisState] = await Promise.all([
      check(() => connection.db!.admin().ping()),
      check(() => redis.ping()),
    ]);
    const catalog = holder.loaded ? 'ok' : 'down';
    const ready = mongodb === 'ok' && redisState === 'ok' && catalog === 'ok';
    ctx.status = ready ? 200 : 503;
    if (!ready) ctx.set('Retry-After', '5');
    ctx.body = { status: ready ? 'ok' : 'unavailable', mongodb, redis: redisState, catalog, catalogVersion: holder.version };
  });
  return router;
}
