import { createLifecycleOperations, type LifecycleOperations } from '../lifecycle/lifecycle-operations.js';
import { LifecycleError } from '../lifecycle/lifecycle-error.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './context.js';

/** The client and user operations on the CLI's store, audited in the store's audit log. */
export const cliLifecycle = (ctx: CliContext): LifecycleOperations =>
  createLifecycleOperations({ clients: ctx.store.clients, accounts: ctx.store.accounts, audit: ctx.controls().audit, events: ctx.securityEvents });

/** Runs a lifecycle operation; a refusal (unknown id, public client, ...) becomes one line, exit 1. */
export async function refusalsAsCliErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof LifecycleError) throw new CliError(err.message);
    throw err;
  }
}
