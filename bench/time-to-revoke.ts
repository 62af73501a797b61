import { cpus } from 'node:os';
import { tokenRequest } from '../test/helpers/browser.js';
import { SseListener } from '../test/helpers/sse.js';
import { startCluster } from '../test/helpers/cluster.js';
import { summary, round } from './stats.js';

const ROLLOVERS = Number(process.env.BENCH_ROLLOVERS ?? 40);
const SECRET = 'bench-secret-0123456789-abcdefghij';

/**
 * Time-to-revoke: from the emergency rollover call to the compromised kid being gone from the
 * JWKS of every one of three instances. Each instance emits its `/jwks/events` event at the
 * swap; the benchmark takes the latest of the three, then checks every `/jwks` (untimed).
 */
export async function benchTimeToRevoke(alg: 'ES256' | 'RS256', withPending: boolean, pauseMs = 0): Promise<Record<string, unknown>> {
  const prefix = `rotor-bench-${Date.now()}`;
  const config = { keys: { algorithms: [alg] }, queue: { prefix }, catalog: { pollInterval: '30s' }, admin: { rotationMinInterval: 0 } };
  const cluster = await startCluster('benchrevoke', 3, config, [['--client-id', 'sec', '--client-secret', SECRET, '--scope', 'admin:keys admin:emergency']]);
  const listeners = await Promise.all(cluster.servers.map((server) => SseListener.open(`${server.url}/jwks/events`)));
  try {
    const [first] = cluster.servers;
    const post = async (path: string, bearer: string, body: unknown) => {
      const res = await fetch(`${first!.url}/admin${path}`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const samples: number[] = [];
    const answered: number[] = [];
    for (let i = 0; i < ROLLOVERS; i++) {
      const bearer = (await tokenRequest(first!.url, { grant_type: 'client_credentials', scope: 'admin:keys admin:emergency' }, ['sec', SECRET])).body.access_token as string;
      if (withPending) {
        const rotated = await post('/keys/rotate', bearer, { reason: 'standby key for the drill' });
        if (rotated.status !== 202) throw new Error(`rotate: ${JSON.stringify(rotated.body)}`);
      }
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      const started = Date.now();
      const done = await post('/keys/rollover', bearer, { reason: `drill ${i}`, ...(withPending ? { promotePending: true } : {}) });
      answered.push(Date.now() - started);
      if (done.status !== 200) throw new Error(`rollover: ${done.status} ${JSON.stringify(done.body)}`);
      const [kid] = done.body.revokedKids as string[];
      const seen = await Promise.all(listeners.map(async (listener) => (await listener.waitFor((data) => data.revoked.includes(kid!))).at));
      samples.push(Math.max(...seen) - started);
      for (const server of cluster.servers) {
        if ((await (await fetch(`${server.url}/jwks`)).text()).includes(kid!)) throw new Error(`${server.url} still publishes ${kid}`);
      }
    }
    const gone = summary(samples);
    const call = summary(answered);
    return {
      benchmark: 'time-to-revoke', alg, successor: withPending ? 'published pending key' : 'fresh key', pauseMs, instances: 3, rollovers: ROLLOVERS, cpus: cpus().length,
      p50_ms: round(gone.p50), p99_ms: round(gone.p99), max_ms: round(gone.max), call_p50_ms: round(call.p50), call_p99_ms: round(call.p99),
    };
  } finally {
    for (const listener of listeners) listener.close();
    await cluster.close();
  }
}
