/** The signing algorithms Rotor manages; each is a key family with its own lifecycle. */
export const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
