import type { ClientMetadata } from 'oidc-provider';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { AuditInput } from '../audit/chain.js';
import type { Principal } from '../audit/principal.js';
import type { Account, AccountStore, Role } from '../store/account-store.js';
import type { ClientStore } from '../store/client-store.js';
import type { SecurityEvents } from '../ssf/security-events.js';
import { sessionRevoked } from '../ssf/security-event.js';
import { isReservedClient } from './reserved-clients.js';
import { asLifecycleError, LifecycleError } from './lifecycle-error.js';

/** Refuses a change to a client Rotor keeps for itself. */
function notReserved(clientId: string): void {
  if (isReservedClient(clientId)) {
    throw new LifecycleError(`client ${clientId} is Rotor's own (the console's): it is managed by Rotor and cannot be removed or have its secret rotated`, 'ROTOR_RESERVED_CLIENT');
  }
}

export interface LifecycleDeps {
  clients: ClientStore;
  accounts: AccountStore;
  audit: AuditTrail;
  /** Where a removed client and a person's revoked sessions are told to receivers (CAEP session-revoked). */
  events?: SecurityEvents | undefined;
}

type Detail = AuditInput['detail'];

/**
 * The client and user changes people make (CLI and admin API alike). Each records one audit
 * event naming the principal — `ok`, or `refused` with the reason's code — and never the secret
 * or the password involved. Refusals are thrown as {@link LifecycleError}s.
 */
export function createLifecycleOperations({ clients, accounts, audit, events }: LifecycleDeps) {
  async function audited<T>(by: Principal, action: string, target: string, reason: string | undefined, work: () => Promise<T>, detail: (result: T) => Detail = () => undefined): Promise<T> {
    let result: T;
    try {
      result = await work();
    } catch (err) {
      const refusal = asLifecycleError(err);
      if (!refusal) throw err;
      await audit.record({ ...by, action, target, reason, outcome: 'refused', detail: { code: refusal.code, message: refusal.message } });
      throw refusal;
    }
    await audit.record({ ...by, action, target, reason, outcome: 'ok', detail: detail(result) });
    return result;
  }
  const sub = (account: Account): Detail => ({ sub: account.sub });
  /** Tells receivers that a person's sessions are gone (written before the operation returns). */
  const personRevoked = async (account: Account, reason: string): Promise<void> => {
    if (events) await events.record(sessionRevoked({ format: 'iss_sub', iss: events.issuer, sub: account.sub }, 'admin', reason));
  };

  return {
    /** Registers a client oidc-provider has validated. */
    addClient: (by: Principal, metadata: ClientMetadata): Promise<void> => audited(by, 'clients.add', metadata.client_id, undefined, () => clients.add(metadata), () => ({
      grantTypes: [...(metadata.grant_types ?? [])],
      scope: metadata.scope ?? '',
      public: metadata.token_endpoint_auth_method === 'none',
      introspection: metadata.introspection_any_client === true,
    })),

    /** Removes a client and everything issued to it. */
    removeClient: async (by: Principal, clientId: string, reason?: string) => {
      const result = await audited(by, 'clients.remove', clientId, reason, async () => {
        notReserved(clientId);
        // Told to receivers before the client goes: were the outbox down after the removal, a
        // retry would find no client and the event would never be written.
        if (events && await clients.find(clientId)) await events.record(sessionRevoked({ format: 'opaque', id: clientId }, 'admin', reason ?? 'the client was removed'));
        return clients.remove(clientId);
      }, (removed) => ({ artifactsDeleted: removed.artifacts }));
      if (events) await events.forgetClient(clientId);
      return result;
    },

    /** Replaces a client's secret with a generated one, returned once. */
    rotateClientSecret: (by: Principal, clientId: string, reason?: string): Promise<string> =>
      audited(by, 'clients.rotate_secret', clientId, reason, () => {
        notReserved(clientId);
        return clients.rotateSecret(clientId);
      }),

    addUser: (by: Principal, username: string, password: string, roles: Role[]): Promise<Account> =>
      audited(by, 'users.add', username, undefined, () => accounts.add(username, password, roles), (account) => ({ sub: account.sub, roles: account.roles })),

    /** Disables (deleting the person's grants, tokens and sessions) or enables an account. */
    setUserDisabled: async (by: Principal, username: string, disabled: boolean, reason?: string) => {
      const result = await audited(by, disabled ? 'users.disable' : 'users.enable', username, reason, () => accounts.setDisabled(username, disabled), (done) => ({ sub: done.account.sub, artifactsDeleted: done.artifacts }));
      if (disabled) await personRevoked(result.account, reason ?? 'the account was disabled');
      return result;
    },

    /** Sets a new password, deleting the person's grants, tokens and sessions. */
    setUserPassword: async (by: Principal, username: string, password: string, reason?: string) => {
      const result = await audited(by, 'users.set_password', username, reason, () => accounts.setPassword(username, password), (done) => ({ sub: done.account.sub, artifactsDeleted: done.artifacts }));
      await personRevoked(result.account, reason ?? 'the password was reset');
      return result;
    },

    grantRole: (by: Principal, username: string, role: Role, reason?: string): Promise<Account> =>
      audited(by, 'users.grant_role', username, reason, () => accounts.grantRole(username, role), (account) => ({ sub: account.sub, role })),

    revokeRole: (by: Principal, username: string, role: Role, reason?: string): Promise<Account> =>
      audited(by, 'users.revoke_role', username, reason, () => accounts.revokeRole(username, role), (account) => ({ sub: account.sub, role })),
  };
}

export type LifecycleOperations = ReturnType<typeof createLifecycleOperations>;
