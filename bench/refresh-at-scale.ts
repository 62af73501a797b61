import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { deleteExpiredArtifacts } from '../src/store/artifact-maintenance.js';
import { CONNECTIONS, refreshTokenPool, scenarios } from './throughput.js';
import { startRotor, type Alg } from './targets.js';
import { round } from './stats.js';

const STORED = Number(process.env.BENCH_STORED_TOKENS ?? 100_000);
/** Each grant (one sign-in) has been refreshed this many times: one live token, the others spent. */
const TOKENS_PER_GRANT = 10;
const BATCH = 1000;

/** What a stored id looks like: the base64url of an HMAC-SHA256. */
const hashedId = (): string => randomBytes(32).toString('base64url');

interface Stored {
  refreshTokens: number;
  spentRecords: number;
  grants: number;
}

/**
 * Stores `count` refresh tokens as a deployment accumulates them over its keeping time: clones
 * of the real documents one sign-in and one refresh wrote (same payloads, same sizes), under
 * fresh hashed ids, in grants of {@link TOKENS_PER_GRANT} tokens of which all but one are spent
 * (each with its spent record, as rotation leaves them).
 */
async function fill(db: NonNullable<Connection['db']>, count: number): Promise<Stored> {
  const [token, grant, spent] = await Promise.all([
    db.collection('oidc_refresh_token').findOne({}),
    db.collection('oidc_grant').findOne({}),
    db.collection('oidc_consumptions').findOne({}),
  ]);
  if (!token || !grant || !spent) throw new Error('refresh-at-scale: no refresh token, grant or spent record to clone');
  const stored: Stored = { refreshTokens: 0, spentRecords: 0, grants: 0 };
  while (stored.refreshTokens < count) {
    const tokens: Record<string, unknown>[] = [];
    const grants: Record<string, unknown>[] = [];
    const spents: Record<string, unknown>[] = [];
    for (let i = 0; i < BATCH && stored.refreshTokens + tokens.length < count; i += TOKENS_PER_GRANT) {
      const grantId = hashedId();
      grants.push({ ...grant, _id: grantId });
      for (let j = 0; j < TOKENS_PER_GRANT && stored.refreshTokens + tokens.length < count; j++) {
        const _id = hashedId();
        tokens.push({ ...token, _id, grantId });
        if (j < TOKENS_PER_GRANT - 1) spents.push({ ...spent, _id: `RefreshToken:${_id}` });
      }
    }
    await Promise.all([
      db.collection('oidc_refresh_token').insertMany(tokens as never[], { ordered: false }),
      db.collection('oidc_grant').insertMany(grants as never[], { ordered: false }),
      spents.length > 0 ? db.collection('oidc_consumptions').insertMany(spents as never[], { ordered: false }) : undefined,
    ]);
    stored.refreshTokens += tokens.length;
    stored.grants += grants.length;
    stored.spentRecords += spents.length;
  }
  return stored;
}

/**
 * Rotating refresh_token grants on an empty database, then on the same database holding
 * `BENCH_STORED_TOKENS` (100,000) more refresh tokens with their grants and spent records; and
 * how long one janitor sweep takes over them.
 */
export async function benchRefreshAtScale(alg: Alg = 'ES256'): Promise<Record<string, unknown>[]> {
  const target = await startRotor(alg);
  const connection = mongoose.createConnection(target.mongodbUri, { serverSelectionTimeoutMS: 3000 });
  try {
    await connection.asPromise();
    const pool = await refreshTokenPool(target, CONNECTIONS * 2);
    const results: Record<string, unknown>[] = [];
    const row = async (stored: Stored, extra: Record<string, unknown> = {}): Promise<void> => {
      const measured = await scenarios.refresh_token(target, pool);
      results.push({
        benchmark: 'refresh-at-scale', alg, connections: CONNECTIONS,
        stored_refresh_tokens: stored.refreshTokens, stored_spent_records: stored.spentRecords, stored_grants: stored.grants,
        rps: round(measured.rps), p50_ms: measured.p50, p99_ms: measured.p99, errors: measured.errors, ...extra,
      });
    };
    await row({ refreshTokens: 0, spentRecords: 0, grants: 0 });
    const began = performance.now();
    const stored = await fill(connection.db!, STORED);
    const fillSeconds = round((performance.now() - began) / 1000);
    const sweepBegan = performance.now();
    await deleteExpiredArtifacts(connection);
    await row(stored, { fill_seconds: fillSeconds, janitor_sweep_ms: Math.round(performance.now() - sweepBegan) });
    return results;
  } finally {
    await connection.close();
    await target.stop();
  }
}
