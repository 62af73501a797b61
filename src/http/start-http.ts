import { createServer, type IncomingMessage, type Server } from 'node:http';
import type Koa from 'koa';
import type { Catalog } from '../keys/catalog.js';
import type { Policy } from '../keys/policy.js';
import type { ProviderHolder } from '../provider/provider-holder.js';
import { jwksFastPath } from './jwks-fast-path.js';

export interface HttpServer {
  server: Server;
  stop(): Promise<void>;
}

/**
 * The public HTTP server: `GET /jwks` answered before Koa (see `jwks-fast-path.ts`), everything
 * else by the app. Resolves once it listens; stopping lets requests in flight finish.
 */
export async function startHttp(app: Koa, options: { port: number; holder: ProviderHolder; policy: Policy; jwksMaxAge: number; https: boolean; now: () => Date; onJwksServed?: (req: IncomingMessage, catalog: Catalog) => void }): Promise<HttpServer> {
  const jwks = jwksFastPath(options.holder, options.policy, options.jwksMaxAge, options.https, options.now, options.onJwksServed);
  const handle = app.callback();
  const server = createServer((req, res) => {
    if (!jwks(req, res)) void handle(req, res);
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => resolveListen());
  });
  return {
    server,
    async stop() {
      server.closeIdleConnections();
      await new Promise((done) => server.close(done));
    },
  };
}
