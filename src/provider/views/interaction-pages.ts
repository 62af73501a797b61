import { escapeHtml, layout } from './layout.js';

/** The sign-in form: fields `login` and `password`, posted to `/interaction/<uid>/login`. */
export function loginPage(uid: string, csrf: string, clientName: string, error?: string, login = ''): string {
  return layout('Sign in', `<p>to continue to <strong>${escapeHtml(clientName)}</strong></p>
${error ? `<p role="alert" class="error" id="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="on">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<label for="login">Username</label>
<input id="login" name="login" type="text" autocomplete="username" required value="${escapeHtml(login)}"${error ? ' aria-describedby="error"' : ''} autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`);
}

/** The consent form, posted to `/interaction/<uid>/confirm`. */
export function consentPage(uid: string, csrf: string, clientName: string, scopes: string[]): string {
  const items = scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join('');
  return layout('Allow access?', `<p><strong>${escapeHtml(clientName)}</strong> asks for:</p>
<ul>${items || '<li>your identity</li>'}</ul>
<form method="post" action="/interaction/${escapeHtml(uid)}/confirm">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<button type="submit">Allow</button>
</form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<button type="submit">Deny</button>
</form>`);
}
