import type { UptakeGate } from '../keys/uptake.js';
import type { ConsumerRecord } from './readiness-store.js';

/**
 * Whether a consumer seen may hold a due key back: only one that named itself with
 * `Rotor-Consumer` (as `rotor/verifier` does). A `<User-Agent> @ <address>` consumer is listed
 * in readiness but never delays activation. The name is self-declared, so a client that sends one
 * and stays stale can still hold a key back, but never past `keys.maxActivationDelay`.
 */
export const holdsActivation = (record: ConsumerRecord): boolean => record.named;

/**
 * The uptake gate of `keys.activation: "uptake"`, read once per reconcile from the consumers
 * seen (`ReadinessStore.consumers`). While they cannot be read (Redis down), it holds every due
 * key as if one consumer held nothing: the wait stays bounded by `maxDelay`, and the old key
 * signs on meanwhile.
 */
export function readUptakeGate(consumers: () => Promise<ConsumerRecord[]>, maxDelay: number): () => Promise<UptakeGate> {
  return async () => {
    const held = await consumers().then((records) => records.filter(holdsActivation).map((record) => record.kids), () => [[]]);
    return { consumers: held, maxDelay };
  };
}
