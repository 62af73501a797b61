// The timeline page: draws the catalog, keeps it live (the catalog is fetched again whenever
// /jwks/events announces a change), and runs the actions: planned rotation, emergency
// rollover and revocation, each emergency one previewed (a dry run) before it is confirmed.

import { api, describeError, showResult } from './console.js';
import { humanDuration, renderTimeline } from './timeline.js';
import { tooltip } from './tooltip.js';

const container = document.getElementById('timeline');
const figure = container.closest('figure');
const tip = tooltip(document.getElementById('timeline-tip'), figure);
const status = document.getElementById('live-status');
const result = document.getElementById('action-result');
let catalog;
let offset = 0;

const serverNow = () => Date.now() + offset;
const stamp = (t) => new Date(t).toLocaleString();

function fillSelect(select, keys, describeKey) {
  const chosen = select.value;
  const options = keys.map((key) => Object.assign(document.createElement('option'), { value: key.kid, textContent: describeKey(key) }));
  if (options.length === 0) options.push(Object.assign(document.createElement('option'), { value: '', textContent: 'No key qualifies now' }));
  select.replaceChildren(...options);
  select.form.querySelector('button[type="submit"]').disabled = keys.length === 0;
  if (keys.some((key) => key.kid === chosen)) select.value = chosen;
}

function draw() {
  if (!catalog) return;
  const now = serverNow();
  const { next, until } = renderTimeline(container, tip, catalog, now);
  document.getElementById('token-horizon').textContent = `Tokens signed now can live until ${stamp(until)} (catalog version ${catalog.version}).`;
  const list = document.getElementById('transitions');
  const items = next.slice(0, 6).map((event) => {
    const li = document.createElement('li');
    li.textContent = `${stamp(event.at)} (in ${humanDuration(event.at - now)}): ${event.words}`;
    return li;
  });
  if (items.length === 0) items.push(Object.assign(document.createElement('li'), { textContent: 'Nothing scheduled.' }));
  list.replaceChildren(...items);
  const live = catalog.keys.filter((key) => ['pending', 'active', 'retiring'].includes(key.state));
  fillSelect(document.getElementById('rollover-kid'), live, (key) => `${key.kid} (${key.alg}, ${key.state})`);
  fillSelect(document.getElementById('revoke-kid'), live.filter((key) => key.state !== 'active'), (key) => `${key.kid} (${key.alg}, ${key.state})`);
}

async function load() {
  const answer = await api('GET', '/console/api/catalog');
  if (!answer.ok) {
    status.textContent = describeError(answer);
    return;
  }
  catalog = answer.body;
  offset = Date.parse(catalog.now) - Date.now();
  container.dataset.version = String(catalog.version);
  draw();
  for (const form of emergencyForms) form.catalogChanged(catalog.version);
}

function listen() {
  const events = new EventSource('/jwks/events');
  events.addEventListener('open', () => {
    status.textContent = 'Live: the timeline follows every catalog change.';
    // After a reconnection changes may have been missed; the first connection follows the first load.
    if (catalog) void load();
  });
  events.addEventListener('jwks', (event) => {
    const { version } = JSON.parse(event.data);
    if (!catalog || version !== catalog.version) void load();
  });
  events.addEventListener('error', () => {
    status.textContent = 'Live updates interrupted; reconnecting…';
  });
}

function blastRadius(body) {
  const changes = (body.changes ?? []).map((change) => (change.from === null
    ? `a new ${change.alg ? `${change.alg} ` : ''}key, ${change.to === 'active' ? 'signing at once' : `starting ${change.to}`}`
    : `${change.kid} (${change.alg}): ${change.from} → ${change.to}`));
  const list = document.createElement('ul');
  list.replaceChildren(...changes.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
  const grants = Object.assign(document.createElement('p'), { textContent: `Live grants now: ${body.liveGrants}. Tokens signed by a revoked key stop verifying at once; clients refresh to get new ones.` });
  const heading = Object.assign(document.createElement('p'), { textContent: 'This would change:' });
  return [heading, list, grants];
}

function outcome(kind, body, status202) {
  if (status202 || body.status === 'pending') return `Request ${body.requestId} waits for a second person of the security team until ${stamp(body.expiresAt)} (two-person rule). It is listed under Approvals.`;
  if (kind === 'rotate') return `New key ${body.kid} (${body.alg}) is published; it signs from ${stamp(body.activatesAt)}.`;
  return `Done: catalog version ${body.version}${body.activeKid ? `, ${body.activeKid} signs now` : ''}; revoked ${(body.revokedKids ?? []).join(', ') || 'nothing'}.`;
}

/**
 * An emergency form: submit previews (dry run), then Confirm carries out exactly what was
 * previewed: the request body is frozen at preview time. Editing the form, or a new catalog
 * version (which may re-fill the key list), withdraws the preview.
 */
function emergencyForm(kind, path, bodyOf) {
  const form = document.getElementById(`${kind}-form`);
  const preview = document.getElementById(`${kind}-preview`);
  const previewBody = document.getElementById(`${kind}-preview-body`);
  let previewed;
  const withdraw = () => {
    previewed = undefined;
    preview.hidden = true;
  };
  form.addEventListener('input', withdraw);
  form.addEventListener('change', withdraw);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    withdraw();
    const body = bodyOf(form);
    const version = catalog?.version;
    const answer = await api('POST', path, { ...body, dryRun: true });
    if (!answer.ok) return showResult(result, describeError(answer), true);
    if (catalog?.version !== version) return showResult(result, 'The catalog changed during the preview; preview again.', true);
    previewed = { body, version };
    previewBody.replaceChildren(...blastRadius(answer.body));
    preview.hidden = false;
    document.getElementById(`${kind}-confirm`).focus();
  });
  document.getElementById(`${kind}-cancel`).addEventListener('click', () => {
    withdraw();
    form.querySelector('button[type="submit"]').focus();
  });
  document.getElementById(`${kind}-confirm`).addEventListener('click', async () => {
    if (!previewed) return;
    const { body } = previewed;
    withdraw();
    const answer = await api('POST', path, body);
    if (!answer.ok) return showResult(result, describeError(answer), true);
    form.reset();
    showResult(result, outcome(kind, answer.body, answer.status === 202), false);
    void load();
  });
  return {
    /** Withdraws the preview when the catalog it was made on is no longer the one shown. */
    catalogChanged(version) {
      if (previewed && previewed.version !== version) {
        withdraw();
        showResult(result, 'The catalog changed since the preview, which was withdrawn; preview again.', true);
      }
    },
  };
}

document.getElementById('rotate-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const answer = await api('POST', '/console/api/rotate', { alg: form.elements.alg.value, reason: form.elements.reason.value.trim() });
  if (!answer.ok) return showResult(result, describeError(answer), true);
  form.elements.reason.value = '';
  showResult(result, outcome('rotate', answer.body, false), false);
  void load();
});
const emergencyForms = [emergencyForm('rollover', '/console/api/rollover', (form) => {
  const kid = form.elements.compromisedKid.value;
  const key = catalog?.keys.find((candidate) => candidate.kid === kid);
  return { compromisedKid: kid, ...(key ? { alg: key.alg } : {}), reason: form.elements.reason.value.trim() };
}), emergencyForm('revoke', '/console/api/revoke', (form) => ({ kid: form.elements.kid.value, reason: form.elements.reason.value.trim() }))];

window.addEventListener('resize', draw);
setInterval(draw, 15_000);
void load();
listen();
