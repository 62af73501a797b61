import type { KoaContextWithOIDC, ErrorOut } from 'oidc-provider';
import { escapeHtml, layout } from './layout.js';

/** The error page of browser endpoints; shows the OAuth error, never internals. */
export function renderErrorPage(ctx: KoaContextWithOIDC, out: ErrorOut): void {
  ctx.type = 'html';
  ctx.body = layout('Sign-in error', `<p role="alert" class="error"><strong>${escapeHtml(out.error)}</strong>${out.error_description ? `: ${escapeHtml(out.error_description)}` : ''}</p>`);
}

/** The HTML page for an error of Rotor's own browser routes (an expired, unknown or forged sign-in). */
export function browserErrorPage(status: number, message: string): string {
  return layout(status >= 500 ? 'Service unavailable' : 'Sign-in problem', `<p role="alert" class="error">${escapeHtml(message)}</p>`);
}
