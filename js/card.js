// One result card: the DOM of one batch item. File names only ever go into textContent.

import { ErrorCode } from './protocol.js';

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
   * @param {{onCancel: () => void, onRemove: () => void}} actions
   */
  constructor(template, file, { onCancel, onRemove }) {
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
    this.urls = [];
  }

  /** @param {import('./batch.js').ItemState} state */
  setState(state) {
    this.element.dataset.state = state;
    if (state in STATE_TEXT) this.element.querySelector('.result-state').textContent = STATE_TEXT[state];
    this.cancelButton.hidden = state !== 'queued';
    this.removeButton.hidden = state === 'working';
  }

  /**
   * @param {import('./protocol.js').RemoveResult} result
   * @param {string} downloadName
   */
  showResult({ blob, preview, width, height, backend, timings }, downloadName) {
    this.revokeUrls();
    this.image.src = this.track(URL.createObjectURL(preview));
    this.link.href = this.track(URL.createObjectURL(blob));
    this.link.download = downloadName;
    this.link.textContent = `Download ${downloadName.split('.').pop().toUpperCase()}`;
    this.link.hidden = false;
    this.element.querySelector('[data-testid=backend]').textContent = backend;
    const time = this.element.querySelector('.result-time');
    time.textContent = `· ${formatSeconds(timings.total)} (model ${formatSeconds(timings.inference ?? 0)})`;
    time.title = Object.entries(timings).map(([stage, ms]) => `${stage}: ${ms} ms`).join('\n');
    this.element.dataset.timings = JSON.stringify(timings);
    this.element.querySelector('.result-state').textContent = `${width} × ${height} px`;
    this.element.querySelector('[data-testid=error]').hidden = true;
  }

  /** @param {{code?: string, message: string}} error */
  showError(error) {
    const box = this.element.querySelector('[data-testid=error]');
    box.textContent = error.message;
    box.dataset.code = error.code ?? ErrorCode.INTERNAL;
    box.hidden = false;
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
