import type { Catalog, KeyRecord } from '../../src/keys/catalog.js';
import type { CatalogStore } from '../../src/keys/catalog-store.js';

/**
 * The key catalog in memory, for unit tests of the catalog operations. It passes the same
 * contract suite as the MongoDB repository (`catalog-store-contract.ts`), so what a unit test
 * learns with it holds on the real engine.
 */
export class MemoryCatalogStore implements CatalogStore {
  readonly #versions = new Map<number, { keys: KeyRecord[]; superseded: boolean }>();
  /** Every version written, in order (for tests that look at history). */
  readonly written: number[] = [];

  async version(): Promise<number | undefined> {
    return this.#versions.size > 0 ? Math.max(...this.#versions.keys()) : undefined;
  }

  async load(): Promise<Catalog | undefined> {
    const version = await this.version();
    return version === undefined ? undefined : this.#read(version);
  }

  async loadVersion(version: number): Promise<Catalog | undefined> {
    const stored = this.#versions.get(version);
    return !stored || stored.superseded ? this.load() : this.#read(version);
  }

  async compareAndSet(expected: number, keys: KeyRecord[]): Promise<Catalog | undefined> {
    // Yield first, as a database round trip would, so racing writers interleave.
    await Promise.resolve();
    if (expected > 0 && !this.#versions.has(expected)) return undefined;
    const version = expected + 1;
    if (this.#versions.has(version)) return undefined;
    this.#versions.set(version, { keys: structuredClone(keys), superseded: false });
    this.written.push(version);
    if (expected > 0) this.#versions.set(expected, { keys: [], superseded: true });
    return { version, keys: structuredClone(keys) };
  }

  async emptySuperseded(): Promise<number> {
    return 0;
  }

  #read(version: number): Catalog {
    return { version, keys: structuredClone(this.#versions.get(version)!.keys) };
  }
}
