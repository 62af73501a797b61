/** The id of the client Rotor registers for its own console. */
export const CONSOLE_CLIENT_ID = 'rotor-console';

/**
 * Clients Rotor registers and keeps for itself (its console): their secret is derived from the
 * deployment's root secret and every instance re-registers them at start-up, so a removal or a
 * rotation would only break the console until the next start. People may not change them.
 */
const RESERVED_CLIENTS: ReadonlySet<string> = new Set([CONSOLE_CLIENT_ID]);

export const isReservedClient = (clientId: string): boolean => RESERVED_CLIENTS.has(clientId);
