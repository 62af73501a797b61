/** How long one push may take before it counts as failed: a slow receiver holds one slot no longer. */
export const PUSH_TIMEOUT_MS = 10_000;

/** The outcome of one push: delivered, or why not and whether trying again can help. */
export type PushOutcome = { ok: true } | { ok: false; retry: boolean; error: string };

/**
 * Pushes one SET (RFC 8935): `POST` with `Content-Type: application/secevent+jwt`, the stream's
 * `Authorization` header when it has one. 2xx is delivered; a 400 with an RFC 8935 error body
 * is the receiver refusing this SET (retrying cannot help); anything else is retried. Redirects
 * are not followed: they could lead outside `ssf.allowedReceiverHosts`.
 */
export async function pushSet(url: URL, set: string, authorization: string | undefined): Promise<PushOutcome> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/secevent+jwt', Accept: 'application/json', ...(authorization ? { Authorization: authorization } : {}) },
      body: set,
      signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
    });
  } catch (err) {
    return { ok: false, retry: true, error: (err as Error).name === 'TimeoutError' ? 'timed out' : `unreachable: ${(err as Error).message}` };
  }
  if (res.status >= 200 && res.status < 300) {
    await res.body?.cancel();
    return { ok: true };
  }
  const text = await res.text().catch(() => '');
  if (res.status === 400) {
    try {
      const body = JSON.parse(text) as { err?: unknown; description?: unknown };
      if (typeof body.err === 'string') return { ok: false, retry: false, error: `refused: ${body.err.slice(0, 100)}` };
    } catch {
      // not an RFC 8935 error body: retried like any other failure
    }
  }
  return { ok: false, retry: true, error: `HTTP ${res.status}` };
}
