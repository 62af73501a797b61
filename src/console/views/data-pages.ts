import { escapeHtml } from '../../provider/views/layout.js';
import { copyableKid, table, time } from './table.js';

type Row = Record<string, unknown>;

const list = (value: unknown): Row[] => (Array.isArray(value) ? value.filter((item): item is Row => item !== null && typeof item === 'object') : []);
const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

/** The catalog: every key the admin API lists, newest first, each kid copyable. */
export function keysPage(body: Row): string {
  const keys = list(body.keys).sort((a, b) => text(b.createdAt).localeCompare(text(a.createdAt)));
  const rows = keys.map((key) => [copyableKid(key.kid), text(key.alg), { html: `<span class="state ${escapeHtml(key.state)}">${escapeHtml(key.state)}</span>` }, time(key.createdAt), time(key.activatesAt), time(key.retiresAt), time(key.removesAt), time(key.revokedAt), text(key.reason)]);
  return `<p>Catalog version <strong>${escapeHtml(body.version)}</strong>.</p>
${table('Signing keys, newest first', ['Kid', 'Algorithm', 'State', 'Created', 'Signs from', 'Stops signing', 'Leaves the JWKS', 'Revoked', 'Reason'], rows, 'The catalog has no keys.')}`;
}

/** Rotation readiness: per pending key, each consumer seen fetching the JWKS and whether it holds the key. */
export function readinessPage(body: Row | undefined): string {
  if (!body) return '<p class="notice" role="status">Rotation readiness is not available on this server.</p>';
  const pending = list(body.pending);
  const sections = pending.map((key) => {
    const consumers = list(key.consumers);
    const ready = consumers.filter((consumer) => consumer.ready === true).length;
    const rows = consumers.map((consumer) => [text(consumer.consumer), time(consumer.lastSeen), text(consumer.lastVersion), { html: consumer.ready === true ? '<span class="ok">holds it</span>' : '<span class="bad">not yet</span>' }]);
    return `<section><h2><code class="kid">${escapeHtml(key.kid)}</code> (${escapeHtml(key.alg)})</h2>
<p>Published ${escapeHtml(text(key.publishedAt))}; ${ready} of ${consumers.length} consumers hold it.</p>
${table(`Consumers of ${text(key.kid)}`, ['Consumer', 'Last fetched', 'Catalog version seen', 'Holds the pending key'], rows, 'No consumer has fetched the JWKS within the window.')}</section>`;
  }).join('\n');
  return `<p>Consumers seen within the last ${escapeHtml(text(body.window))}.</p>${sections || '<p class="empty">No key is pending now.</p>'}`;
}

/** Security event streams: delivered, pending and dead-lettered events per stream. */
export function streamsPage(body: Row | undefined): string {
  if (!body) return '<p class="notice" role="status">Security event streams are not available on this server.</p>';
  const rows = list(body.streams).map((stream) => [{ html: `<code>${escapeHtml(stream.stream_id)}</code>` }, text(stream.client_id), text(stream.method), text(stream.endpoint_url), text(stream.status), text(stream.delivered), text(stream.pending), { html: Number(stream.deadLettered) > 0 ? `<span class="bad">${escapeHtml(stream.deadLettered)}</span>` : escapeHtml(text(stream.deadLettered)) }]);
  return table('Streams', ['Stream', 'Client', 'Delivery', 'Endpoint', 'Status', 'Delivered', 'Pending', 'Dead-lettered'], rows, 'No stream is configured.');
}
