// "Use a model file…" under Model: a person's own ONNX file (rembg's, or any of the families in
// py/peel/models/) becomes one more `model` choice. The worker recognises it (the same Python as
// `peel --model-file`) and makes its session; the page keeps the file in this browser
// (model-store.js) and gives it to each engine that needs it, read from storage, never fetched.

import { formatMB } from './engine.js';
import { openModelStore } from './model-store.js';
import { MODEL_FAMILIES } from '../shared/contract.js';
import { ErrorCode } from '../shared/protocol.js';

export class ModelFiles {
  /**
   * @param {HTMLFormElement} form  the settings form: `[data-testid=model-files]` lists the kept
   *   files, `input[data-testid=model-file]` adds one, `[data-testid=model-family]` names a family
   * @param {object} hooks
   * @param {() => Promise<any>} hooks.remover  the engine (js/page/peel.js) now
   * @param {(model: string) => void} hooks.onAdded  a kept file is a usable model
   * @param {(model: string) => number} hooks.imagesOf  how many images were made with a model
   * @param {{prefer?: 'auto'|'opfs'|'idb'}} [options]  where the bytes go (model-store.js)
   */
  constructor(form, { remover, onAdded, imagesOf }, options = {}) {
    this.form = form;
    this.hooks = { remover, onAdded, imagesOf };
    const find = (selector) => form.querySelector(selector);
    this.list = find('[data-testid=model-files]');
    this.picker = find('[data-testid=model-file]');
    this.family = find('[data-testid=model-family]');
    for (const [value, label] of Object.entries(MODEL_FAMILIES)) this.family.append(new Option(label, value));
    this.progress = find('.model-file-progress');
    this.status = find('[data-testid=model-file-status]');
    /** @type {Map<string, import('./model-store.js').KeptModel>} name -> kept file's record */
    this.kept = new Map();
    /** @type {WeakMap<object, Map<string, Promise<void>>>} engine -> model -> its loading there */
    this.loaded = new WeakMap();
    /** @type {File|null} the file that waits for its family to be chosen */
    this.pending = null;
    this.store = openModelStore(options).catch((error) => (this.say(error.message, error.code), null));
    this.ready = this.store.then(async (store) => {
      for (const record of (await store?.list()) ?? []) this.show(record);
    }).catch((error) => this.say(error.message, error.code));
    this.picker.addEventListener('change', () => {
      const [file] = this.picker.files;
      this.picker.value = ''; // the same file may be picked again
      if (file) this.add(file);
    });
    this.family.addEventListener('change', () => this.pending && this.family.value && this.add(this.pending));
  }

  /**
   * Of files dropped, pasted or picked anywhere: the `.onnx` ones are added as model files (one
   * after the other), the others returned (images).
   * @param {Iterable<File>} files
   * @returns {File[]}
   */
  takeModelFiles(files) {
    const all = [...files];
    const isModel = (file) => /\.onnx$/i.test(file.name);
    all.filter(isModel).reduce((previous, file) => previous.then(() => this.add(file)), Promise.resolve());
    return all.filter((file) => !isModel(file));
  }

  /** Whether `model` is a kept file (usable once an engine has loaded it). */
  has(model) {
    return this.kept.has(model);
  }

  /**
   * Recognise a file in the worker, keep it, and list it. Errors are said beside the picker;
   * the app goes on with its other models.
   * @param {File} file
   */
  async add(file) {
    const family = this.family.value || undefined;
    this.pending = null;
    this.picker.disabled = true;
    try {
      const remover = await this.hooks.remover();
      const info = await this.load(remover, file, { fileName: file.name, family });
      const record = { ...info, fileName: file.name, added: Date.now() };
      const store = await this.store;
      if (!store) throw new Error("this browser's storage cannot be opened here");
      this.say(`Keeping ${file.name} in this browser…`);
      await store.put(record, file);
      this.loadedIn(remover).set(info.name, Promise.resolve());
      this.show(record);
      this.family.closest('label').hidden = true;
      this.family.value = '';
      this.say(`Added ${info.name} (${info.familyLabel}, ${formatMB(info.size)}, runs at ${info.inputSize} px on ${info.backend}): choose it above.`);
    } catch (error) {
      if (error.code === ErrorCode.UNKNOWN_MODEL_FAMILY) {
        this.pending = file; // choosing a family adds it again
        this.family.closest('label').hidden = false;
      }
      this.say(error.message, error.code ?? ErrorCode.INTERNAL);
    } finally {
      this.picker.disabled = false;
      this.progress.hidden = true;
    }
  }

  /**
   * The engine `remover`, with settings.model's kept file loaded in it first (a later visit, or a
   * fresh engine after a crash: each worker is given the file from storage, once).
   * @param {any} remover  js/page/peel.js's
   */
  engine(remover) {
    return {
      ...remover,
      remove: async (blob, options = {}) => {
        const model = options.settings?.model;
        await this.ensure(remover, model);
        if (!this.kept.has(model)) return remover.remove(blob, options);
        const onProgress = ({ message, deadlineMs }) => this.say(`${message} on ${blob.name ?? 'an image'}: ` +
          `a larger model takes a while; it stops if it takes more than ${Math.round(deadlineMs / 1000)} s.`);
        try {
          return await remover.remove(blob, { ...options, onProgress });
        } finally {
          this.say('');
        }
      },
    };
  }

  async ensure(remover, model) {
    await this.ready;
    const record = this.kept.get(model);
    const loads = this.loadedIn(remover);
    if (!record || loads.has(model)) return loads.get(model);
    const load = (async () => {
      const file = await (await this.store)?.file(model);
      if (!file) throw new Error(`the file of ${model} is no longer in this browser's storage: add it again`);
      await this.load(remover, file, { fileName: record.fileName, family: record.family, name: model });
      this.say('');
    })();
    loads.set(model, load);
    load.catch((error) => (loads.delete(model), this.say(error.message, error.code ?? ErrorCode.INTERNAL)));
    return load;
  }

  /** The engine lets go of a removed file's session (later engines never load it). */
  forgetIn(remover, model) {
    if (!remover || !this.loadedIn(remover).delete(model)) return;
    remover.forgetModel(model).catch((error) => this.say(error.message, error.code));
  }

  loadedIn(remover) {
    if (!this.loaded.has(remover)) this.loaded.set(remover, new Map());
    return this.loaded.get(remover);
  }

  /** One file into one engine, with its progress shown beside the picker. */
  load(remover, file, { fileName, family, name }) {
    this.progress.hidden = false;
    this.progress.value = 0;
    return remover.addModel(file, {
      fileName, family, name,
      onProgress: ({ message, loaded, total }) => {
        this.progress.value = total ? loaded / total : 0;
        this.say(`${message}… ${formatMB(loaded)} of ${formatMB(total)}`);
      },
    }).finally(() => (this.progress.hidden = true));
  }

  /** A kept file as a `model` choice: its name, family and size, and a remove button. */
  show(record) {
    this.list.querySelector(`[data-model="${CSS.escape(record.name)}"]`)?.remove();
    this.kept.set(record.name, record);
    const doc = this.form.ownerDocument;
    const entry = Object.assign(doc.createElement('span'), { className: 'model-file-entry' });
    entry.dataset.model = record.name;
    const label = doc.createElement('label');
    const radio = Object.assign(doc.createElement('input'), { type: 'radio', name: 'model', value: record.name });
    label.append(radio, ` ${record.name} (${record.familyLabel}, your file, ${formatMB(record.size)})`);
    const remove = Object.assign(doc.createElement('button'), { type: 'button', className: 'button-quiet',
      textContent: 'Remove' });
    remove.dataset.testid = 'model-file-remove';
    remove.setAttribute('aria-label', `Remove the model file ${record.name}`);
    remove.addEventListener('click', () => this.remove(record.name));
    entry.append(label, remove);
    this.list.append(entry);
    this.hooks.onAdded(record.name);
  }

  /**
   * Forget a kept file. Images made with it keep their cut-outs, edits and settings (they render
   * from their kept masks, which need no model); new images use the default model.
   */
  async remove(name) {
    try {
      await (await this.store)?.remove(name);
    } catch (error) {
      this.say(error.message, error.code);
      return;
    }
    this.forgetIn(await this.hooks.remover().catch(() => null), name);
    const entry = this.list.querySelector(`[data-model="${CSS.escape(name)}"]`);
    const wasChosen = entry?.querySelector('input').checked;
    entry?.remove();
    this.kept.delete(name);
    if (wasChosen) {
      const fallback = [...this.form.elements.model].find((radio) => radio.defaultChecked);
      if (fallback) fallback.checked = true;
    }
    const images = this.hooks.imagesOf(name);
    this.say(`Removed ${name} from this browser.` + (images
      ? ` The ${images === 1 ? 'image' : `${images} images`} made with it keep their cut-outs and edits; ` +
        'to cut one out again, choose another model.'
      : ''));
  }

  say(message, code) {
    this.status.textContent = message;
    if (code) this.status.dataset.error = code;
    else delete this.status.dataset.error;
  }
}
