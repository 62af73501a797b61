import { describe, expect, it } from '@jest/globals';
import type { IncomingMessage } from 'node:http';
import { consumerOf as consumerOfRequest } from '../../../src/readiness/consumer-of.js';

/** The parts of a request consumerOf reads. */
const request = (headers: Record<string, string>, remoteAddress = '::ffff:10.0.0.7'): IncomingMessage =>
  ({ headers, socket: { remoteAddress } }) as unknown as IncomingMessage;
/** The name recorded for a request. */
const consumerOf = (req: IncomingMessage, proxyHops: number): string => consumerOfRequest(req, proxyHops).name;

describe('who fetched /jwks', () => {
  it('is the name rotor/verifier sends in Rotor-Consumer', () => {
    expect(consumerOf(request({ 'rotor-consumer': 'orders-api', 'user-agent': 'node' }), 0)).toBe('orders-api');
  });

  it('tells a self-declared name from one Rotor makes up, and keeps the address either way', () => {
    expect(consumerOfRequest(request({ 'rotor-consumer': 'orders-api' }), 0)).toEqual({ name: 'orders-api', named: true, address: '10.0.0.7' });
    expect(consumerOfRequest(request({ 'user-agent': 'curl/8.5' }), 0)).toEqual({ name: 'curl/8.5 @ 10.0.0.7', named: false, address: '10.0.0.7' });
  });

  it('is User-Agent and address without one (IPv4-mapped addresses written as IPv4)', () => {
    expect(consumerOf(request({ 'user-agent': 'curl/8.5' }), 0)).toBe('curl/8.5 @ 10.0.0.7');
    expect(consumerOf(request({}), 0)).toBe('unknown @ 10.0.0.7');
  });

  it('ignores a Rotor-Consumer name that is too long or not printable', () => {
    expect(consumerOf(request({ 'rotor-consumer': 'x'.repeat(101), 'user-agent': 'ua' }), 0)).toBe('ua @ 10.0.0.7');
    expect(consumerOf(request({ 'rotor-consumer': 'bad\u0001name', 'user-agent': 'ua' }), 0)).toBe('ua @ 10.0.0.7');
  });

  it('takes the address from X-Forwarded-For only through the trusted proxy hops', () => {
    const headers = { 'user-agent': 'ua', 'x-forwarded-for': '203.0.113.9, 198.51.100.2' };
    expect(consumerOf(request(headers), 0)).toBe('ua @ 10.0.0.7');
    expect(consumerOf(request(headers), 1)).toBe('ua @ 198.51.100.2');
    expect(consumerOf(request(headers), 2)).toBe('ua @ 203.0.113.9');
  });

  it('keeps a User-Agent to 100 printable characters', () => {
    expect(consumerOf(request({ 'user-agent': `é${'a'.repeat(200)}` }), 0)).toBe(`?${'a'.repeat(99)} @ 10.0.0.7`);
  });
});
