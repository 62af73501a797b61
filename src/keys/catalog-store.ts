import type { Catalog, KeyRecord } from './catalog.js';

/**
 * Where the key catalog lives: versions written by compare-and-set, so of two writers starting
 * from the same version exactly one wins. `store/`'s MongoDB repository is the one Rotor runs on;
 * every implementation must pass the contract suite in `test/helpers/catalog-store-contract.ts`.
 */
export interface CatalogStore {
  /** The newest stored version; `undefined` when there is none. */
  version(): Promise<number | undefined>;
  /** The newest catalog; `undefined` when there is none. */
  load(): Promise<Catalog | undefined>;
  /** One version by number, or the newest when that one has been superseded. */
  loadVersion(version: number): Promise<Catalog | undefined>;
  /**
   * Writes `keys` as version `expected + 1` if the newest version is still `expected` (0: no
   * catalog yet). The new catalog, or `undefined` when another writer got there first. A
   * superseded version keeps no private key material.
   */
  compareAndSet(expected: number, keys: KeyRecord[]): Promise<Catalog | undefined>;
  /** Empties superseded versions a crashed writer left holding keys; how many it emptied. */
  emptySuperseded(): Promise<number>;
}
