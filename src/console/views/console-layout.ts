import { escapeHtml } from '../../provider/views/layout.js';

/** The console's pages, in the order of its navigation. */
export const PAGES = [
  { path: '/console', label: 'Timeline' },
  { path: '/console/keys', label: 'Keys' },
  { path: '/console/readiness', label: 'Readiness' },
  { path: '/console/audit', label: 'Audit' },
  { path: '/console/streams', label: 'Streams' },
  { path: '/console/approvals', label: 'Approvals' },
] as const;

export interface LayoutOptions {
  title: string;
  /** The page's path, to mark it current in the navigation. */
  path?: string;
  /** The signed-in person; absent on the sign-in and refusal pages. */
  user?: { username: string; csrf: string };
  /** The ES modules the page loads, by name under `/console/static/`. */
  scripts?: string[];
}

function navigation(path: string | undefined, user: { username: string; csrf: string }): string {
  const links = PAGES.map((page) => `<li><a href="${page.path}"${page.path === path ? ' aria-current="page"' : ''}>${page.label}</a></li>`).join('');
  return `<header class="top">
<a class="brand" href="/console">Rotor console</a>
<nav aria-label="Console"><ul>${links}</ul></nav>
<form class="signout" method="post" action="/console/logout">
<span>Signed in as <strong>${escapeHtml(user.username)}</strong></span>
<input type="hidden" name="csrf" value="${escapeHtml(user.csrf)}">
<button type="submit">Sign out</button>
</form>
</header>`;
}

/**
 * The shell of every console page: no inline script or style (the CSP forbids both), the CSRF
 * token in a meta element for the page's modules, a skip link for keyboard users.
 */
export function consoleLayout(options: LayoutOptions, body: string): string {
  const { user } = options;
  const scripts = (options.scripts ?? []).map((name) => `<script type="module" src="/console/static/${name}"></script>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${user ? `<meta name="rotor-csrf" content="${escapeHtml(user.csrf)}">` : ''}
<title>${escapeHtml(options.title)} · Rotor console</title>
<link rel="stylesheet" href="/console/static/console.css">
${scripts}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${user ? navigation(options.path, user) : '<header class="top"><span class="brand">Rotor console</span></header>'}
<main id="main">
<h1>${escapeHtml(options.title)}</h1>
${body}
</main>
</body>
</html>`;
}

/** A page that says one thing (a refusal, a problem, signed out), with a way on. */
export function messagePage(title: string, message: string, link?: { href: string; label: string }): string {
  return consoleLayout({ title }, `<p class="notice" role="alert">${escapeHtml(message)}</p>${link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>` : ''}`);
}
