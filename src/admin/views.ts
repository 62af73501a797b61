import { z } from 'zod';
import { ALGORITHMS } from '../keys/algorithms.js';
import { KEY_STATES } from '../keys/catalog.js';

/**
 * The shapes the admin API answers with (CONTRACT.md "Admin API"), as zod schemas so that
 * `/admin/openapi.json` is generated from them rather than restated by hand.
 */
const time = z.iso.datetime();
const count = z.number().int().min(0);

export const keyView = z.object({
  kid: z.string(), alg: z.enum(ALGORITHMS), state: z.enum(KEY_STATES),
  createdAt: time, activatesAt: time, retiresAt: time, removesAt: time,
  revokedAt: time.optional(), reason: z.string().optional(),
});

export const catalogView = z.object({ version: count, keys: z.array(keyView) });

/** `GET /admin/keys/readiness`: each pending key and the `/jwks` consumers seen within `window`. */
export const readinessView = z.object({
  window: z.string(),
  pending: z.array(z.object({
    kid: z.string(), alg: z.string(), publishedAt: z.string(),
    consumers: z.array(z.object({ consumer: z.string(), lastSeen: z.string(), lastVersion: z.number().int(), ready: z.boolean() })),
  })),
});

export const dryRunView = z.object({
  dryRun: z.literal(true),
  version: count,
  changes: z.array(z.object({ kid: z.string(), alg: z.string(), from: z.enum(KEY_STATES).nullable(), to: z.enum(KEY_STATES), activatesAt: z.string().optional() })),
  liveGrants: count,
});

export const doneView = z.object({ version: count, activeKid: z.string().optional(), revokedKids: z.array(z.string()) });

export const pendingView = z.object({ status: z.literal('pending'), requestId: z.string(), expiresAt: time, approvalsNeeded: count });

export const errorView = z.object({ error: z.string(), error_description: z.string(), code: z.string().describe('stable: switch on this, not on the message') });

export const auditEventsView = z.object({
  events: z.array(z.object({
    seq: count, at: time, actor: z.string(), client: z.string().optional(), action: z.string(), target: z.string().optional(),
    reason: z.string().optional(), version: count.optional(), outcome: z.enum(['ok', 'refused', 'failed', 'pending']),
    detail: z.record(z.string(), z.unknown()).optional(), prevHash: z.string(),
    scheme: z.literal('hmac-sha256').optional().describe('how hash was made: an HMAC under the deployment\'s audit key; absent on events of older versions (plain SHA-256)'), hash: z.string(),
  })),
});

const badEvent = z.object({ seq: count, problem: z.string() });

export const chainCheckView = z.object({
  ok: z.boolean(), checked: count.describe('events read'), firstBad: badEvent.optional(),
  bad: z.array(badEvent).optional().describe('every bad event (at most 100)'),
  anchor: z.object({ seq: count, ok: z.boolean() }).optional().describe('the newest anchor of audit.anchorFile whose signature verifies, and whether the chain still reaches it with its hash'),
  problem: z.string().optional().describe('what is wrong, whenever ok is false'),
});

export const clientView = z.looseObject({ client_id: z.string(), public: z.boolean(), createdAt: time }).describe('the client metadata, never its secret');

export const userView = z.object({ sub: z.string(), username: z.string(), roles: z.array(z.string()), disabled: z.boolean() });

export const emergencyRequestView = z.object({
  requestId: z.string(), kind: z.enum(['rollover', 'revoke']),
  params: z.record(z.string(), z.unknown()).describe('what the change was asked with: alg, compromisedKid, promotePending or kid'),
  requestedBy: z.string(), requestedThrough: z.string().optional(), reason: z.string(), createdAt: time, expiresAt: time,
});

export const rejectedView = z.object({ requestId: z.string(), status: z.literal('rejected') });

export const streamsView = z.object({
  streams: z.array(z.object({
    stream_id: z.string(), client_id: z.string().describe('the receiver client that owns it'), method: z.enum(['push', 'poll']),
    endpoint_url: z.string().describe('push: the receiver\'s URL; poll: where the receiver polls'), status: z.enum(['enabled', 'paused', 'disabled']),
    delivered: count.describe('delivered in the last 7 days'), pending: count, deadLettered: count.describe('given up after ssf.maxAttempts, or refused by the receiver'),
  })),
});
