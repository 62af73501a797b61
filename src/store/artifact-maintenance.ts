import type { Connection } from 'mongoose';
import type { AdapterPayload } from 'oidc-provider';
import { consumptionModel } from './consumption.js';
import { artifactOwner } from './artifact-owner.js';
import { ARTIFACT_KINDS, artifactModel } from './artifact-model.js';

/** Creates the indexes of every artifact collection (idempotent). */
export async function ensureArtifactIndexes(connection: Connection): Promise<void> {
  for (const kind of ARTIFACT_KINDS) await artifactModel(connection, kind).createIndexes();
  await consumptionModel(connection).createIndexes();
}

/** Deletes expired artifacts of every kind, and spendings past their keeping; returns how many went. */
export async function deleteExpiredArtifacts(connection: Connection, now = new Date()): Promise<number> {
  let deleted = 0;
  for (const kind of ARTIFACT_KINDS) {
    const result = await artifactModel(connection, kind).deleteMany({ expiresAt: { $lte: now } });
    deleted += result.deletedCount;
  }
  deleted += (await consumptionModel(connection).deleteMany({ expiresAt: { $lte: now } })).deletedCount;
  return deleted;
}

const escapeRegExp = (value: string): string => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Deletes every artifact of every kind that belongs to one client or one account (grants,
 * tokens, codes, sessions, interactions, ...); returns how many went. Documents written before
 * the owner was lifted to the top level are found by their payload, so an upgrade leaves none behind.
 */
export async function deleteArtifactsOf(connection: Connection, owner: { clientId: string } | { accountId: string }): Promise<number> {
  const [field, value] = 'clientId' in owner ? ['clientId', owner.clientId] as const : ['accountId', owner.accountId] as const;
  let deleted = 0;
  for (const kind of ARTIFACT_KINDS) {
    const model = artifactModel(connection, kind);
    deleted += (await model.deleteMany({ [field]: value })).deletedCount;
    const unlifted = await model.find({ [field]: { $exists: false }, payload: { $regex: escapeRegExp(JSON.stringify(value)) } }, { payload: 1 }).lean();
    const owned = unlifted.filter((doc) => artifactOwner(JSON.parse(doc.payload) as AdapterPayload)[field] === value).map((doc) => doc._id);
    if (owned.length > 0) deleted += (await model.deleteMany({ _id: { $in: owned } })).deletedCount;
  }
  return deleted;
}

/** How many artifacts of a kind are still live (for dry runs: "how many grants would this touch"). */
export async function countLiveArtifacts(connection: Connection, kind: string, now = new Date()): Promise<number> {
  return artifactModel(connection, kind).countDocuments({ $or: [{ expiresAt: { $gt: now } }, { expiresAt: { $exists: false } }] });
}
