import { describe, expect, it } from '@jest/globals';
import { clientPrincipal, mayBeSameHuman, userPrincipal } from '../../../src/audit/principal.js';

describe('who counts as a second person under the two-person rule', () => {
  it('one person through two clients is one person', () => {
    expect(mayBeSameHuman(userPrincipal('sam', 'console'), userPrincipal('sam', 'console2'))).toBe(true);
  });

  it('two people through one client are two people', () => {
    expect(mayBeSameHuman(userPrincipal('sam', 'console'), userPrincipal('sue', 'console'))).toBe(false);
  });

  it('a client acting for itself twice is one actor; two clients are two', () => {
    expect(mayBeSameHuman(clientPrincipal('ops'), clientPrincipal('ops'))).toBe(true);
    expect(mayBeSameHuman(clientPrincipal('ops'), clientPrincipal('ops2'))).toBe(false);
  });

  it('a client and a person acting through that same client may be one human; through another client they are not', () => {
    expect(mayBeSameHuman(clientPrincipal('console'), userPrincipal('sam', 'console'))).toBe(true);
    expect(mayBeSameHuman(userPrincipal('sam', 'console'), clientPrincipal('console'))).toBe(true);
    expect(mayBeSameHuman(clientPrincipal('ops'), userPrincipal('sam', 'console'))).toBe(false);
  });

  it('the command line is its own actor', () => {
    expect(mayBeSameHuman({ actor: 'cli:root@host' }, { actor: 'cli:root@host' })).toBe(true);
    expect(mayBeSameHuman({ actor: 'cli:root@host' }, userPrincipal('sam', 'console'))).toBe(false);
  });
});
