/** Small HTML pages the provider serves itself: no scripts, no external assets. */

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE =
  'body{font-family:system-ui,sans-serif;margin:3rem auto;max-width:22rem;padding:0 1rem}' +
  'label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}' +
  'button{margin-top:1rem;padding:.5rem 1rem}.error{color:#a00;border:1px solid #a00;padding:.5rem}';

/**
 * Content-Security-Policy of the provider's pages. `form-action` must admit where the forms'
 * answers redirect to (Chrome checks it on every redirect after a submission): the provider
 * itself, then the relying parties' callbacks and post-logout pages.
 */
export function pageCsp(formTargets: readonly string[]): string {
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `form-action 'self' ${formTargets.join(' ')}`.trim(),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

export function loginPage(options: {
  action: string;
  clientName: string;
  error?: string;
  username?: string;
}) {
  return page(
    'Throughcare: sign in',
    `<h1>Sign in</h1><p>to ${escapeHtml(options.clientName)}</p>
${options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : ''}
<form method="post" action="${escapeHtml(options.action)}">
<label for="username">Username</label><input id="username" name="username" required autofocus maxlength="64" autocomplete="username" value="${escapeHtml(options.username ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" required maxlength="200" autocomplete="current-password">
<button type="submit">Sign in</button></form>`,
  );
}
