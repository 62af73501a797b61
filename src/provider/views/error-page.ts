import type { KoaContextWithOIDC, ErrorOut } from 'oidc-provider';
import { escapeHtml, layout } from './layout.js';

/** The error page of browser endpoints; shows the OAuth error, never internals. */
export function renderErrorPage(ctx: KoaContextWithOIDC, out: ErrorOut): void {
  ctx.type = 'html';
  ctx.body = layout('Sign-in error', `<p role="alert" class="error"><strong>${escapeHtml(out.error)}</strong>${out.error_description ? `: ${escapeHtml(out.error_description)}` : ''}</p>`);
}
