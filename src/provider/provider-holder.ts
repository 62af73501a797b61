import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { PUBLISHED_STATES, type Catalog } from '../keys/catalog.js';
import { publicJwks } from '../keys/public-jwks.js';
import { unsealJwk, type Keyring } from '../keys/seal.js';
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
  /**
   * Set while revoked kids are dropped ahead of a version not read yet: the version announced.
   * Caches must not keep this JWKS; `/jwks/events` names the revocation with that version.
   */
  interim?: number;
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
  readonly #keyring: Keyring;
  // Private keys opened so far, by sealed value: a catalog change opens only its new keys.
  #opened = new Map<string, JWK>();
  readonly #onSwap: ((state: ProviderState, previous: ProviderState | undefined) => void) | undefined;
  // Kids announced as revoked before their catalog version was read, with that version: kept out
  // of every JWKS until a catalog of that version or newer is swapped in and says for itself.
  readonly #revokedAhead = new Map<string, number>();
  // The catalog as read, before any kid was dropped ahead from it.
  #stored: Catalog | undefined;

  /** `onSwap` is called after every swap (metrics, `/jwks/events`), with the state swapped out. */
  constructor(deps: ProviderDeps, keyring: Keyring, hooks: { onSwap?: (state: ProviderState, previous: ProviderState | undefined) => void } = {}) {
    this.#deps = deps;
    this.#keyring = keyring;
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

  /**
   * Drops `kids` from the JWKS and the verify set at once, ahead of reading the catalog version
   * `version` that revoked them (its announcement names them). The provider keeps signing as it
   * did until that version is swapped in, a few milliseconds later; a build of an older version
   * finishing meanwhile keeps them out too.
   */
  dropRevoked(kids: readonly string[], version: number): void {
    const state = this.#state;
    if (!state || version <= state.catalog.version) return;
    const published = new Set(state.catalog.keys.filter((key) => PUBLISHED_STATES.has(key.state)).map((key) => key.kid));
    const fresh = kids.filter((kid) => published.has(kid) && !this.#revokedAhead.has(kid));
    if (!fresh.length) return;
    for (const kid of fresh) this.#revokedAhead.set(kid, version);
    this.#state = { ...state, ...this.#published(state.catalog), interim: version };
    this.#deps.logger.info('revoked keys dropped ahead of the catalog reload', { kids: fresh, version: state.catalog.version });
    this.#onSwap?.(this.#state, state);
  }

  /**
   * After the announced `version` was looked for and the newest stored version is older (the
   * announcement named a version that does not exist): serve again what it dropped, since only
   * the catalog decides what is revoked.
   */
  settleRevoked(version: number): void {
    const state = this.#state;
    if (!state || state.catalog.version >= version) return;
    const unconfirmed = [...this.#revokedAhead].filter(([, announced]) => announced <= version).map(([kid]) => kid);
    if (!unconfirmed.length) return;
    for (const kid of unconfirmed) this.#revokedAhead.delete(kid);
    this.#deps.logger.warn('an announcement named keys revoked in a catalog version that does not exist; serving them again', { kids: unconfirmed, version });
    const previous = state;
    const { interim: _announced, ...settled } = state;
    this.#state = { ...settled, ...this.#published(this.#stored ?? state.catalog) };
    this.#onSwap?.(this.#state, previous);
  }

  /** The catalog as served (revoked-ahead kids marked revoked) and what is derived from its public keys. */
  #published(stored: Catalog): Pick<ProviderState, 'catalog' | 'jwksBody' | 'jwksEtag' | 'localJwks'> {
    const catalog = this.#revokedAhead.size === 0 ? stored : {
      ...stored,
      keys: stored.keys.map((key) => (this.#revokedAhead.has(key.kid) && PUBLISHED_STATES.has(key.state) ? { ...key, state: 'revoked' as const } : key)),
    };
    const jwks = publicJwks(catalog);
    const jwksBody = Buffer.from(JSON.stringify(jwks));
    const jwksEtag = `"${createHash('sha256').update(jwksBody).digest('base64url').slice(0, 27)}"`;
    return { catalog, jwksBody, jwksEtag, localJwks: createLocalJWKSet(jwks) };
  }

  async #swap(catalog: Catalog): Promise<void> {
    if (catalog.version <= this.version) return;
    const opened = new Map<string, JWK>();
    const keys = await providerKeys(catalog, this.#deps.settings.keys.algorithms, this.#keyring, async (sealed, kid) => {
      const jwk = this.#opened.get(sealed) ?? await unsealJwk(sealed, this.#keyring, kid);
      opened.set(sealed, jwk);
      return { ...jwk };
    });
    this.#opened = opened;
    const listed = this.#deps.settings.keys.algorithms;
    if (!keys.algorithms.some((alg) => listed.includes(alg))) {
      this.#deps.logger.warn('no algorithm of keys.algorithms has an active key: signing with the catalog\'s (an instance with another policy started later)', { version: catalog.version, listed, signing: keys.algorithms });
    }
    const provider = createProvider(this.#deps, keys);
    for (const [kid, announced] of this.#revokedAhead) if (announced <= catalog.version) this.#revokedAhead.delete(kid);
    this.#stored = catalog;
    const previous = this.#state;
    this.#state = { provider, handler: provider.callback() as ProviderState['handler'], ...this.#published(catalog) };
    this.#onSwap?.(this.#state, previous);
  }
}
