import type { Algorithm } from '../keys/algorithms.js';
import type { KeyRecord } from '../keys/catalog.js';
import { generateKey, type KeySchedule } from '../keys/generate-key.js';
import type { Keyring } from '../keys/seal.js';

/** Supplies a freshly generated key for an emergency, already sealed under the KEK. */
export type KeySource = (alg: Algorithm, schedule: KeySchedule) => Promise<KeyRecord>;

/** Generates on demand: what the CLI uses. */
export const generateOnDemand = (keyring: Keyring): KeySource => (alg, schedule) => generateKey(alg, schedule, keyring);

/**
 * Keeps one spare key per algorithm generated in advance, in memory only, so an emergency
 * rollover with no published pending key does not wait for RSA key generation (about 150 ms,
 * with a long tail). A spare is used at most once and replaced in the background; it never
 * reaches MongoDB unless a rollover puts it in the catalog.
 */
export class SpareKeys {
  readonly #spares = new Map<Algorithm, Promise<KeyRecord>>();

  constructor(private readonly keyring: Keyring) {}

  /** Starts generating spares for these algorithms. */
  warm(algorithms: readonly Algorithm[]): void {
    for (const alg of algorithms) if (!this.#spares.has(alg)) this.#spares.set(alg, this.#generate(alg));
  }

  readonly take: KeySource = async (alg, schedule) => {
    const spare = this.#spares.get(alg);
    this.#spares.set(alg, this.#generate(alg));
    const key = spare ? await spare.catch(() => generateKey(alg, schedule, this.keyring)) : await generateKey(alg, schedule, this.keyring);
    return { ...key, ...schedule };
  };

  #generate(alg: Algorithm): Promise<KeyRecord> {
    const now = new Date();
    const spare = generateKey(alg, { state: 'active', createdAt: now, activatesAt: now, retiresAt: now, removesAt: now }, this.keyring);
    spare.catch(() => undefined);
    return spare;
  }
}
