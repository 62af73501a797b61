import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Catalog } from '../keys/catalog.js';
import { nextTransition } from '../keys/plan.js';
import type { Policy } from '../keys/policy.js';
import { readyShare, type PendingReadiness } from '../readiness/readiness-report.js';

export interface Metrics {
  registry: Registry;
  reconcilerRuns: Counter<'result'>;
  tokensIssued: Counter<'kid' | 'type'>;
  /** Admin API requests refused before authentication: `refused` (answered 401 or 400) or `throttled` (429). */
  adminUnauthenticated: Counter<'result'>;
}

/**
 * The Prometheus metrics of one instance. Catalog gauges are computed at scrape time from the
 * catalog the instance holds, so they can never go stale.
 */
export function createMetrics(currentCatalog: () => Catalog | undefined, policy: Policy, now: () => Date, readiness?: () => Promise<PendingReadiness[]>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rotor_process_' });
  new Gauge({
    name: 'rotor_catalog_version', help: 'Version of the key catalog this instance serves', registers: [registry],
    collect() { this.set(currentCatalog()?.version ?? 0); },
  });
  new Gauge({
    name: 'rotor_active_key_age_seconds', help: 'Seconds since the active key of each algorithm started signing', labelNames: ['alg', 'kid'], registers: [registry],
    collect() {
      this.reset();
      for (const key of currentCatalog()?.keys ?? []) {
        if (key.state === 'active') this.set({ alg: key.alg, kid: key.kid }, Math.max(0, (now().getTime() - key.activatesAt.getTime()) / 1000));
      }
    },
  });
  new Gauge({
    name: 'rotor_next_transition_seconds', help: 'Seconds until the next scheduled key transition (negative: overdue)', registers: [registry],
    collect() {
      const catalog = currentCatalog();
      const next = catalog ? nextTransition(catalog, policy, now()) : undefined;
      this.set(next ? (next.getTime() - now().getTime()) / 1000 : 0);
    },
  });
  new Gauge({
    name: 'rotor_keys', help: 'Keys in the catalog by algorithm and state', labelNames: ['alg', 'state'], registers: [registry],
    collect() {
      this.reset();
      for (const key of currentCatalog()?.keys ?? []) this.inc({ alg: key.alg, state: key.state });
    },
  });
  if (readiness) {
    new Gauge({
      name: 'rotor_key_readiness_ratio', help: 'Share of the /jwks consumers seen within readiness.window that hold each pending key (1 when none was seen)', labelNames: ['alg', 'kid'], registers: [registry],
      async collect() {
        this.reset();
        // Redis down: no samples rather than a failed scrape.
        for (const pending of await readiness().catch(() => [])) this.set({ alg: pending.alg, kid: pending.kid }, readyShare(pending));
      },
    });
  }
  return {
    registry,
    reconcilerRuns: new Counter({ name: 'rotor_reconciler_runs_total', help: 'Runs of the key reconciler on this instance', labelNames: ['result'], registers: [registry] }),
    tokensIssued: new Counter({ name: 'rotor_tokens_issued_total', help: 'Tokens issued by this instance, by signing kid', labelNames: ['kid', 'type'], registers: [registry] }),
    adminUnauthenticated: new Counter({ name: 'rotor_admin_unauthenticated_total', help: 'Admin API requests refused before authentication (not in the audit chain), by result: refused or throttled', labelNames: ['result'], registers: [registry] }),
  };
}
