import type { z } from 'zod';
import { AdminError } from './admin-error.js';

/** Validates a body, query or path parameter by its schema; the first problem is a 400. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  const message = issue.code === 'invalid_type' && issue.path.length === 0 ? 'the body must be a JSON object (Content-Type: application/json)' : `${where}${issue.message}`;
  throw AdminError.refused(400, 'invalid_request', message);
}
