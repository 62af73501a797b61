import type { Algorithm } from './algorithms.js';

/** The rollover policy, in seconds (see CONTRACT.md `keys.*`). */
export interface Policy {
  algorithms: readonly Algorithm[];
  rotationInterval: number;
  prePublish: number;
  overlap: number;
}

export const addSeconds = (at: Date, seconds: number): Date => new Date(at.getTime() + seconds * 1000);

/** The times of a key that signs from `activatesAt`: it stops after `rotationInterval`, and leaves the JWKS `overlap` later. */
export function signingSchedule(activatesAt: Date, policy: Pick<Policy, 'rotationInterval' | 'overlap'>): { activatesAt: Date; retiresAt: Date; removesAt: Date } {
  const retiresAt = addSeconds(activatesAt, policy.rotationInterval);
  return { activatesAt, retiresAt, removesAt: addSeconds(retiresAt, policy.overlap) };
}

/** The times of a key that stops signing at `retiresAt`: it leaves the JWKS `overlap` later. */
export function retiringSchedule(retiresAt: Date, policy: Pick<Policy, 'overlap'>): { retiresAt: Date; removesAt: Date } {
  return { retiresAt, removesAt: addSeconds(retiresAt, policy.overlap) };
}
