export { createThrottle, type ThrottleMode, type ThrottleOptions } from './create-throttle.js';
export { clientIpKey } from './client-ip.js';
export type { Attempt, FailureVerdict, Lockout, Throttle, ThrottleLimits, ThrottleScope, Verdict } from './types.js';
