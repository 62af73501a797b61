import { escapeHtml } from '../../provider/views/layout.js';
import { table, time } from './table.js';

type Row = Record<string, unknown>;

const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

function options(id: string, values: string[]): string {
  return `<datalist id="${id}">${values.map((value) => `<option value="${escapeHtml(value)}"></option>`).join('')}</datalist>`;
}

/**
 * The audit log, newest first, filtered by action and actor (a part of either matches), with a
 * button that verifies the chain and its anchor.
 */
export function auditPage(events: Row[], filter: { action: string; actor: string }, examined: number): string {
  const matches = (value: unknown, wanted: string): boolean => wanted === '' || text(value).toLowerCase().includes(wanted.toLowerCase());
  const byActor = (event: Row): boolean => matches(event.actor, filter.actor) || (filter.actor !== '' && matches((event.detail as Row | undefined)?.approvedBy, filter.actor));
  const shown = events.filter((event) => matches(event.action, filter.action) && byActor(event));
  const approver = (event: Row): string => {
    const detail = (event.detail ?? {}) as Row;
    return typeof detail.approvedBy === 'string' ? `${detail.approvedBy}${typeof detail.approvedByClient === 'string' ? ` through ${detail.approvedByClient}` : ''}` : '';
  };
  const rows = shown.map((event) => [text(event.seq), time(event.at), text(event.actor), text(event.client), approver(event), text(event.action), text(event.target), text(event.reason), { html: `<span class="outcome ${escapeHtml(event.outcome)}">${escapeHtml(event.outcome)}</span>` }]);
  const distinct = (key: string): string[] => [...new Set(events.map((event) => text(event[key])).filter(Boolean))].sort();
  return `<form class="filter" method="get" action="/console/audit" role="search">
<label for="filter-action">Action</label>
<input id="filter-action" name="action" list="actions" value="${escapeHtml(filter.action)}" autocomplete="off">
${options('actions', distinct('action'))}
<label for="filter-actor">Actor</label>
<input id="filter-actor" name="actor" list="actors" value="${escapeHtml(filter.actor)}" autocomplete="off">
${options('actors', distinct('actor'))}
<button type="submit">Filter</button>
<a href="/console/audit">Clear</a>
</form>
<div class="verify">
<button type="button" id="verify-chain">Verify chain</button>
<p id="verify-result" role="status" aria-live="polite"></p>
</div>
<p>${shown.length} of the newest ${examined} events match.</p>
${table('Audit events, newest first', ['Seq', 'Time', 'Actor', 'Through client', 'Approved by', 'Action', 'Target', 'Reason', 'Outcome'], rows, 'No event matches.')}`;
}
