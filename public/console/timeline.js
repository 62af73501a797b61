// The key timeline, drawn as SVG: one lane per algorithm family, each kid a bar coloured by
// its phases (pending, active, retiring), revoked and retired keys marked, a "now" line, the
// band until which tokens signed now can live, and the next scheduled transitions.

const SVG = 'http://www.w3.org/2000/svg';
const STEPS = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400].map((s) => s * 1000);
const LEFT = 78;
const RIGHT = 16;
const TOP = 40;
const ROW = 28;
const BAR = 20;
const LANE_GAP = 14;

function el(name, attrs = {}, children = []) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) node.append(child);
  return node;
}

const time = (value) => (value ? Date.parse(value) : undefined);
const pad = (n) => String(n).padStart(2, '0');
const stamp = (t, withDate = true) => {
  const d = new Date(t);
  return `${withDate ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` : ''}${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};

/** "2d 3h", "5m 10s": a duration as people say it. */
export function humanDuration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  const parts = [[Math.floor(s / 86400), 'd'], [Math.floor((s % 86400) / 3600), 'h'], [Math.floor((s % 3600) / 60), 'm'], [s % 60, 's']];
  const shown = parts.filter(([n]) => n > 0).slice(0, 2);
  return shown.length ? shown.map(([n, name]) => `${n}${name}`).join(' ') : '0s';
}

/** When a key's bar ends: when it was revoked, or when it leaves (left) the JWKS. */
const endOf = (key) => time(key.revokedAt) ?? time(key.removesAt);

/** The transitions still ahead, soonest first. */
export function upcoming(keys, now) {
  const events = [];
  for (const key of keys) {
    if (key.state === 'revoked' || key.state === 'retired') continue;
    if (key.state === 'pending') events.push({ at: time(key.activatesAt), key, words: `${key.kid} (${key.alg}) starts signing` });
    if (key.state === 'pending' || key.state === 'active') events.push({ at: time(key.retiresAt), key, words: `${key.kid} (${key.alg}) stops signing` });
    events.push({ at: time(key.removesAt), key, words: `${key.kid} (${key.alg}) leaves the JWKS, its private part destroyed` });
  }
  return events.filter((event) => event.at > now).sort((a, b) => a.at - b.at);
}

function windowOf(keys, now, tokenLife) {
  const live = keys.filter((key) => key.state !== 'revoked' && key.state !== 'retired');
  const ahead = Math.max(now + tokenLife, ...live.map((key) => time(key.removesAt)));
  const span = Math.max(ahead - now, 3600 * 1000);
  const start = now - span * 0.45;
  return { start, end: now + span * 1.04 };
}

/** Which sub-row of its lane each key goes in, so that overlapping lifetimes do not overlap on screen. */
function rows(keys) {
  const ends = [];
  return keys.map((key) => {
    const start = time(key.createdAt);
    let row = ends.findIndex((end) => end <= start);
    if (row === -1) row = ends.push(0) - 1;
    ends[row] = endOf(key);
    return row;
  });
}

function segmentsOf(key) {
  const [created, activates, retires, removes, revoked] = [key.createdAt, key.activatesAt, key.retiresAt, key.removesAt, key.revokedAt].map(time);
  if (key.state === 'revoked') return [{ from: created, to: revoked ?? created, phase: 'revoked' }];
  const phases = [{ from: created, to: activates, phase: 'pending' }, { from: activates, to: retires, phase: 'active' }, { from: retires, to: removes, phase: 'retiring' }];
  return key.state === 'retired' ? phases.map((segment) => ({ ...segment, phase: 'retired' })) : phases;
}

function describe(key) {
  const lines = [['Kid', key.kid], ['Algorithm', key.alg], ['State', key.state], ['Created', key.createdAt], ['Signs from', key.activatesAt], ['Stops signing', key.retiresAt], ['Leaves the JWKS', key.removesAt]];
  if (key.revokedAt) lines.push(['Revoked', key.revokedAt]);
  if (key.reason) lines.push(['Reason', key.reason]);
  return lines.map(([label, value]) => [label, /At$|^[0-9]{4}-/.test(String(value)) && Date.parse(value) ? stamp(Date.parse(value)) : String(value)]);
}

function axis(svg, x, start, end, height) {
  const step = STEPS.find((candidate) => (end - start) / candidate <= 8) ?? STEPS[STEPS.length - 1];
  const withTime = step < 86400 * 1000;
  const offset = new Date().getTimezoneOffset() * 60_000;
  for (let t = Math.ceil((start - offset) / step) * step + offset; t <= end; t += step) {
    const d = new Date(t);
    const label = withTime ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}` : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
    svg.append(el('g', { class: 'tick' }, [el('line', { x1: x(t), x2: x(t), y1: 18, y2: height }), el('text', { x: x(t), y: 12, 'text-anchor': 'middle' }, [label])]));
  }
}

function bar(key, x, y, tip) {
  const segments = segmentsOf(key).filter((segment) => segment.to > segment.from);
  const left = x(time(key.createdAt));
  const right = x(endOf(key));
  const label = `${key.kid}, ${key.alg}, ${key.state}`;
  const group = el('g', { class: `bar ${key.state}`, tabindex: 0, role: 'img', 'aria-label': label, 'data-kid': key.kid, 'data-state': key.state, 'data-alg': key.alg });
  for (const segment of segments) group.append(el('rect', { class: `seg ${segment.phase}`, x: x(segment.from), y, width: Math.max(2, x(segment.to) - x(segment.from)), height: BAR, rx: 3 }));
  group.append(el('rect', { class: 'outline', x: left - 1, y: y - 1, width: Math.max(4, right - left + 2), height: BAR + 2, rx: 4 }));
  if (right - left > 90) group.append(el('text', { class: 'bar-label', x: Math.max(left, LEFT) + 6, y: y + BAR / 2 + 4 }, [`${key.kid.slice(0, Math.floor((right - left - 12) / 7))}`]));
  if (key.state === 'revoked' || key.state === 'retired') {
    const at = x(endOf(key));
    const cls = key.state === 'revoked' ? 'mark' : 'mark retired';
    group.append(el('line', { class: cls, x1: at - 6, x2: at + 6, y1: y - 3, y2: y + BAR + 3 }), el('line', { class: cls, x1: at + 6, x2: at - 6, y1: y - 3, y2: y + BAR + 3 }));
  }
  const show = () => tip.show(group, describe(key));
  group.addEventListener('mouseenter', show);
  group.addEventListener('focus', show);
  group.addEventListener('mouseleave', () => tip.hide());
  group.addEventListener('blur', () => tip.hide());
  return group;
}

/**
 * Draws the catalog into `container` as of `now`; `tip` shows a bar's details on hover or
 * focus. Returns the upcoming transitions and the time until which tokens signed now can live.
 */
export function renderTimeline(container, tip, catalog, now) {
  const { policy } = catalog;
  const tokenLife = (Math.max(policy.accessTokenTTL, policy.idTokenTTL) + policy.clockSkew) * 1000;
  const { start, end } = windowOf(catalog.keys, now, tokenLife);
  const visible = catalog.keys.filter((key) => endOf(key) >= start);
  const algorithms = [...new Set([...policy.algorithms, ...visible.map((key) => key.alg)])];
  const width = Math.max(container.clientWidth || 1100, 560);
  const x = (t) => LEFT + ((Math.min(Math.max(t, start), end) - start) / (end - start)) * (width - LEFT - RIGHT);
  const lanes = algorithms.map((alg) => {
    const keys = visible.filter((key) => key.alg === alg).sort((a, b) => time(a.createdAt) - time(b.createdAt));
    return { alg, keys, rows: rows(keys) };
  });
  let y = TOP;
  const placed = lanes.map((lane) => {
    const top = y;
    y += Math.max(1, ...lane.rows.map((row) => row + 1)) * ROW + LANE_GAP;
    return { ...lane, top };
  });
  const height = y + 4;
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'group', 'aria-label': `Key timeline from ${stamp(start)} to ${stamp(end)}` });
  axis(svg, x, start, end, height);
  const until = now + tokenLife;
  svg.append(el('rect', { class: 'band', x: x(now), y: 20, width: Math.max(3, x(until) - x(now)), height: height - 22 }, [el('title', {}, [`tokens signed now live until ${stamp(until)}`])]));
  for (const lane of placed) {
    svg.append(el('text', { class: 'lane-label', x: 8, y: lane.top + BAR / 2 + 5 }, [lane.alg]));
    svg.append(el('line', { class: 'lane-line', x1: 0, x2: width, y1: lane.top - LANE_GAP / 2, y2: lane.top - LANE_GAP / 2 }));
    lane.keys.forEach((key, i) => svg.append(bar(key, x, lane.top + lane.rows[i] * ROW, tip)));
  }
  const next = upcoming(catalog.keys, now);
  for (const event of next.slice(0, 6)) {
    svg.append(el('path', { class: 'next', d: `M${x(event.at) - 5},20 L${x(event.at) + 5},20 L${x(event.at)},28 Z` }, [el('title', {}, [`${stamp(event.at)}: ${event.words}`])]));
  }
  svg.append(el('g', { class: 'now' }, [el('line', { x1: x(now), x2: x(now), y1: 16, y2: height }), el('text', { x: x(now) + 4, y: 30 }, ['now'])]));
  container.replaceChildren(svg);
  return { next, until };
}
