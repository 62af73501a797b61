import mongoose, { type Connection } from 'mongoose';
import { CatalogRepository } from '../../src/store/catalog-repository.js';
import type { Catalog, KeyState } from '../../src/keys/catalog.js';

const ORDER: KeyState[] = ['pending', 'active', 'retiring', 'retired'];

/**
 * Watches the catalog in MongoDB and checks, on every snapshot, the invariants a user relies
 * on: never two active keys of one algorithm, never none, states only move forward.
 */
export class CatalogObserver {
  readonly violations: string[] = [];
  readonly history = new Map<string, KeyState[]>();
  readonly activations: Array<{ kid: string; at: number }> = [];
  #connection: Connection | undefined;
  #repo: CatalogRepository | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  last: Catalog | undefined;

  async start(uri: string, algorithms: string[], everyMs = 150): Promise<void> {
    this.#connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 3000 }).asPromise();
    this.#repo = new CatalogRepository(this.#connection);
    const tick = async (): Promise<void> => {
      if (this.#stopped) return;
      const catalog = await this.#repo!.load().catch(() => undefined);
      if (catalog) this.check(catalog, algorithms);
      this.#timer = setTimeout(() => void tick(), everyMs);
    };
    await tick();
  }

  check(catalog: Catalog, algorithms: string[]): void {
    this.last = catalog;
    for (const alg of algorithms) {
      const active = catalog.keys.filter((key) => key.alg === alg && key.state === 'active');
      if (active.length !== 1) this.violations.push(`version ${catalog.version}: ${active.length} active ${alg} keys`);
    }
    for (const key of catalog.keys) {
      const seen = this.history.get(key.kid) ?? [];
      const previous = seen.at(-1);
      if (previous !== key.state) {
        if (previous && ORDER.indexOf(key.state) < ORDER.indexOf(previous)) this.violations.push(`${key.kid} went ${previous} -> ${key.state}`);
        if (key.state === 'active') this.activations.push({ kid: key.kid, at: Date.now() });
        seen.push(key.state);
        this.history.set(key.kid, seen);
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#connection?.close();
  }
}
