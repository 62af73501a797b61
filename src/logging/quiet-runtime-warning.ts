/**
 * oidc-provider warns at import time that Node 20 is not its preferred runtime; Rotor supports
 * Node 20 (>= 20.19) deliberately, and the line would break the CLI's "one line on stderr"
 * promise. Import this module before oidc-provider; every other warning passes through.
 */
const original = console.warn.bind(console);
console.warn = (...args: unknown[]): void => {
  if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return;
  original(...args);
};
