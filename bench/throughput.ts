import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { authorize } from '../test/helpers/browser.js';
import { CC_CLIENT, REDIRECT, SPA_CLIENT, startBaseline, startRotor, type Alg, type Target } from './targets.js';
import { round } from './stats.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 6);
export const CONNECTIONS = 10;

export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** The server's CPU time (user + system) per answered request, in microseconds, where measured. */
  cpuUsPerRequest?: number;
}

/**
 * CPU time a process has used so far, in ms (utime + stime from /proc, at 100 ticks a second);
 * with `tid`, that of one of its threads.
 */
export function cpuMs(pid: number, tid?: number): number {
  const fields = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Runs autocannon. With `pid`, also measures the server's CPU per request: on two cores the load
 * generator saturates before a server answering from memory does, so requests per second alone
 * cannot tell two fast servers apart, while their CPU cost per request can.
 */
async function load(options: autocannon.Options, pid?: number): Promise<Measured> {
  const before = pid === undefined ? 0 : cpuMs(pid);
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...options });
  // A 304 is the answer asked for with If-None-Match, not an error.
  const notModified = (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats?.['304']?.count ?? 0;
  const measured: Measured = { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx - notModified + result.errors + result.timeouts };
  if (pid !== undefined) measured.cpuUsPerRequest = round(((cpuMs(pid) - before) * 1000) / Math.max(1, result.requests.total), 1);
  return measured;
}

/** Refresh tokens for the load: each request takes one from the pool and returns its successor. */
export async function refreshTokenPool(target: Target, size: number): Promise<string[]> {
  const pool: string[] = [];
  for (let i = 0; i < size; i++) {
    const { code, verifier } = await authorize({ issuer: target.url, clientId: SPA_CLIENT, redirectUri: REDIRECT, scope: 'openid offline_access api:read', username: 'bench', password: 'bench-password' });
    const res = await fetch(`${target.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: SPA_CLIENT }) });
    const body = (await res.json()) as { refresh_token?: string };
    if (!body.refresh_token) throw new Error(`${target.name}: no refresh token: ${JSON.stringify(body)}`);
    pool.push(body.refresh_token);
  }
  return pool;
}

/** The load of each figure, `seconds` long (`BENCH_SECONDS`, 6 by default). */
export const scenarios = {
  async client_credentials(target: Target, _pool: string[], seconds = DURATION): Promise<Measured> {
    return load({ duration: seconds, url: `${target.url}/token`, method: 'POST', headers: { authorization: `Basic ${Buffer.from(CC_CLIENT.join(':')).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=api%3Aread' });
  },
  async refresh_token(target: Target, pool: string[], seconds = DURATION): Promise<Measured> {
    return load({
      duration: seconds,
      url: `${target.url}/token`,
      requests: [{
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        setupRequest: (request) => ({ ...request, body: `grant_type=refresh_token&client_id=${SPA_CLIENT}&refresh_token=${pool.shift() ?? 'pool-empty'}` }),
        onResponse: (status, body) => {
          if (status === 200) pool.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
        },
      }],
    });
  },
  async jwks(target: Target, _pool: string[], seconds = DURATION): Promise<Measured> {
    return load({ duration: seconds, url: `${target.url}/jwks` }, target.pid);
  },
  async jwks_if_none_match(target: Target, _pool: string[], seconds = DURATION): Promise<Measured> {
    const etag = (await fetch(`${target.url}/jwks`)).headers.get('etag') ?? '"none"';
    return load({ duration: seconds, url: `${target.url}/jwks`, headers: { 'if-none-match': etag } }, target.pid);
  },
};

export type Scenario = keyof typeof scenarios;

/**
 * Throughput of one Rotor process against bare oidc-provider with static keys on the same
 * mongoose adapter and engines, for each algorithm: rotating refresh_token grants,
 * client_credentials grants, GET /jwks with and without If-None-Match, and memory.
 */
export async function benchThroughput(algs: Alg[] = ['ES256', 'EdDSA', 'RS256']): Promise<Record<string, unknown>[]> {
  // One process at a time, Rotor first then the baseline, each on a fresh database.
  const results: Record<string, unknown>[] = [];
  for (const alg of algs) {
    const measured: Record<string, Record<Scenario, Measured> & { rssRestMiB: number; rssLoadMiB: number }> = {};
    for (const start of [startRotor, startBaseline]) {
      const target = await start(alg);
      try {
        await load({ url: `${target.url}/jwks`, duration: 1 });
        // Sign-ins first, outside the measurement: each runs scrypt (128 MiB while it lasts, by design).
        const pool = await refreshTokenPool(target, CONNECTIONS * 2);
        const rest = rssMiB(target.pid);
        let peak = rest;
        const sampler = setInterval(() => { peak = Math.max(peak, rssMiB(target.pid)); }, 250);
        const row = {} as Record<Scenario, Measured>;
        for (const scenario of Object.keys(scenarios) as Scenario[]) row[scenario] = await scenarios[scenario](target, pool);
        clearInterval(sampler);
        measured[target.name] = { ...row, rssRestMiB: round(rest), rssLoadMiB: round(peak) };
      } finally {
        await target.stop();
      }
    }
    for (const scenario of Object.keys(scenarios) as Scenario[]) {
      const rotor = measured.rotor![scenario];
      const baseline = measured.baseline![scenario];
      results.push({
        benchmark: 'throughput', alg, scenario, seconds: DURATION, connections: CONNECTIONS,
        rotor_rps: round(rotor.rps), baseline_rps: round(baseline.rps), ratio: round(rotor.rps / baseline.rps, 3),
        rotor_p50_ms: rotor.p50, rotor_p99_ms: rotor.p99, baseline_p50_ms: baseline.p50, baseline_p99_ms: baseline.p99,
        rotor_errors: rotor.errors, baseline_errors: baseline.errors,
        ...(rotor.cpuUsPerRequest !== undefined ? { rotor_cpu_us_per_req: rotor.cpuUsPerRequest, baseline_cpu_us_per_req: baseline.cpuUsPerRequest, cpu_ratio: round(baseline.cpuUsPerRequest! / rotor.cpuUsPerRequest, 3) } : {}),
      });
    }
    results.push({ benchmark: 'memory', alg, rotor_rss_rest_mib: measured.rotor!.rssRestMiB, rotor_rss_load_mib: measured.rotor!.rssLoadMiB, baseline_rss_rest_mib: measured.baseline!.rssRestMiB, baseline_rss_load_mib: measured.baseline!.rssLoadMiB });
  }
  return results;
}
