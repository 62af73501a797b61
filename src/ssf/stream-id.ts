import { z } from 'zod';

/** A stream id in a path: what this transmitter issues (base64url). */
export const streamIdParam = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'must be a stream id this transmitter issued');
