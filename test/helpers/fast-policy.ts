/**
 * A rollover policy in seconds that satisfies the start-up rules with little to spare: a key
 * signs for 6 s, is published 4 s before it signs and stays 5 s after; the JWKS max-age is 2 s.
 */
export const FAST_POLICY = {
  keys: { algorithms: ['ES256'], rotationInterval: '6s', prePublish: '4s', overlap: '5s', tick: '1s' },
  jwks: { maxAge: '2s' },
  tokens: { accessTokenTTL: '3s', idTokenTTL: '3s', clockSkew: '1s' },
  catalog: { pollInterval: '1s' },
};
