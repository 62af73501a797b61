import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The record that a single-use artifact (a refresh token, an authorization code) was spent.
 * Keyed by kind and the artifact's stored id (the HMAC of its value, never the value), so
 * spending is a unique-key insert: of two requests racing with the same token exactly one wins —
 * a conditional update is not atomic on every engine.
 */
interface ConsumptionDoc {
  _id: string;
  at: Date;
  expiresAt: Date;
}

const consumptionSchema = new Schema<ConsumptionDoc>({
  _id: { type: String, required: true },
  at: { type: Date, required: true },
  expiresAt: { type: Date, required: true, index: true },
}, { versionKey: false, strict: 'throw' });

/** Kinds whose consumption must be exclusive; others just record it. */
export const SINGLE_USE_KINDS: ReadonlySet<string> = new Set(['RefreshToken', 'AuthorizationCode']);

export function consumptionModel(connection: Connection): Model<ConsumptionDoc> {
  return (connection.models.Consumption as Model<ConsumptionDoc> | undefined) ?? connection.model<ConsumptionDoc>('Consumption', consumptionSchema, 'oidc_consumptions');
}

const key = (kind: string, id: string): string => `${kind}:${id}`;

/** Records the spending of the artifact stored as `id`; false when it had already been spent. */
export async function spend(model: Model<ConsumptionDoc>, kind: string, id: string, keepSeconds: number, now = new Date()): Promise<boolean> {
  try {
    await model.create({ _id: key(kind, id), at: now, expiresAt: new Date(now.getTime() + keepSeconds * 1000) });
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 11000) return false;
    throw err;
  }
}

/** When it was spent, if it was. */
export async function spentAt(model: Model<ConsumptionDoc>, kind: string, id: string): Promise<Date | undefined> {
  return (await model.findById(key(kind, id), { at: 1 }).lean())?.at;
}
