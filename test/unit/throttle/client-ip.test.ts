import { describe, expect, it } from '@jest/globals';
import { clientIpKey } from '../../../src/throttle/index.js';

describe('the client address a throttle counts', () => {
  it('is the IPv4 address itself, also when it arrives IPv4-mapped', () => {
    expect(clientIpKey('192.0.2.7')).toBe('192.0.2.7');
    expect(clientIpKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientIpKey('::FFFF:192.0.2.7')).toBe('192.0.2.7');
  });

  it('is the /64 of an IPv6 address, however it is written', () => {
    const key = '2001:db8:1:2::/64';
    expect(clientIpKey('2001:db8:1:2::1')).toBe(key);
    expect(clientIpKey('2001:0DB8:0001:0002:ffff:0:0:1')).toBe(key);
    expect(clientIpKey('2001:db8:1:2:3:4:5:6%eth0')).toBe(key);
    expect(clientIpKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientIpKey('::1')).toBe('0:0:0:0::/64');
    expect(clientIpKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });

  it('is a short hash of anything that is not an address, so keys stay bounded', () => {
    const key = clientIpKey(`x${'y'.repeat(10_000)}`);
    expect(key).toMatch(/^other-[\w-]{16}$/);
    expect(clientIpKey('not an ip')).not.toBe(clientIpKey('not an ip either'));
  });
});
