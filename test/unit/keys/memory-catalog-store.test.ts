import { describeCatalogStore } from '../../helpers/catalog-store-contract.js';
import { MemoryCatalogStore } from '../../helpers/memory-catalog-store.js';

describeCatalogStore('the in-memory catalog store (for unit tests)', async () => new MemoryCatalogStore());
