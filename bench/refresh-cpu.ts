import { cpuMs, refreshTokenPool, scenarios, CONNECTIONS } from './throughput.js';
import { startBaseline, startRotor, type Alg } from './targets.js';
import { round } from './stats.js';

const SECONDS = 6;

/**
 * Where a rotating refresh costs CPU: for Rotor and the baseline in turn, the main thread's
 * CPU per refresh (JavaScript, the HTTP parser, the driver, socket writes) and the whole
 * process's (the main thread plus V8's and libuv's threads), under the `throughput` refresh load
 * (10 connections, a pool of 20 chains, 2 s of warm-up, then 6 s measured). On two shared cores
 * both servers are bound by their main thread, so the throughput ratio follows the first column.
 */
export async function benchRefreshCpu(algs: Alg[] = ['ES256', 'EdDSA', 'RS256']): Promise<Record<string, unknown>[]> {
  const results: Record<string, unknown>[] = [];
  for (const alg of algs) {
    for (const start of [startRotor, startBaseline]) {
      const target = await start(alg);
      try {
        const pool = await refreshTokenPool(target, CONNECTIONS * 2);
        await scenarios.refresh_token(target, pool, 2);
        const main = (): number => cpuMs(target.pid, target.pid);
        const whole = (): number => cpuMs(target.pid);
        const [main0, whole0] = [main(), whole()];
        const measured = await scenarios.refresh_token(target, pool, SECONDS);
        const refreshes = Math.max(1, measured.rps * SECONDS);
        results.push({
          benchmark: 'refresh-cpu', alg, server: target.name, seconds: SECONDS, rps: round(measured.rps),
          main_thread_ms_per_refresh: round((main() - main0) / refreshes, 3),
          process_ms_per_refresh: round((whole() - whole0) / refreshes, 3),
          errors: measured.errors,
        });
      } finally {
        await target.stop();
      }
    }
  }
  return results;
}
