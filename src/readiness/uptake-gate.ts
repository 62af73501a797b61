import type { UptakeGate } from '../keys/uptake.js';
import type { ReadinessStore } from './readiness-store.js';

/**
 * The uptake gate of `keys.activation: "uptake"`, read from Redis for one reconcile. While
 * Redis cannot be read, it holds every due key as if one consumer held nothing: the wait stays
 * bounded by `maxDelay`, and the old key signs on meanwhile.
 */
export function readUptakeGate(store: ReadinessStore, maxDelay: number): () => Promise<UptakeGate> {
  return async () => {
    const consumers = await store.consumers().then((records) => records.map((record) => record.kids), () => [[]]);
    return { consumers, maxDelay };
  };
}
