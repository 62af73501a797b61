import { createHash, randomBytes } from 'node:crypto';

/** A minimal browser: a cookie jar and manual redirects, enough to drive the login pages. */
export class Browser {
  readonly cookies = new Map<string, string>();

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    headers.set('accept', 'text/html');
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index).trim();
      const value = pair!.slice(index + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async postForm(url: string, fields: Record<string, string>): Promise<Response> {
    return this.request(url, { method: 'POST', body: new URLSearchParams(fields), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!match) throw new Error(`no hidden field ${name} in page: ${html.slice(0, 400)}`);
  return match[1]!;
}

/** The first form of a page: where it posts and its hidden fields (CSRF token and the like). */
function firstForm(html: string, pageUrl: string): { action: string; hidden: Record<string, string> } {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`no form in page ${pageUrl}: ${html.slice(0, 300)}`);
  const hidden: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    if (name) hidden[name] = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
  }
  return { action: new URL(form[1]!.replace(/&amp;/g, '&'), pageUrl).toString(), hidden };
}

export interface LoginOptions {
  issuer: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  username: string;
  password: string;
  resource?: string;
  /** Stop at the login page and return it (to test wrong passwords). */
  browser?: Browser;
}

/** Follows redirects (resolving relative ones) until the URL starts with `stopAt`. */
async function follow(browser: Browser, res: Response, base: string, stopAt: string): Promise<{ res: Response; url: string }> {
  let current = res;
  let url = base;
  for (let hops = 0; hops < 10 && current.status >= 300 && current.status < 400; hops++) {
    url = new URL(current.headers.get('location')!, url).toString();
    if (url.startsWith(stopAt)) return { res: current, url };
    current = await browser.request(url);
  }
  return { res: current, url };
}

/**
 * Drives the authorization code flow with PKCE the way a browser would: the login form, then
 * the consent form, and returns the code (and the verifier) from the final redirect.
 */
export async function authorize(options: LoginOptions): Promise<{ code: string; verifier: string; browser: Browser }> {
  const browser = options.browser ?? new Browser();
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(8).toString('hex');
  const params = new URLSearchParams({
    client_id: options.clientId, redirect_uri: options.redirectUri, response_type: 'code', scope: options.scope,
    code_challenge: challenge, code_challenge_method: 'S256', state, prompt: 'consent',
    ...(options.resource ? { resource: options.resource } : {}),
  });
  const start = `${options.issuer}/auth?${params}`;
  let step = await follow(browser, await browser.request(start), start, options.redirectUri);
  for (let pages = 0; pages < 4 && !step.url.startsWith(options.redirectUri); pages++) {
    const html = await step.res.text();
    if (step.res.status !== 200) throw new Error(`unexpected ${step.res.status} at ${step.url}: ${html.slice(0, 300)}`);
    const { action, hidden } = firstForm(html, step.url);
    const credentials: Record<string, string> = html.includes('name="password"') ? { login: options.username, password: options.password } : {};
    const next = await browser.postForm(action, { ...hidden, ...credentials });
    if (next.status === 401) throw new Error('login refused');
    step = await follow(browser, next, step.url, options.redirectUri);
  }
  const final = new URL(step.url);
  if (final.searchParams.get('state') !== state) throw new Error(`state mismatch in ${step.url}`);
  const code = final.searchParams.get('code');
  if (!code) throw new Error(`no code in ${step.url}`);
  return { code, verifier, browser };
}

/** POSTs a form to the token endpoint (optionally with Basic auth) and returns status and JSON. */
export async function tokenRequest(issuer: string, fields: Record<string, string>, basic?: [string, string]): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(basic[0])}:${encodeURIComponent(basic[1])}`).toString('base64')}`;
  const res = await fetch(`${issuer}/token`, { method: 'POST', headers, body: new URLSearchParams(fields) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
