import { hkdfSync } from 'node:crypto';

/**
 * The secrets every instance of a deployment shares besides the catalog: the keys that hash
 * bearer values for storage, key the audit chain, sign audit anchors, sign cookies and bind
 * CSRF tokens. Each is derived (HKDF-SHA256) from one root secret for its own purpose.
 */
export interface DeploymentSecrets {
  /** HMAC key under which bearer values (token ids, codes, session ids) are stored. */
  artifactIds: Buffer;
  /** HMAC key of the audit chain. */
  auditChain: Buffer;
  /** HMAC key that signs audit anchors. */
  auditAnchors: Buffer;
  /** oidc-provider's cookie keys: the first signs, every one verifies. */
  cookies: string[];
  /** Key of the interaction CSRF tokens. */
  csrf: Buffer;
  /** HMAC key that derives a rotated refresh token's successor from it (the grace window's single successor). */
  refreshSuccessors: Buffer;
  /** The client secret of Rotor's own console client (`rotor-console`), the same on every instance. */
  consoleClient: Buffer;
  /** The console's key: names its Redis session records, seals its sessions and sign-in cookies. */
  consoleSessions: Buffer;
}

const derive = (root: Uint8Array, purpose: string): Buffer => Buffer.from(hkdfSync('sha256', root, 'rotor', purpose, 32));

/**
 * Derives every purpose's key from the root secret. `previousCookieRoots` (the bytes of each
 * KEK) add the cookie keys Rotor derived from the KEK before it had a root secret, after the
 * root's own key: they only verify, so sessions made then survive until their KEK is removed.
 */
export function deploymentSecrets(root: Uint8Array, previousCookieRoots: readonly Uint8Array[] = []): DeploymentSecrets {
  return {
    artifactIds: derive(root, 'artifact ids'),
    auditChain: derive(root, 'audit chain'),
    auditAnchors: derive(root, 'audit anchors'),
    cookies: [root, ...previousCookieRoots].map((secret) => derive(secret, 'oidc-provider cookies').toString('base64url')),
    csrf: derive(root, 'interaction csrf'),
    refreshSuccessors: derive(root, 'refresh token successors'),
    consoleClient: derive(root, 'console client'),
    consoleSessions: derive(root, 'console sessions'),
  };
}
