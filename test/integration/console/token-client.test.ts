import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DependencyDown } from '../../../src/console/dependency-down.js';
import { TokenRefusal, tokenClient } from '../../../src/console/token-client.js';

describe("the console's token client, against a token endpoint that misbehaves", () => {
  let server: Server;
  let base: string;
  let answer: { status: number; body: string };

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  }));

  it.each([
    ['a 200 that is not a token set', 200, '{"access_token":42}'],
    ['a 200 that is not JSON', 200, '<html>'],
    ['a 503', 503, '{"error":"temporarily_unavailable"}'],
  ])('%s is a dependency outage (503 to the person), not a bug', async (_name, status, body) => {
    answer = { status, body };
    await expect(tokenClient(base, 'secret').refresh('rt')).rejects.toBeInstanceOf(DependencyDown);
  });

  it('a 400 is a refusal', async () => {
    answer = { status: 400, body: '{"error":"invalid_grant","error_description":"grant request is invalid"}' };
    await expect(tokenClient(base, 'secret').refresh('rt')).rejects.toBeInstanceOf(TokenRefusal);
  });

  it('no answer at all is a dependency outage', async () => {
    await expect(tokenClient('http://127.0.0.1:1', 'secret').redeem('code', 'verifier', 'http://x/cb')).rejects.toBeInstanceOf(DependencyDown);
  });
});
