// Shared by every console page: calls to the console's own JSON API (with the session's CSRF
// token), API errors in words, copy buttons, the audit chain check and the approvals queue.

const csrf = document.querySelector('meta[name="rotor-csrf"]')?.getAttribute('content') ?? '';

/** Calls the console API; resolves to { ok, status, body }, never throws on an HTTP error. */
export async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json', 'x-csrf-token': csrf }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const parsed = await res.json().catch(() => ({}));
  if (res.status === 401) window.location.assign(`/console/login?return=${encodeURIComponent(window.location.pathname)}`);
  return { ok: res.ok, status: res.status, body: parsed, retryAfter: Number(res.headers.get('retry-after')) || parsed.retryAfter };
}

/** What went wrong, in words a person acts on. */
export function describeError(answer) {
  const detail = answer.body?.error_description ?? answer.body?.error ?? 'no reason given';
  switch (answer.status) {
    case 400: return `Not accepted: ${detail}.`;
    case 403: return `Refused (403): ${detail}. Your role or this session does not allow it, or the two-person rule needs someone else.`;
    case 404: return `Not found (404): ${detail}.`;
    case 409: return `Conflict (409): ${detail}. The catalog changed or the request was already decided; look at the timeline again.`;
    case 410: return `Expired (410): ${detail}.`;
    case 429: {
      const seconds = answer.retryAfter;
      const at = seconds ? new Date(Date.now() + seconds * 1000).toLocaleTimeString() : undefined;
      return `Too soon (429): ${detail}.${seconds ? ` Try again in ${seconds} s (at ${at}).` : ''}`;
    }
    default: return `The server answered ${answer.status}: ${detail}.`;
  }
}

/** Shows a result (or an error) in a live region and moves focus to it. */
export function showResult(element, message, isError) {
  if (!element) return;
  element.textContent = message;
  element.classList.toggle('error', Boolean(isError));
  element.focus();
}

function wireCopyButtons() {
  document.addEventListener('click', async (event) => {
    const button = event.target.closest?.('button.copy');
    if (!button) return;
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Select and copy';
    }
    setTimeout(() => { button.textContent = 'Copy'; }, 2000);
  });
}

function wireVerifyButton() {
  const button = document.getElementById('verify-chain');
  const out = document.getElementById('verify-result');
  if (!button || !out) return;
  button.addEventListener('click', async () => {
    out.textContent = 'Verifying…';
    const answer = await api('GET', '/console/api/audit/verify');
    if (!answer.ok) {
      out.textContent = describeError(answer);
      return;
    }
    const { ok, checked, anchor, problem, firstBad } = answer.body;
    const anchorWords = anchor ? ` Anchor at event ${anchor.seq}: ${anchor.ok ? 'matches' : 'does NOT match'}.` : ' No anchor to compare with yet.';
    out.textContent = ok
      ? `Chain intact: ${checked} events checked.${anchorWords}`
      : `Chain BROKEN: ${problem ?? 'a bad event'}${firstBad ? ` (first bad event ${firstBad.seq}: ${firstBad.problem})` : ''}; ${checked} events checked.${anchorWords}`;
    out.className = ok ? 'ok' : 'bad';
  });
}

function wireApprovals() {
  const result = document.getElementById('action-result');
  for (const form of document.querySelectorAll('form.decide')) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const decision = event.submitter?.value === 'approve' ? 'approve' : 'reject';
      const reason = form.elements.reason.value.trim();
      const answer = await api('POST', `/console/api/${decision}`, { requestId: form.dataset.request, reason });
      if (!answer.ok) {
        showResult(result, describeError(answer), true);
        return;
      }
      form.closest('li')?.remove();
      showResult(result, decision === 'approve'
        ? `Approved and carried out: catalog version ${answer.body.version}${answer.body.activeKid ? `, ${answer.body.activeKid} signs now` : ''}; revoked ${(answer.body.revokedKids ?? []).join(', ') || 'nothing'}.`
        : 'Rejected: nothing changed.', false);
    });
  }
}

wireCopyButtons();
wireVerifyButton();
wireApprovals();
