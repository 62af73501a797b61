import { SsfError } from './ssf-error.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface ReceiverUrlRules {
  production: boolean;
  /** `ssf.allowedReceiverHosts`, lower-case. */
  allowedHosts: readonly string[];
}

/**
 * Checks a push endpoint: an absolute `https:` URL without credentials or fragment (`http:` only
 * to loopback, and never in production) whose host the operator allowed in
 * `ssf.allowedReceiverHosts`. Checked when a stream is created or changed, and again before
 * every delivery, so narrowing the setting stops deliveries at once. Returns the URL.
 * @throws SsfError `ROTOR_SSF_BAD_ENDPOINT` or `ROTOR_SSF_HOST_NOT_ALLOWED`.
 */
export function checkReceiverUrl(value: string, { production, allowedHosts }: ReceiverUrlRules): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SsfError('delivery.endpoint_url: must be an absolute URL', 'ROTOR_SSF_BAD_ENDPOINT');
  }
  if (url.username || url.password || url.hash) throw new SsfError('delivery.endpoint_url: must not carry credentials or a fragment', 'ROTOR_SSF_BAD_ENDPOINT');
  const host = url.hostname.toLowerCase();
  if (url.protocol === 'http:') {
    if (production) throw new SsfError('delivery.endpoint_url: must be https: in production', 'ROTOR_SSF_BAD_ENDPOINT');
    if (!LOOPBACK.has(host)) throw new SsfError('delivery.endpoint_url: http: is allowed to loopback only; use https:', 'ROTOR_SSF_BAD_ENDPOINT');
  } else if (url.protocol !== 'https:') {
    throw new SsfError('delivery.endpoint_url: must be an https: URL', 'ROTOR_SSF_BAD_ENDPOINT');
  }
  if (!allowedHosts.includes(host)) throw new SsfError(`delivery.endpoint_url: the host ${host} is not in ssf.allowedReceiverHosts`, 'ROTOR_SSF_HOST_NOT_ALLOWED');
  return url;
}
