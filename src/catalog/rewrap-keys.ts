import type { KeyRecord } from '../keys/catalog.js';
import type { CatalogStore } from '../keys/catalog-store.js';
import { keyBinding, reseal, type Keyring } from '../keys/seal.js';
import { updateCatalog } from './update-catalog.js';

export interface RewrapKeysResult {
  /** Private parts sealed again under the first KEK. */
  rewrapped: number;
  /** Private parts that were under it already. */
  alreadyCurrent: number;
  /** The catalog version written, or the one left as it was. */
  version: number;
}

/**
 * Seals every private key in the catalog that is not under the keyring's first KEK again
 * under it. Written like any other change: one new version with the same keys and their new
 * seals, by compare-and-set, so a rotation racing with it wins or loses whole and this is
 * decided again from what it wrote. Nothing is written when every key is under the first KEK.
 */
export async function rewrapCatalogKeys(repo: CatalogStore, keyring: Keyring): Promise<RewrapKeysResult> {
  // Memoised by sealed value: a lost race re-decides without opening the same key twice.
  const resealed = new Map<string, string>();
  const { catalog, result } = await updateCatalog(repo, async (current) => {
    let rewrapped = 0;
    let alreadyCurrent = 0;
    const keys: KeyRecord[] = [];
    for (const key of current.keys) {
      const sealed = key.sealedPrivateJwk;
      const next = sealed === null ? undefined : resealed.get(sealed) ?? await reseal(sealed, keyring, keyBinding(key.kid));
      if (sealed === null || next === undefined) {
        if (sealed !== null) alreadyCurrent++;
        keys.push(key);
      } else {
        resealed.set(sealed, next);
        rewrapped++;
        keys.push({ ...key, sealedPrivateJwk: next });
      }
    }
    return rewrapped === 0 ? { unchanged: true, result: { rewrapped, alreadyCurrent } } : { keys, result: { rewrapped, alreadyCurrent } };
  }, { emptyOk: true });
  return { ...result, version: catalog.version };
}
