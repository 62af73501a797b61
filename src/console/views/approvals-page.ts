import { escapeHtml } from '../../provider/views/layout.js';

type Row = Record<string, unknown>;

const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

function describe(request: Row): string {
  const params = (request.params ?? {}) as Row;
  if (request.kind === 'revoke') return `Revoke key ${text(params.kid)}`;
  const target = params.compromisedKid ? `compromised key ${text(params.compromisedKid)}` : `the active ${text(params.alg ?? '')} key`.replace('  ', ' ');
  return `Emergency rollover of ${target}${params.promotePending ? ' (promoting the pending key)' : ''}`;
}

function requestCard(request: Row, me: string): string {
  const id = escapeHtml(request.requestId);
  const own = request.requestedBy === `user:${me}`;
  return `<li class="request">
<h2>${escapeHtml(describe(request))}</h2>
<dl>
<dt>Requested by</dt><dd>${escapeHtml(request.requestedBy)}${request.requestedThrough ? ` through ${escapeHtml(request.requestedThrough)}` : ''}</dd>
<dt>Reason</dt><dd>${escapeHtml(request.reason)}</dd>
<dt>Requested at</dt><dd><time datetime="${escapeHtml(request.createdAt)}">${escapeHtml(request.createdAt)}</time></dd>
<dt>Expires at</dt><dd><time datetime="${escapeHtml(request.expiresAt)}">${escapeHtml(request.expiresAt)}</time></dd>
<dt>Request id</dt><dd><code>${id}</code></dd>
</dl>
${own ? '<p class="notice">You asked for this: a second person of the security team must approve it. You may withdraw it.</p>' : ''}
<form class="decide" data-request="${id}">
<label for="reason-${id}">Your reason</label>
<input id="reason-${id}" name="reason" required minlength="3" maxlength="500" autocomplete="off">
${own ? '' : '<button type="submit" name="decision" value="approve" class="danger">Approve</button>'}
<button type="submit" name="decision" value="reject">${own ? 'Withdraw' : 'Reject'}</button>
</form>
</li>`;
}

/** The two-person rule's queue: emergency requests waiting for a second person. */
export function approvalsPage(body: Row | undefined, me: string): string {
  if (!body) return '<p class="notice" role="status">The approvals queue is not available on this server.</p>';
  const requests = Array.isArray(body.requests) ? body.requests as Row[] : [];
  const list = requests.length === 0 ? '<p class="empty">No request is waiting for approval.</p>' : `<ul class="requests">${requests.map((request) => requestCard(request, me)).join('\n')}</ul>`;
  return `<div id="action-result" class="result" role="status" aria-live="polite" tabindex="-1"></div>
<p>Under the two-person rule, an emergency rollover or revocation waits here until a second person approves it.</p>
${list}`;
}
