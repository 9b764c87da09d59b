// One result card: the DOM of one batch item. File names only ever go into textContent.

import { MODELS } from '../shared/contract.js';
import { ErrorCode } from '../shared/protocol.js';
import { copyImage } from './clipboard.js';

const STATE_TEXT = {
  queued: 'Waiting…',
  working: 'Removing the background…',
  error: 'Could not remove the background',
  cancelled: 'Cancelled',
};

const formatSeconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

export class ResultCard {
  /**
   * @param {HTMLTemplateElement} template  #result-template
   * @param {File} file
   * @param {{onCancel: () => void, onRemove: () => void, onSelect: () => void,
   *          onStep: (step: number) => void}} actions  onStep: the arrow keys on its open button
   */
  constructor(template, file, { onCancel, onRemove, onSelect, onStep = () => {} }) {
    this.element = template.content.firstElementChild.cloneNode(true);
    this.element.dataset.name = file.name;
    this.element.querySelector('.result-name').textContent = file.name;
    this.element.querySelector('img').alt = `${file.name} with the background removed`;
    this.image = this.element.querySelector('img');
    this.link = this.element.querySelector('[data-testid=download]');
    this.cancelButton = this.element.querySelector('[data-testid=cancel]');
    this.removeButton = this.element.querySelector('[data-testid=remove]');
    this.cancelButton.addEventListener('click', onCancel);
    this.removeButton.addEventListener('click', onRemove);
    this.element.addEventListener('click', (event) => !event.target.closest('button:not(.result-open), a') && onSelect());
    // Its picture is a button: Enter or Space opens it in the editor, the arrows step to the others.
    this.openButton = this.element.querySelector('.result-open');
    this.openButton.setAttribute('aria-label', `Open ${file.name} in the editor`);
    this.openButton.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      onStep(step);
    });
    this.urls = [];
    this.file = file;
    this.compareButton = this.element.querySelector('[data-testid=compare]');
    this.zoomButton = this.element.querySelector('[data-testid=zoom]');
    this.copyButton = this.element.querySelector('[data-testid=copy]');
    this.holdToCompare();
    this.zoomButton.addEventListener('click', () => this.zoom());
    this.copyButton.addEventListener('click', () => this.copy());
  }

  /** Before/after: while the button is held, the preview shows the original photo. */
  holdToCompare() {
    let original = null;
    const show = () => {
      original = URL.createObjectURL(this.file);
      this.resultSrc = this.image.src;
      this.image.src = original;
    };
    const hide = () => {
      if (!original) return;
      this.image.src = this.resultSrc;
      URL.revokeObjectURL(original);
      original = null;
    };
    this.compareButton.addEventListener('pointerdown', show);
    this.compareButton.addEventListener('keydown', (event) => (event.key === ' ' || event.key === 'Enter') && !original && show());
    for (const type of ['pointerup', 'pointerleave', 'keyup', 'blur']) this.compareButton.addEventListener(type, hide);
  }

  /** The full-resolution result at 100 % in a dialog, to inspect the edges. */
  zoom() {
    const dialog = document.querySelector('[data-testid=zoom-dialog]');
    dialog.querySelector('img').src = this.link.href;
    dialog.showModal();
  }

  /** Copy the result to the clipboard (clipboard.js), and say how it went. */
  async copy() {
    this.note(await copyImage(this.blob));
  }

  /** A short message on the card, e.g. a confirmation. */
  note(text) {
    const note = this.element.querySelector('[data-testid=note]');
    note.textContent = text;
    note.hidden = !text;
  }

  /** Product mode's notice (product-note.js), or '' to take a former one away. */
  showProductNotice(text) {
    if (!text && !this.productNoticed) return; // leave another note (a copy's confirmation) be
    this.productNoticed = Boolean(text);
    this.note(text);
  }

  setSelected(selected) {
    this.element.classList.toggle('selected', selected);
    if (selected) this.openButton.setAttribute('aria-current', 'true');
    else this.openButton.removeAttribute('aria-current');
  }

  /** Marked as a result the user has not opened yet (`data-new`). */
  setNew(isNew) {
    if (isNew) this.element.dataset.new = 'true';
    else delete this.element.dataset.new;
  }

  focus() {
    this.openButton.focus();
  }

  /**
   * Show the item as it is now: its state, its newest result, its error.
   * @param {import('./image-job.js').ImageJob} item
   * @param {string} downloadName  of its output file
   */
  show(item, downloadName) {
    if (item.rendering) {
      this.setState('working', 'Applying the settings…');
      return;
    }
    const waiting = !item.waitingForModel ? undefined : MODELS[item.model]
      ? `Waiting for ${MODELS[item.model].called}: download it under Model`
      : `Waiting for the model file ${item.model}: add it under Model`;
    const restoring = item.state === 'working' && item.mask ? 'Bringing it back…' : undefined; // kept: rendered, no model
    // A person's own model file (js/page/model-files.js) may take far longer than the built-in ones.
    const running = item.state === 'working' && !item.mask && !MODELS[item.model]
      ? `Running ${item.model}, your model file: larger models take a while…` : undefined;
    this.setState(item.state, item.renderError ? 'The settings could not be applied' : waiting ?? restoring ?? running);
    if (item.state === 'done' && item.result !== this.result) this.showResult(item.result, downloadName);
    if (item.state === 'error') this.showError(item.error);
    if (item.state === 'done' && item.renderError) this.showError(item.renderError);
  }

  /**
   * @param {import('./batch.js').ItemState} state
   * @param {string} [text]  what the card says (default: per state)
   */
  setState(state, text = STATE_TEXT[state]) {
    this.element.dataset.state = state;
    if (text) this.element.querySelector('.result-state').textContent = text;
    this.cancelButton.hidden = state !== 'queued';
    this.removeButton.hidden = state === 'working';
    // While new settings are applied, the file behind these is the old one: nothing to take.
    const busy = state === 'working';
    for (const button of [this.compareButton, this.zoomButton, this.copyButton]) button.disabled = busy;
    this.link.inert = busy;
  }

  /**
   * The look of the result being made, before its file is ready (Event.PREVIEW).
   * @param {Blob} preview
   */
  showPreview(preview) {
    this.image.src = this.track(URL.createObjectURL(preview));
    this.element.querySelector('.result-state').textContent = 'Preparing the file…';
    this.previews = (this.previews ?? 0) + 1;
    this.element.dataset.previews = String(this.previews); // tells scripts (and tests) a preview came
  }

  /**
   * @param {import('../shared/protocol.js').RemoveResult} result
   * @param {string} downloadName
   */
  showResult(result, downloadName) {
    const { blob, preview, width, height, backend, model, timings, notes = [] } = result;
    this.result = result;
    this.revokeUrls();
    this.blob = blob;
    this.renders = (this.renders ?? 0) + 1;
    this.element.dataset.renders = String(this.renders); // tells scripts (and tests) a new output is in
    for (const button of [this.compareButton, this.zoomButton, this.copyButton]) button.hidden = false;
    this.image.src = this.track(URL.createObjectURL(preview));
    this.link.href = this.track(URL.createObjectURL(blob));
    this.link.download = downloadName;
    nameControl(this.link, `Download ${downloadName.split('.').pop().toUpperCase()}`, downloadName);
    nameControl(this.copyButton, 'Copy', downloadName);
    this.link.hidden = false;
    if (backend) this.element.querySelector('[data-testid=backend]').textContent = backend;
    if (model) {
      const named = this.element.querySelector('[data-testid=model]');
      named.textContent = MODELS[model]?.title ?? model; // what made its mask (py/peel/models/)
      named.dataset.model = model;
    }
    const time = this.element.querySelector('.result-time');
    time.textContent = timings.inference === undefined
      ? `· ${formatSeconds(timings.total)} (settings applied, no model run)`
      : `· ${formatSeconds(timings.total)} (model ${formatSeconds(timings.inference)})`;
    time.title = Object.entries(timings).map(([stage, ms]) => `${stage}: ${ms} ms`).join('\n');
    this.element.dataset.timings = JSON.stringify(timings);
    if (result.memory) this.element.dataset.memory = JSON.stringify(result.memory); // ?memory: the worker's heaps
    // The engine and the times are details for whoever asks: a tooltip, not words on the card.
    this.element.querySelector('.result-meta').title = [backend, time.textContent.replace(/^· /, ''), time.title]
      .filter(Boolean).join('\n');
    this.element.querySelector('.result-state').textContent = `${width} × ${height} px`;
    this.element.querySelector('[data-testid=error]').hidden = true;
    if (notes.length) this.note(notes.join(' '));
  }

  /**
   * The same output, now kept on this device (session.js): the link, Copy and zoom read that
   * disk-backed file, and the copy in memory can go.
   * @param {File} file
   */
  useFile(file) {
    const old = this.link.href;
    this.blob = file;
    this.link.href = this.track(URL.createObjectURL(file));
    this.link.dataset.kept = 'true'; // tells scripts (and tests) the link reads the kept file
    URL.revokeObjectURL(old);
    this.urls = this.urls.filter((url) => url !== old);
  }

  /** @param {{code?: string, message: string}} error */
  showError(error) {
    const box = this.element.querySelector('[data-testid=error]');
    box.textContent = error.message;
    box.title = error.message;
    box.dataset.code = error.code ?? ErrorCode.INTERNAL;
    box.hidden = false;
    // A failed image shows its own photo, dimmed (CSS), not an empty checkerboard that reads as
    // a blank result; a file the browser cannot show leaves the box plain.
    if (this.element.dataset.state === 'error' && !this.image.getAttribute('src')) {
      this.image.src = this.track(URL.createObjectURL(this.file));
      this.image.alt = `${this.file.name} (not cut out)`;
      this.image.onerror = () => this.image.removeAttribute('src');
    }
  }

  track(url) {
    this.urls.push(url);
    return url;
  }

  revokeUrls() {
    this.urls.forEach((url) => URL.revokeObjectURL(url));
    this.urls = [];
  }

  /** Take the card off the page and free its images. */
  destroy() {
    this.revokeUrls();
    this.element.remove();
  }
}

/**
 * A control's words for a file: seen "Download PNG", heard "Download PNG (car-1-nobg.png)", so
 * that a list of cards' controls can be told apart (the editor copies them: editor.js).
 * @param {HTMLElement} control
 * @param {string} seen
 * @param {string} fileName
 */
function nameControl(control, seen, fileName) {
  const heard = document.createElement('span');
  heard.className = 'visually-hidden';
  heard.textContent = ` (${fileName})`;
  control.replaceChildren(seen, heard);
}
