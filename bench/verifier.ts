import { cpus } from 'node:os';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { createVerifier } from '../src/verifier/index.js';
import { JwksIssuer } from '../test/helpers/jwks-issuer.js';
import { round } from './stats.js';

const MEASURE_MS = Number(process.env.BENCH_VERIFIER_MS ?? 2000);
const ROUNDS = Number(process.env.BENCH_VERIFIER_ROUNDS ?? 3);
const TOKENS = 64;
const SLICE_MS = 100;
const ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;

type Verify = (token: string) => Promise<unknown>;

/** Runs `verify` over `tokens`, one at a time, for about `ms`; returns how many and how long. */
async function slice(verify: Verify, tokens: string[], ms: number): Promise<{ ops: number; ms: number }> {
  const started = performance.now();
  const deadline = started + ms;
  let ops = 0;
  do {
    for (let i = 0; i < 32; i++) await verify(tokens[ops++ % TOKENS]!);
  } while (performance.now() < deadline);
  return { ops, ms: performance.now() - started };
}

/**
 * One round: `ms` for each side, cut in 100 ms slices that alternate, so both sides see the same
 * machine (other processes, GC, CPU frequency) and drift cancels out. Returns verifications per second.
 */
async function measureRound(a: Verify, b: Verify, tokens: string[], ms: number): Promise<[number, number]> {
  const totals = [{ ops: 0, ms: 0 }, { ops: 0, ms: 0 }];
  for (let i = 0; i < Math.max(1, Math.round(ms / SLICE_MS)); i++) {
    const order = i % 2 === 0 ? [0, 1] : [1, 0];
    for (const side of order) {
      const { ops, ms: took } = await slice(side === 0 ? a : b, tokens, SLICE_MS);
      totals[side]!.ops += ops;
      totals[side]!.ms += took;
    }
  }
  return [totals[0]!.ops / (totals[0]!.ms / 1000), totals[1]!.ops / (totals[1]!.ms / 1000)];
}

/**
 * Verifications per second on one thread for RS256, ES256 and EdDSA access tokens: Rotor's
 * verifier (keys cached, no network) against bare `jose.jwtVerify` with `createLocalJWKSet`,
 * same tokens, same run, in alternating 100 ms slices; the round with the median ratio is reported.
 * The JWKS holds three keys per algorithm, as Rotor's does mid-rotation (pending, active, retiring).
 */
export async function benchVerifier(): Promise<Record<string, unknown>[]> {
  const results: Record<string, unknown>[] = [];
  for (const alg of ALGORITHMS) {
    const issuer = await JwksIssuer.start();
    const verifier = createVerifier({ issuer: issuer.url, audience: `${issuer.url}/api`, logger: { warn: () => undefined } });
    try {
      await issuer.addKey(alg);
      const signer = await issuer.addKey(alg);
      await issuer.addKey(alg);
      const tokens = await Promise.all(Array.from({ length: TOKENS }, () => issuer.token(signer)));
      const jwks = createLocalJWKSet((await (await fetch(`${issuer.url}/jwks`)).json()) as JSONWebKeySet);
      const options = { issuer: issuer.url, audience: `${issuer.url}/api` };
      const bare = (token: string) => jwtVerify(token, jwks, options);
      const rotor = (token: string) => verifier.verify(token);
      await measureRound(rotor, bare, tokens, 400); // warm-up: JIT, key caches
      const fetchesBefore = issuer.jwksRequests;
      const rounds: Array<{ rotor: number; jose: number; ratio: number }> = [];
      for (let r = 0; r < ROUNDS; r++) {
        const [rotorRate, joseRate] = await measureRound(rotor, bare, tokens, MEASURE_MS);
        rounds.push({ rotor: rotorRate, jose: joseRate, ratio: rotorRate / joseRate });
      }
      const median = [...rounds].sort((x, y) => x.ratio - y.ratio)[Math.floor(rounds.length / 2)]!;
      results.push({
        benchmark: 'verifier', alg, rotor_per_sec: Math.round(median.rotor), jose_per_sec: Math.round(median.jose), ratio: round(median.ratio, 3),
        ratios: rounds.map((one) => round(one.ratio, 3)),
        jwks_fetches_while_measuring: issuer.jwksRequests - fetchesBefore, rounds: ROUNDS, measure_ms: MEASURE_MS, cpus: cpus().length, node: process.version,
      });
    } finally {
      await verifier.close();
      await issuer.stop();
    }
  }
  return results;
}
