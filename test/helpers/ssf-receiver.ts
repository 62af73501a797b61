import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { tokenRequest } from './browser.js';

/** A SET as a receiver checked it: its claims, and the one event it carries. */
export interface ReceivedSet {
  claims: JWTPayload & { events: Record<string, Record<string, unknown>>; sub_id: Record<string, unknown>; txn?: string };
  type: string;
  event: Record<string, unknown>;
  kid: string;
}

/** How the receiver answers: 202, or always 500 (after `delayMs`). */
export type ReceiverMode = { kind: 'ok' } | { kind: 'fail'; delayMs: number };

export interface TestReceiver {
  url: string;
  /** Verified SETs, each jti once, in arrival order. */
  sets: ReceivedSet[];
  /** Every request received, duplicates included. */
  requests: number;
  /** Requests in progress now. */
  open: number;
  /** Stops listening (the port stays reserved for {@link up}). */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
  /** Waits until `count` SETs matching `match` arrived. */
  waitFor(match: (set: ReceivedSet) => boolean, count?: number, ms?: number): Promise<ReceivedSet[]>;
}

const read = async (req: IncomingMessage): Promise<string> => {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
};

/** Verifies a SET as a receiver must: signature against `/jwks`, issuer, audience, `typ`. */
export async function verifySet(set: string, issuer: string, audience: string, jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`))): Promise<ReceivedSet> {
  const { payload, protectedHeader } = await jwtVerify(set, jwks, { issuer, audience, typ: 'secevent+jwt' });
  const claims = payload as ReceivedSet['claims'];
  const [type, event] = Object.entries(claims.events)[0]!;
  return { claims, type, event, kid: protectedHeader.kid! };
}

/** An RFC 8935 push receiver on 127.0.0.1 (node:http), verifying every SET with jose. */
export async function startReceiver(issuer: string, audience: string, mode: ReceiverMode = { kind: 'ok' }): Promise<TestReceiver> {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`), { cooldownDuration: 0 });
  const seen = new Set<string>();
  let server: Server | undefined;
  let port = 0;
  const receiver: TestReceiver = {
    url: '', sets: [], requests: 0, open: 0,
    async down() {
      const closing = server;
      server = undefined;
      closing?.closeAllConnections();
      await new Promise((done) => closing?.close(done) ?? done(undefined));
    },
    async up() {
      server = createServer((req, res) => void handle(req, res));
      await new Promise<void>((done) => server!.listen(port, '127.0.0.1', done));
      port = (server.address() as { port: number }).port;
      receiver.url = `http://127.0.0.1:${port}/events`;
    },
    close: () => receiver.down(),
    async waitFor(match, count = 1, ms = 15_000) {
      const deadline = Date.now() + ms;
      while (receiver.sets.filter(match).length < count && Date.now() < deadline) await sleep(50);
      return receiver.sets.filter(match);
    },
  };
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    receiver.requests++;
    receiver.open++;
    try {
      const body = await read(req);
      if (mode.kind === 'fail') {
        await sleep(mode.delayMs);
        res.writeHead(500).end();
        return;
      }
      if (req.headers['content-type'] !== 'application/secevent+jwt') {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ err: 'invalid_request', description: 'not a SET' }));
        return;
      }
      const set = await verifySet(body, issuer, audience, jwks);
      if (!seen.has(set.claims.jti!)) {
        seen.add(set.claims.jti!);
        receiver.sets.push(set);
      }
      res.writeHead(202).end();
    } catch (err) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ err: 'invalid_key', description: (err as Error).message }));
    } finally {
      receiver.open--;
    }
  }
  await receiver.up();
  return receiver;
}

/** A `client_credentials` token of a receiver client for the stream API. */
export async function ssfToken(issuer: string, clientId: string, secret: string): Promise<string> {
  const { status, body } = await tokenRequest(issuer, { grant_type: 'client_credentials', scope: 'ssf:manage' }, [clientId, secret]);
  if (status !== 200) throw new Error(`no ssf token for ${clientId}: ${JSON.stringify(body)}`);
  return body.access_token as string;
}

/** Calls the stream API with a bearer token; the answer's status and JSON body (if any). */
export async function ssfCall(issuer: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${issuer}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
