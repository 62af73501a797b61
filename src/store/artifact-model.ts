import { Schema, type Connection, type Model } from 'mongoose';

/**
 * One document per oidc-provider artifact, under the HMAC of its id (see `bearer-values.ts`):
 * the id is a bearer value (a token, a code, a session cookie, an interaction uid) and never
 * stored. The payload is stored as a JSON string without its bearer values, which are sealed in
 * `sealed` (or, where the only one is the id itself, left out: see `oidc-adapter.ts`); the payload's maps are keyed by URLs (resource indicators), which MongoDB-compatible
 * engines reject as field names. The fields we query by are lifted to the top level, a user code
 * as its HMAC.
 */
export interface ArtifactDoc {
  _id: string;
  payload: string;
  sealed: string;
  grantId?: string;
  clientId?: string;
  accountId?: string;
  uid?: string;
  userCode?: string;
  expiresAt?: Date;
  consumed?: Date;
  /** When a single-save artifact was inserted; a refresh token's marks its predecessor spent. */
  createdAt?: Date;
}

const artifactSchema = new Schema<ArtifactDoc>({
  _id: { type: String, required: true },
  payload: { type: String, required: true },
  sealed: { type: String, required: true },
  grantId: { type: String, index: true },
  clientId: { type: String, index: true },
  accountId: { type: String, index: true },
  uid: { type: String, index: true },
  userCode: { type: String, index: true },
  expiresAt: { type: Date, index: true },
  consumed: { type: Date },
  createdAt: { type: Date },
}, { versionKey: false, strict: 'throw' });

/** The artifact kinds oidc-provider stores; the janitor sweeps each one. */
export const ARTIFACT_KINDS = [
  'Session', 'AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'ClientCredentials',
  'InitialAccessToken', 'RegistrationAccessToken', 'Interaction', 'ReplayDetection',
  'PushedAuthorizationRequest', 'Grant', 'BackchannelAuthenticationRequest',
] as const;

const collectionName = (kind: string): string => `oidc_${kind.replace(/[A-Z]/g, (c, i: number) => (i ? '_' : '') + c.toLowerCase())}`;

/** The mongoose model that holds one artifact kind. */
export function artifactModel(connection: Connection, kind: string): Model<ArtifactDoc> {
  const name = `Artifact${kind}`;
  return (connection.models[name] as Model<ArtifactDoc> | undefined) ?? connection.model<ArtifactDoc>(name, artifactSchema, collectionName(kind));
}
