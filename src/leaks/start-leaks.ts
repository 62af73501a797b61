import type Router from '@koa/router';
import type { Redis } from 'ioredis';
import type { Settings } from '../settings/load-settings.js';
import type { ProviderHolder } from '../provider/provider-holder.js';
import type { Store } from '../store/open-store.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Logger } from '../logging/create-logger.js';
import type { JwksEvents } from '../propagation/jwks-events.js';
import { announceRevokedTokens } from '../propagation/catalog-channel.js';
import { rememberRevokedTokens } from '../propagation/revoked-tokens.js';
import { redisReplayStore } from '../admin/dpop-replay-store.js';
import { dpopSettings } from '../verifier/dpop-binding.js';
import { leakEffects } from './leak-effects.js';
import { reporterSignatures } from './reporter-signature.js';
import { leaksRouter } from './leaks-route.js';
import type { SecurityEvents } from '../ssf/security-events.js';

export interface LeaksDeps {
  settings: Settings;
  holder: ProviderHolder;
  store: Store;
  redis: Redis;
  events: JwksEvents;
  audit: AuditTrail;
  logger: Logger;
  securityEvents?: SecurityEvents;
}

/**
 * `POST /leaks`, wired: reporter signatures against `leaks.reporters` with replays remembered in
 * Redis (per instance while it is down), admin tokens as the admin API checks them, and revoked
 * access tokens told to this instance's listeners at once and to every other one over Redis.
 */
export function startLeaks({ settings, holder, store, redis, events, audit, logger, securityEvents }: LeaksDeps): Router {
  const prefix = settings.queue.prefix;
  return leaksRouter({
    admin: {
      holder, clients: store.clients, accounts: store.accounts, issuer: settings.issuer, clockSkew: settings.tokens.clockSkew,
      dpop: dpopSettings({ replay: redisReplayStore(redis, prefix), clockSkewSec: settings.tokens.clockSkew }),
    },
    checkSignature: reporterSignatures(settings.leaks.reporters, redisReplayStore(redis, prefix, 'leaks')),
    handle: leakEffects({
      holder, clients: store.clients, connection: store.connection, issuer: settings.issuer, events: securityEvents,
      announce: async (tokens) => {
        events.revokeTokens(tokens);
        await Promise.all([announceRevokedTokens(redis, prefix, tokens, logger), rememberRevokedTokens(redis, prefix, tokens, logger)]);
      },
    }),
    record: (event) => audit.record(event),
    logger,
  });
}
