import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** The first four groups of an IPv6 address, written out (`2001:db8::1` -> 2001, db8, 0, 0). */
function networkGroups(ip: string): string[] {
  const [head = '', tail] = ip.split('::');
  // A dotted IPv4 tail stands for two groups; it never reaches the first four.
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [group])));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const filled = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return filled.slice(0, 4).map((group) => parseInt(group, 16).toString(16));
}

/**
 * The client address as a throttle counts it: IPv4 (also when IPv4-mapped), an IPv6 /64
 * (one subscriber usually holds a whole /64, so counting single addresses would give an attacker
 * billions of fresh counters), or a short hash of anything else, so keys stay bounded.
 */
export function clientIpKey(ip: string): string {
  const bare = ip.trim().toLowerCase().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(bare)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  if (isIPv4(bare)) return bare;
  if (isIPv6(bare)) return `${networkGroups(bare).join(':')}::/64`;
  return `other-${createHash('sha256').update(ip).digest('base64url').slice(0, 16)}`;
}
