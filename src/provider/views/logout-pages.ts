import type { KoaContextWithOIDC } from 'oidc-provider';
import { escapeHtml, layout } from './layout.js';

/**
 * The sign-out question. `form` is oidc-provider's form (`op.logoutForm`, with its xsrf token);
 * the buttons submit it, "yes" with `logout=yes`. No script, nothing from other origins.
 */
export async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  ctx.type = 'html';
  ctx.body = layout('Sign out?', `<p>Do you want to sign out of ${escapeHtml(ctx.host)}?</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`);
}

/** Shown after a sign-out that names no post-logout redirect. */
export async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  ctx.type = 'html';
  ctx.body = layout('Signed out', '<p>You are signed out. You can close this page.</p>');
}
