interface EmergencyForm {
  action: 'rollover' | 'revoke';
  title: string;
  explain: string;
  /** The field naming the key, as the admin API takes it. */
  keyName: string;
  keyLabel: string;
  /** What the preview and confirm buttons name. */
  noun: string;
}

/** An incident action: a key and a reason, previewed (blast radius) before it is confirmed. */
const emergencyForm = (form: EmergencyForm): string => `<form id="${form.action}-form" class="action emergency" data-action="${form.action}">
<h3>${form.title}</h3>
<p>${form.explain}</p>
<label for="${form.action}-kid">${form.keyLabel}</label>
<select id="${form.action}-kid" name="${form.keyName}" required></select>
<label for="${form.action}-reason">Reason</label>
<input id="${form.action}-reason" name="reason" required minlength="3" maxlength="500" autocomplete="off">
<button type="submit">Preview ${form.noun}</button>
<div class="preview" id="${form.action}-preview" hidden>
<div id="${form.action}-preview-body"></div>
<button type="button" id="${form.action}-confirm" class="danger">Confirm ${form.noun}</button>
<button type="button" id="${form.action}-cancel">Cancel</button>
</div>
</form>`;

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

${emergencyForm({ action: 'rollover', title: 'Emergency rollover', explain: 'The compromised key is revoked at once and a new key signs. Preview first.', keyName: 'compromisedKid', keyLabel: 'Compromised key', noun: 'rollover' })}

${emergencyForm({ action: 'revoke', title: 'Revoke a key', explain: 'Only a key that does not sign (pending or retiring) can be revoked; for the active key, roll over.', keyName: 'kid', keyLabel: 'Key', noun: 'revocation' })}
</section>`;
}
