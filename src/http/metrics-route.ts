import type { Context } from 'koa';
import type { Metrics } from '../metrics/create-metrics.js';

/** `GET /metrics`: Prometheus text exposition. */
export function metricsRoute(metrics: Metrics) {
  return async (ctx: Context): Promise<void> => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  };
}
