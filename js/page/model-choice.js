// The page's Model control: which models are ready to run, and an on-demand model's download,
// which starts only when the user clicks for it (tens of MB are not something to take unasked).
// Its radios come from the models' declarations (settings-form.js), its words too.

import { formatMB } from './engine.js';
import { MODELS } from '../shared/contract.js';
import { DEFAULT_MODEL } from '../shared/protocol.js';
import { ModelFiles } from './model-files.js';
import { missingForOffline } from './sw-client.js';

const USED = 'peel-models-used';

/** Models this browser has downloaded once: "Make available offline" keeps their files too. */
export function usedModels() {
  try {
    return JSON.parse(localStorage.getItem(USED) ?? '[]');
  } catch {
    return [];
  }
}

export class ModelChoice {
  /**
   * @param {HTMLFormElement} form  the settings form, with radios named `model`
   * @param {object} hooks
   * @param {() => Promise<any>} hooks.remover  the engine (js/page/peel.js) now
   * @param {(model: string) => Promise<{paths: string[], bytes: number}>} hooks.filesOf  from build.json
   * @param {(model: string) => void} hooks.onReady  a model became usable: run what waited for it
   * @param {(model: string) => number} [hooks.imagesOf]  how many images were made with a model
   */
  constructor(form, { remover, filesOf, onReady, imagesOf = () => 0 }) {
    this.form = form;
    this.hooks = { remover, filesOf, onReady };
    /** A person's own model files, kept in this browser: each one more choice once kept. */
    this.files = new ModelFiles(form, { remover, imagesOf, onAdded: (model) => this.markReady(model) });
    this.box = form.querySelector('.model-download');
    this.button = this.box.querySelector('[data-testid=model-download]');
    this.progress = this.box.querySelector('.model-progress');
    this.status = this.box.querySelector('.model-download-status');
    /** Models that run without a download: loaded in the engine, or in the offline cache. */
    this.ready = new Set([DEFAULT_MODEL]);
    this.button.addEventListener('click', () => this.download(this.selected));
    describeDownloads(form.ownerDocument.querySelector('[data-testid=model-downloads]'));
    this.update();
  }

  get selected() {
    return this.form.elements.model.value || DEFAULT_MODEL;
  }

  isReady(model) {
    return this.ready.has(model ?? DEFAULT_MODEL);
  }

  /** The engine, which loads a person's kept model file before an image that uses it. */
  async engine() {
    return this.files.engine(await this.hooks.remover());
  }

  /** Show the download button if the selected model is not on this device yet. */
  async update() {
    const model = this.selected;
    if (this.ready.has(model) || !MODELS[model]) { // a person's file is ready once kept
      this.box.hidden = true;
      return;
    }
    const { paths, bytes } = await this.hooks.filesOf(model);
    const missing = await missingForOffline(paths); // null: no service worker, nothing cached
    if (missing?.length === 0) {
      this.markReady(model);
      return;
    }
    if (this.selected !== model || this.downloading) return;
    const { called, description } = MODELS[model];
    this.button.textContent = `Download ${called} (${formatMB(bytes)})`;
    this.button.disabled = false;
    this.progress.setAttribute('aria-label', `Download of ${called}`);
    this.status.textContent = `${description.charAt(0).toUpperCase()}${description.slice(1)}. Downloaded once, then kept for offline use.`;
    this.box.hidden = false;
  }

  async download(model) {
    this.downloading = true;
    this.button.disabled = true;
    this.progress.hidden = false;
    this.progress.value = 0;
    try {
      await (await this.hooks.remover()).loadModel(model, {
        onProgress: ({ loaded, total }) => {
          this.progress.value = total ? loaded / total : 0;
          this.status.textContent = `Downloading… ${formatMB(loaded)} of ${formatMB(total)}`;
        },
      });
      localStorage.setItem(USED, JSON.stringify([...new Set([...usedModels(), model])]));
      this.markReady(model);
    } catch (error) {
      this.status.textContent = error.message;
      this.button.disabled = false;
    } finally {
      this.downloading = false;
      this.progress.hidden = true;
    }
  }

  markReady(model) {
    this.ready.add(model);
    if (this.selected === model) this.box.hidden = true;
    this.hooks.onReady(model);
  }
}

/**
 * The privacy panel's words on the models' downloads: the default model, always; the others
 * only when chosen (with the sizes of the files served).
 * @param {HTMLElement|null} element
 */
export function describeDownloads(element) {
  if (!element) return;
  const sized = ({ called, bytes }) => `${called} (${formatMB(bytes)})`;
  const others = Object.values(MODELS).filter((model) => model.name !== DEFAULT_MODEL && model.served);
  element.textContent = sized(MODELS[DEFAULT_MODEL]) + (others.length
    ? `; ${others.map(sized).join(', ')} only if you choose it and click its download button`
    : '');
}
