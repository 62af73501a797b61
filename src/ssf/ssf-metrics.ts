import { Counter, Gauge, type Registry } from 'prom-client';
import type { DeliveryStore } from './delivery-store.js';

/**
 * Security-event delivery on `/metrics`: `rotor_ssf_deliveries{stream_id, state}` (delivered,
 * pending, dead_lettered), read from MongoDB at scrape time so every instance shows the same;
 * and this instance's push attempts by result.
 */
export function ssfMetrics(registry: Registry, deliveries: DeliveryStore): Counter<'result'> {
  new Gauge({
    name: 'rotor_ssf_deliveries', help: 'Security events by stream and delivery state (dead_lettered: given up after ssf.maxAttempts or refused)', labelNames: ['stream_id', 'state'], registers: [registry],
    async collect() {
      this.reset();
      const counts = await deliveries.counts().catch(() => new Map());
      for (const [streamId, { delivered, pending, deadLettered }] of counts) {
        this.set({ stream_id: streamId, state: 'delivered' }, delivered);
        this.set({ stream_id: streamId, state: 'pending' }, pending);
        this.set({ stream_id: streamId, state: 'dead_lettered' }, deadLettered);
      }
    },
  });
  return new Counter({ name: 'rotor_ssf_push_attempts_total', help: 'Security-event pushes made by this instance, by result: delivered, retry, dead', labelNames: ['result'], registers: [registry] });
}
