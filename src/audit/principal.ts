/**
 * Who did something, as the audit log names it: `client:<id>` for a client acting for itself,
 * `user:<username>` (with `client`, the client the person acted through) for a person,
 * `system:<what>` for Rotor itself, `cli:<user>@<host>` for the command line.
 */
export interface Principal {
  actor: string;
  /** The client a person acted through; absent when no client is involved or the client acts for itself. */
  client?: string | undefined;
}

export const clientPrincipal = (clientId: string): Principal => ({ actor: `client:${clientId}` });

export const userPrincipal = (username: string, clientId: string): Principal => ({ actor: `user:${username}`, client: clientId });

/** The client a principal used: its own id when a client acts for itself, the one a person acted through otherwise. */
function clientOf(principal: Principal): string | undefined {
  if (principal.actor.startsWith('client:')) return principal.actor.slice('client:'.length);
  return principal.client;
}

/**
 * Whether two principals may stand for one human under the two-person rule: the same actor
 * (one person through two clients is one person), or a client acting for itself on one side and a
 * person acting through that same client on the other (whoever holds the client's secret may be
 * that person).
 */
export function mayBeSameHuman(a: Principal, b: Principal): boolean {
  if (a.actor === b.actor) return true;
  const aIsClient = a.actor.startsWith('client:');
  const bIsClient = b.actor.startsWith('client:');
  if (aIsClient === bIsClient) return false;
  const shared = clientOf(a);
  return shared !== undefined && shared === clientOf(b);
}
