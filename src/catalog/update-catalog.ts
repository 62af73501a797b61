import type { Catalog, KeyRecord } from '../keys/catalog.js';
import type { CatalogStore } from '../keys/catalog-store.js';
import { CatalogOperationError } from './operation-error.js';

/** What a change function decides for the catalog it was shown. */
export type Change<T> = { keys: KeyRecord[]; result: T } | { unchanged: true; result: T };

const MAX_ATTEMPTS = 10;

/**
 * The one way every operation writes the catalog: load, decide, compare-and-set; on losing the
 * race, decide again from what the winner wrote. `change` must be pure apart from key
 * generation, which it should memoise across attempts.
 */
export async function updateCatalog<T>(repo: CatalogStore, change: (current: Catalog) => Promise<Change<T>>, options: { emptyOk?: boolean } = {}): Promise<{ catalog: Catalog; result: T; changed: boolean }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const loaded = await repo.load();
    if (!loaded && !options.emptyOk) throw new CatalogOperationError('the catalog is empty: start an instance first', 'ROTOR_NO_CATALOG');
    const current = loaded ?? { version: 0, keys: [] };
    const decided = await change(current);
    if ('unchanged' in decided) return { catalog: current, result: decided.result, changed: false };
    const written = await repo.compareAndSet(current.version, decided.keys);
    if (written) return { catalog: written, result: decided.result, changed: true };
  }
  throw new CatalogOperationError(`the catalog changed under this operation ${MAX_ATTEMPTS} times in a row; retry`, 'ROTOR_CAS_CONTENDED');
}
