import type { Connection } from 'mongoose';
import { artifactModel } from './artifact-model.js';

/**
 * The ids of the grants one person holds at one client, read from the refresh tokens and codes
 * issued under them (a grant's own record is stored under the hash of its id, which is not
 * kept). JWT access tokens name no grant: this is how a leaked one leads to its grant.
 */
export async function grantIdsOf(connection: Connection, clientId: string, accountId: string): Promise<string[]> {
  const ids = new Set<string>();
  for (const kind of ['RefreshToken', 'AuthorizationCode', 'AccessToken']) {
    const docs = await artifactModel(connection, kind).find({ clientId, accountId, grantId: { $exists: true } }, { grantId: 1 }).lean();
    for (const doc of docs) if (doc.grantId) ids.add(doc.grantId);
  }
  return [...ids];
}
