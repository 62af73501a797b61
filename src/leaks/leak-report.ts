import type { IncomingMessage } from 'node:http';
import { z } from 'zod';

/** The largest report `POST /leaks` reads. */
export const MAX_REPORT_BYTES = 1024 * 1024;

/** Why a report could not be read or understood: its HTTP status and a message for the reporter. */
export class ReportError extends Error {
  constructor(readonly status: number, readonly error: string, message: string) {
    super(message);
  }
}

/** One reported token (GitHub secret-scanning partner format). */
const reportedToken = z.strictObject({
  token: z.string().min(1).max(8192),
  type: z.string().min(1).max(200),
  url: z.string().max(4096),
  source: z.string().max(200),
});

export const leakReport = z.array(reportedToken).min(1, 'the report names no token').max(1000, 'at most 1000 tokens per report');

export type ReportedToken = z.infer<typeof reportedToken>;

/** The request body as bytes, exactly as sent (the signature covers them); 413 past {@link MAX_REPORT_BYTES}. */
export async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_REPORT_BYTES) throw new ReportError(413, 'invalid_request', `the report is larger than ${MAX_REPORT_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REPORT_BYTES) throw new ReportError(413, 'invalid_request', `the report is larger than ${MAX_REPORT_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The report in `body`: a JSON array of `{token, type, url, source}`; 400 naming the first problem otherwise. */
export function parseReport(body: Buffer): ReportedToken[] {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ReportError(400, 'invalid_request', 'the body is not valid JSON');
  }
  const result = leakReport.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  const message = issue.code === 'invalid_type' && issue.path.length === 0 ? 'the body must be a JSON array of {"token","type","url","source"}' : `${where}${issue.message}`;
  throw new ReportError(400, 'invalid_request', message);
}
