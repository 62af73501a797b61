import { escapeHtml } from '../../provider/views/layout.js';

/** A cell's content: text (escaped) or trusted markup of ours. */
export type Cell = string | { html: string };

const cell = (value: Cell): string => (typeof value === 'string' ? escapeHtml(value) : value.html);

/** An accessible data table: a caption, header cells with scope, and a message when empty. */
export function table(caption: string, headers: string[], rows: Cell[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${escapeHtml(empty)}</p>`;
  return `<div class="table-wrap"><table>
<caption>${escapeHtml(caption)}</caption>
<thead><tr>${headers.map((header) => `<th scope="col">${escapeHtml(header)}</th>`).join('')}</tr></thead>
<tbody>${rows.map((row) => `<tr>${row.map((value) => `<td>${cell(value)}</td>`).join('')}</tr>`).join('\n')}</tbody>
</table></div>`;
}

/** A time as people read it, with the machine-readable value for assistive technology. */
export function time(value: unknown): Cell {
  if (typeof value !== 'string') return '';
  return { html: `<time datetime="${escapeHtml(value)}">${escapeHtml(value.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</time>` };
}

/** A kid with a button that copies it. */
export function copyableKid(kid: unknown): Cell {
  const text = escapeHtml(kid);
  return { html: `<code class="kid">${text}</code> <button type="button" class="copy" data-copy="${text}" aria-label="Copy kid ${text}">Copy</button>` };
}
