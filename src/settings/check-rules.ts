import { formatDuration as f } from '../keys/duration.js';
import { policyViolation, type PolicyRuleInput } from '../keys/policy-rules.js';
import { SettingsError } from './settings-error.js';

interface RuleInput extends PolicyRuleInput {
  login: { window: number; lockout: number; maxLockout: number };
  session: { maxAge: number };
}

/**
 * The rules across settings that a schema cannot say alone: the key rollover policy (owned by
 * `keys/`), and sane login and session times.
 * @throws SettingsError with one line naming the key and the rule.
 */
export function checkRules(settings: RuleInput): void {
  const violation = policyViolation(settings);
  if (violation) throw new SettingsError(`config: ${violation}`);
  const { login, session } = settings;
  for (const [key, value] of [['login.window', login.window], ['login.lockout', login.lockout], ['session.maxAge', session.maxAge]] as const) {
    if (value < 1) throw new SettingsError(`config: ${key}: must be at least 1s`);
  }
  if (login.maxLockout < login.lockout) {
    throw new SettingsError(`config: login.maxLockout (${f(login.maxLockout)}) must be >= login.lockout (${f(login.lockout)})`);
  }
}
