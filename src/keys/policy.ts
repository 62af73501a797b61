import type { Algorithm } from '../settings/schema.js';

/** The rollover policy, in seconds (see CONTRACT.md `keys.*`). */
export interface Policy {
  algorithms: readonly Algorithm[];
  rotationInterval: number;
  prePublish: number;
  overlap: number;
}

export const addSeconds = (at: Date, seconds: number): Date => new Date(at.getTime() + seconds * 1000);
