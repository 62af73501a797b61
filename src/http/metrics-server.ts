import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from '../metrics/create-metrics.js';

export interface MetricsServer {
  /** The port it listens on (the one picked when asked for 0). */
  port: number;
  stop(): Promise<void>;
}

/**
 * `/metrics` on a port of its own (`METRICS_PORT`), bound to `metrics.host` (loopback by
 * default), so a scraper reaches it and the internet does not. Everything else is a 404.
 */
export async function startMetricsServer(metrics: Metrics, host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
    }, () => {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' }).end('metrics unavailable\n');
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolveListen());
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  };
}
