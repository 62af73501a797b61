import type { Context } from 'koa';
import { formatDuration } from '../keys/duration.js';
import { readinessReport } from '../readiness/readiness-report.js';
import type { ProviderHolder } from '../provider/provider-holder.js';
import type { ConsumerRecord } from '../readiness/readiness-store.js';
import type { Settings } from '../settings/load-settings.js';
import type { AdminPrincipal } from './authenticate.js';

/** What the readiness route reads: the window, the catalog served, the consumers seen. */
export interface ReadinessRouteDeps {
  settings: Pick<Settings, 'readiness'>;
  holder: Pick<ProviderHolder, 'state'>;
  consumers(): Promise<ConsumerRecord[]>;
}

/**
 * `GET /admin/keys/readiness`: for each pending key, every consumer of `/jwks` seen within
 * `readiness.window` and whether it holds the key. 503 while Redis, where fetches are recorded,
 * cannot be read.
 */
export function readinessRoute(deps: ReadinessRouteDeps, audited: (principal: AdminPrincipal, action: string) => Promise<void>) {
  return async (ctx: Context, principal: AdminPrincipal): Promise<void> => {
    let consumers;
    try {
      consumers = await deps.consumers();
    } catch {
      ctx.status = 503;
      ctx.set('Retry-After', '5');
      ctx.body = { error: 'temporarily_unavailable', error_description: 'Redis, where /jwks fetches are recorded, is unreachable; retry shortly' };
      return;
    }
    ctx.body = { window: formatDuration(deps.settings.readiness.window), pending: readinessReport(deps.holder.state.catalog, consumers) };
    await audited(principal, 'admin.keys.readiness');
  };
}
