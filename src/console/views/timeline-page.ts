/** The key timeline, with the actions of a rotation and an incident beside it; the modules fill it in. */
export function timelinePage(algorithms: readonly string[]): string {
  const algOptions = algorithms.map((alg) => `<option value="${alg}">${alg}</option>`).join('');
  return `<section aria-labelledby="timeline-title">
<h2 id="timeline-title">Key timeline</h2>
<p class="live" id="live-status" role="status">Connecting to live updates…</p>
<figure class="timeline">
<div id="timeline" class="timeline-canvas" data-algorithms="${algorithms.join(' ')}"></div>
<div id="timeline-tip" class="tip" role="tooltip" hidden></div>
<figcaption>
<ul class="legend" aria-label="Legend">
<li><span class="swatch pending"></span>pending (published, not signing)</li>
<li><span class="swatch active"></span>active (signing)</li>
<li><span class="swatch retiring"></span>retiring (published, no longer signing)</li>
<li><span class="swatch revoked"></span>revoked</li>
<li><span class="swatch retired"></span>retired</li>
<li><span class="swatch band"></span>tokens signed now live until</li>
</ul>
</figcaption>
</figure>
<p id="token-horizon"></p>
<h3>Next scheduled transitions</h3>
<ul id="transitions" class="transitions"><li>Loading…</li></ul>
</section>

<section aria-labelledby="actions-title" class="actions">
<h2 id="actions-title">Actions</h2>
<div id="action-result" class="result" role="status" aria-live="polite" tabindex="-1"></div>

<form id="rotate-form" class="action" data-action="rotate">
<h3>Planned rotation</h3>
<p>A new key is published now and signs once it has been published long enough.</p>
<label for="rotate-alg">Algorithm</label>
<select id="rotate-alg" name="alg">${algOptions}</select>
<label for="rotate-reason">Reason</label>
<input id="rotate-reason" name="reason" required minlength="3" maxlength="500" autocomplete="off">
<button type="submit">Rotate</button>
</form>

<form id="rollover-form" class="action emergency" data-action="rollover">
<h3>Emergency rollover</h3>
<p>The compromised key is revoked at once and a new key signs. Preview first.</p>
<label for="rollover-kid">Compromised key</label>
<select id="rollover-kid" name="compromisedKid" required></select>
<label for="rollover-reason">Reason</label>
<input id="rollover-reason" name="reason" required minlength="3" maxlength="500" autocomplete="off">
<button type="submit">Preview rollover</button>
<div class="preview" id="rollover-preview" hidden>
<div id="rollover-preview-body"></div>
<button type="button" id="rollover-confirm" class="danger">Confirm rollover</button>
<button type="button" id="rollover-cancel">Cancel</button>
</div>
</form>

<form id="revoke-form" class="action emergency" data-action="revoke">
<h3>Revoke a key</h3>
<p>Only a key that does not sign (pending or retiring) can be revoked; for the active key, roll over.</p>
<label for="revoke-kid">Key</label>
<select id="revoke-kid" name="kid" required></select>
<label for="revoke-reason">Reason</label>
<input id="revoke-reason" name="reason" required minlength="3" maxlength="500" autocomplete="off">
<button type="submit">Preview revocation</button>
<div class="preview" id="revoke-preview" hidden>
<div id="revoke-preview-body"></div>
<button type="button" id="revoke-confirm" class="danger">Confirm revocation</button>
<button type="button" id="revoke-cancel">Cancel</button>
</div>
</form>
</section>`;
}
