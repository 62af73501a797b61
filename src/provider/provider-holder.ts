import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Catalog } from '../keys/catalog.js';
import { publicJwks } from '../keys/public-jwks.js';
import { unsealJwk, type Kek } from '../keys/seal.js';
import { createLocalJWKSet, type JWK } from 'jose';
import { createProvider, type ProviderDeps } from './create-provider.js';
import { providerKeys } from './provider-keys.js';

/** Everything derived from one catalog version, built once and swapped in whole. */
export interface ProviderState {
  catalog: Catalog;
  provider: Provider;
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** The JWKS document, serialised and encoded once per catalog version. */
  jwksBody: Buffer;
  jwksEtag: string;
  /** The published keys, imported once, for checking Rotor's own tokens (admin API). */
  localJwks: ReturnType<typeof createLocalJWKSet>;
}

/**
 * Holds the provider built from the newest catalog version this instance has seen. A new
 * version builds a new provider and swaps it in with one assignment; requests already inside
 * the old one finish there. Older or equal versions are ignored, so out-of-order
 * notifications can never roll an instance back.
 */
export class ProviderHolder {
  #state: ProviderState | undefined;
  #building: Promise<void> = Promise.resolve();
  readonly #deps: ProviderDeps;
  readonly #kek: Kek;
  // Private keys opened so far, by sealed value: a catalog change opens only its new keys.
  #opened = new Map<string, JWK>();
  readonly #onSwap: ((state: ProviderState, previous: ProviderState | undefined) => void) | undefined;

  /** `onSwap` is called after every swap (metrics, `/jwks/events`), with the state swapped out. */
  constructor(deps: ProviderDeps, kek: Kek, hooks: { onSwap?: (state: ProviderState, previous: ProviderState | undefined) => void } = {}) {
    this.#deps = deps;
    this.#kek = kek;
    this.#onSwap = hooks.onSwap;
  }

  get state(): ProviderState {
    if (!this.#state) throw new Error('no catalog loaded yet');
    return this.#state;
  }

  get loaded(): boolean {
    return this.#state !== undefined;
  }

  get version(): number {
    return this.#state?.catalog.version ?? 0;
  }

  /** Builds and swaps in `catalog` if it is newer than the one held; builds run one at a time. */
  async load(catalog: Catalog): Promise<void> {
    const run = this.#building.then(() => this.#swap(catalog));
    this.#building = run.catch(() => undefined);
    await run;
  }

  async #swap(catalog: Catalog): Promise<void> {
    if (catalog.version <= this.version) return;
    const opened = new Map<string, JWK>();
    const keys = await providerKeys(catalog, this.#deps.settings.keys.algorithms, this.#kek, async (sealed, kid) => {
      const jwk = this.#opened.get(sealed) ?? await unsealJwk(sealed, this.#kek, kid);
      opened.set(sealed, jwk);
      return { ...jwk };
    });
    this.#opened = opened;
    const listed = this.#deps.settings.keys.algorithms;
    if (!keys.algorithms.some((alg) => listed.includes(alg))) {
      this.#deps.logger.warn('no algorithm of keys.algorithms has an active key: signing with the catalog\'s (an instance with another policy started later)', { version: catalog.version, listed, signing: keys.algorithms });
    }
    const provider = createProvider(this.#deps, keys);
    const jwks = publicJwks(catalog);
    const jwksBody = Buffer.from(JSON.stringify(jwks));
    const jwksEtag = `"${createHash('sha256').update(jwksBody).digest('base64url').slice(0, 27)}"`;
    const previous = this.#state;
    this.#state = { catalog, provider, handler: provider.callback() as ProviderState['handler'], jwksBody, jwksEtag, localJwks: createLocalJWKSet(jwks) };
    this.#onSwap?.(this.#state, previous);
  }
}
