import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface StubKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * A tiny real issuer as a resource server sees it: `GET /jwks` (with `Cache-Control: max-age`,
 * `Rotor-Catalog-Version` = `version`,
 * an `ETag`, `304` on `If-None-Match`) and `GET /jwks/events` (Server-Sent Events). It counts
 * requests, can go down (connections refused) and come back on the same port, and signs tokens
 * with the keys it holds — including keys it does not publish.
 */
export class JwksIssuer {
  readonly keys = new Map<string, StubKey>();
  /** kids served in `/jwks`; by default every key added with `publish`. */
  readonly published = new Set<string>();
  maxAge = 300;
  /** Answer `/jwks` with this status instead (e.g. 500), when set. */
  failWith: number | undefined;
  /** Delay every `/jwks` answer by this many ms. */
  delayMs = 0;
  jwksRequests = 0;
  /** The `Rotor-Consumer` header of each `/jwks` request (undefined where none was sent). */
  readonly consumers: Array<string | undefined> = [];
  notModified = 0;
  eventConnections = 0;
  version = 1;
  #streams = new Set<ServerResponse>();
  #sockets = new Set<Socket>();
  #timers = new Set<NodeJS.Timeout>();
  #server: Server;
  port = 0;

  private constructor() {
    this.#server = this.#create();
  }

  static async start(): Promise<JwksIssuer> {
    const issuer = new JwksIssuer();
    await issuer.up();
    return issuer;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Generates a key; published in `/jwks` unless `publish` is false. */
  async addKey(alg = 'ES256', publish = true): Promise<StubKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = randomUUID();
    const key = { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
    this.keys.set(kid, key);
    if (publish) this.published.add(kid);
    return key;
  }

  /** A signed access token; `header` and `claims` override the defaults. */
  async token(key: StubKey, claims: JWTPayload = {}, header: Record<string, unknown> = {}, audience = `${this.url}/api`): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: this.url, aud: audience, sub: 'svc', client_id: 'svc', iat: now, exp: now + 300, jti: randomUUID(), scope: 'api:read', ...claims })
      .setProtectedHeader({ alg: key.alg, typ: 'at+jwt', kid: key.kid, ...header })
      .sign(key.privateKey);
  }

  jwksBody(): string {
    return JSON.stringify({ keys: [...this.published].map((kid) => this.keys.get(kid)!.publicJwk) });
  }

  /** Sends a `jwks` event to every connected listener. */
  emit(data: { version?: number; kids?: string[]; revoked?: string[] } = {}): void {
    const frame = `id: ${data.version ?? ++this.version}\nevent: jwks\ndata: ${JSON.stringify({ version: data.version ?? this.version, kids: data.kids ?? [...this.published], revoked: data.revoked ?? [] })}\n\n`;
    for (const res of this.#streams) res.write(frame);
  }

  /** Writes raw text to every listener (keep-alives, broken frames). */
  write(text: string): void {
    for (const res of this.#streams) res.write(text);
  }

  get listeners(): number {
    return this.#streams.size;
  }

  /** Ends every event stream, as a restarting instance would. */
  dropStreams(): void {
    for (const res of this.#streams) res.destroy();
    this.#streams.clear();
  }

  /** Stops listening and cuts every connection: requests are refused until {@link up}. */
  async down(): Promise<void> {
    this.dropStreams();
    for (const socket of this.#sockets) socket.destroy();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await new Promise<void>((done) => this.#server.close(() => done()));
    this.#server = this.#create();
  }

  /** Listens again, on the same port as before. */
  async up(): Promise<void> {
    await new Promise<void>((done, fail) => {
      this.#server.once('error', fail);
      this.#server.listen(this.port, '127.0.0.1', () => done());
    });
    this.port = (this.#server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    await this.down();
  }

  #create(): Server {
    const server = createServer((req, res) => this.#handle(req, res));
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    return server;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.url === '/jwks') {
      this.jwksRequests++;
      this.consumers.push(req.headers['rotor-consumer'] as string | undefined);
      const answer = (): void => {
        if (this.failWith) {
          res.writeHead(this.failWith).end('{"error":"server_error"}');
          return;
        }
        const body = this.jwksBody();
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
        const headers = { 'Cache-Control': `public, max-age=${this.maxAge}`, ETag: etag, 'Rotor-Catalog-Version': String(this.version) };
        if (req.headers['if-none-match'] === etag) {
          this.notModified++;
          res.writeHead(304, headers).end();
          return;
        }
        res.writeHead(200, { ...headers, 'Content-Type': 'application/jwk-set+json' }).end(body);
      };
      if (this.delayMs > 0) {
        const timer = setTimeout(() => { this.#timers.delete(timer); answer(); }, this.delayMs);
        this.#timers.add(timer);
      } else answer();
      return;
    }
    if (req.url === '/jwks/events') {
      this.eventConnections++;
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store' });
      res.write('retry: 100\n\n');
      res.write(`id: ${this.version}\nevent: jwks\ndata: ${JSON.stringify({ version: this.version, kids: [...this.published], revoked: [] })}\n\n`);
      this.#streams.add(res);
      res.once('close', () => this.#streams.delete(res));
      return;
    }
    res.writeHead(404).end();
  }
}
