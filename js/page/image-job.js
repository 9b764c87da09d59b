// One image on the page, and everything done with it: cut it out (the model, then the output),
// make its output again with the latest settings and strokes, cancel it, forget it.
//
// An ImageJob declares every field an image holds; the card, the results list and the editor
// read them and call its methods, and never write each other's fields. The queue is batch.js:
// it runs `process` one image at a time and is the only writer of the queue's fields (state,
// ms, error, rendering, renderError).
//
// Verbs on the page: an image is *processed* once (model + output) and *rerendered* after (its
// kept mask, the current settings and strokes, no model run). The engine's verbs are `remove`
// and `render` (peel.js), Python's `remove` and `render` (py/peel/bridge.py).

import { Batch } from './batch.js';
import { EditHistory } from './strokes.js';
import { ErrorCode } from '../shared/protocol.js';

/**
 * What every image needs from the page (main.js gives the real ones, tests fake them).
 * @typedef {object} JobHooks
 * @property {() => Promise<any>} remover  the engine (peel.js createRemover) once started
 * @property {() => {settings: object, background?: Blob}} settings  the form's current values
 * @property {() => boolean} snap  the editor's "snap strokes to edges"
 * @property {(model: string) => boolean} isModelReady  whether a model runs without a download
 * @property {(job: ImageJob) => void} onChange  a job changed state (the queue's onChange)
 * @property {(job: ImageJob, preview: Blob, layout: import('../shared/protocol.js').Layout|null) => void} onPreview
 *   the look of an output being made, and where it shows the original's pixels
 * @property {(job: ImageJob) => void} onBusy  `busy` changed
 * @property {() => void} [onIdle]  the queue ran dry
 * @property {() => void} [onEngineDied]  the worker died under a job: start a fresh one
 */

export class ImageJob {
  /**
   * @param {{id: number, file: File, state: import('./batch.js').ItemState, model: string,
   *   kept?: KeptFields}} fields  from Batch.add; `kept`: an image brought back from the kept
   *   session (session.js)
   * @param {JobHooks} hooks
   * @param {Batch} batch  the queue it is in
   */
  constructor({ id, file, state, model, kept }, hooks, batch) {
    // ---- the queue's (batch.js writes these)
    /** @type {number} */
    this.id = id;
    /** @type {import('./batch.js').ItemState} */
    this.state = state;
    /** @type {number|undefined} ms the last processing took */
    this.ms = undefined;
    /** @type {Error|undefined} why processing failed */
    this.error = kept?.error ?? undefined;
    /** A finished image whose output is being made again (it stays done meanwhile). */
    this.rendering = false;
    /** @type {Error|undefined} why the last rerender failed (the old output stays) */
    this.renderError = undefined;

    // ---- the image's own
    /** @type {File} the original file */
    this.file = file;
    /** @type {string} the model its mask comes from (chosen when it came, or by a settings change in its scope) */
    this.model = model;
    /** @type {Float32Array|null} the model's mask, kept: a later setting change runs no model
     *  (an image that has one when it is processed, one brought back after a reload, is only rendered) */
    this.mask = kept?.mask ?? null;
    /** @type {number[]|null} [height, width] of `mask` */
    this.maskShape = kept?.maskShape ?? null;
    /** @type {string|null} its name in the kept session (session.js writes it) */
    this.keptId = kept?.id ?? null;
    /** @type {import('../shared/protocol.js').RemoveResult|undefined} the newest output (its
     *  `imageId` names the image the worker keeps) */
    this.result = undefined;
    /** @type {string|undefined} the newest output's format (its file name) */
    this.format = undefined;
    /** Whether the newest output is a product canvas (its `result.layout` maps the original onto it). */
    this.productLayout = false;
    /** @type {{settings: object, background?: Blob}|null} the settings its output is made with:
     *  taken when it is processed, changed by useSettings only (a stroke keeps them); after a
     *  reload, those it was kept with (its first render uses them, not the form's) */
    this.look = kept?.settings ? { settings: kept.settings } : null;
    /** The brush strokes, with undo and redo. */
    this.edits = Object.assign(new EditHistory(), kept?.edits ?? {});
    /** @type {import('../shared/protocol.js').Stroke[]} the strokes the picture shown includes */
    this.renderedStrokes = [];
    /** @type {string|null} the `lookKey` its newest output was made with: while the look stays
     *  the same, a rerender changes strokes only, and the engine patches the output (renderRegion) */
    this.outputLook = null;

    // ---- its rerender: at most one at a time; requests meanwhile merge into the next one
    /** A rerender is running. */
    this.rerenderRunning = false;
    /** A rerender was asked for that has not started (the running one, if any, is outdated). */
    this.rerenderDue = false;
    /** A settings control is being changed: a rerender is about to be asked for. */
    this.rerenderExpected = false;

    this.hooks = hooks;
    this.batch = batch;
  }

  /** The name of the image the worker keeps for this one (skips decoding it again). */
  get imageId() {
    return this.result?.imageId;
  }

  /** Queued behind a model that is not on this device yet. */
  get waitingForModel() {
    return this.state === 'queued' && !this.mask && !this.hooks.isModelReady(this.model);
  }

  /** Its output is outdated or about to be: the file shown is not the one the settings ask for. */
  get busy() {
    return this.rerenderRunning || this.rerenderDue || this.rerenderExpected;
  }

  /** The edits as the engine takes them: the strokes in effect, and snap. */
  get editsNow() {
    return { strokes: this.edits.strokes, snap: this.hooks.snap() };
  }

  /** @returns {object|null} the Settings values of its `look` (what the kept session stores) */
  get settings() {
    return this.look?.settings ?? null;
  }

  /**
   * The part of its state that can be stored (structured-cloneable: IndexedDB, postMessage), to
   * make it again after a reload. The output is not in it: it can be made from these.
   */
  record() {
    const { id, file, model, mask, maskShape, settings, edits } = this;
    return { id, file, model, mask, maskShape, settings, edits: { states: edits.states, index: edits.index } };
  }

  // ------------------------------------------------------------------ processing

  /**
   * Cut the image out with its model, then make the output with the current settings. The
   * queue calls this (one image at a time); it resolves with the result.
   * @returns {Promise<import('../shared/protocol.js').RemoveResult>}
   */
  async process() {
    if (this.mask) return this.renderKept();
    try {
      const { settings, background } = this.look ?? this.hooks.settings();
      settings.model = this.model;
      this.look = { settings: { ...settings }, background };
      const lookKey = this.lookKey;
      const onPreview = ({ preview, layout }) => this.hooks.onPreview(this, preview, layout);
      const result = await (await this.hooks.remover()).remove(this.file, { settings, background, onPreview });
      this.outputLook = lookKey;
      this.mask = result.mask;
      this.maskShape = result.maskShape;
      this.format = settings.format;
      this.productLayout = Boolean(settings.product);
      return result;
    } catch (error) {
      if (error.code === ErrorCode.WORKER_DIED) this.hooks.onEngineDied?.(); // a fresh engine for the rest
      throw error;
    }
  }

  /**
   * Process an image that has its mask already (brought back after a reload): render it with
   * the settings and strokes it was kept with; no model run.
   * @returns {Promise<import('../shared/protocol.js').RemoveResult>}
   */
  async renderKept() {
    const current = this.hooks.settings();
    const settings = { ...(this.look?.settings ?? current.settings), model: this.model };
    const background = this.look?.background ?? current.background; // a background image is not kept
    this.look = { settings: { ...settings }, background };
    const lookKey = this.lookKey;
    const edits = this.editsNow;
    const onPreview = ({ preview, layout }) => this.hooks.onPreview(this, preview, layout);
    const rendered = await (await this.hooks.remover()).render(this.file, this.mask, {
      settings, background, maskShape: this.maskShape, edits, onPreview,
    });
    this.outputLook = lookKey;
    this.renderedStrokes = edits.strokes;
    this.format = settings.format;
    this.productLayout = Boolean(settings.product);
    return { ...rendered, model: this.model };
  }

  /** Take it out of the queue (a running or finished image is not affected). */
  cancel() {
    this.batch.cancel(this);
  }

  /** Forget it, unless it is running. @returns {boolean} whether it was forgotten */
  forget() {
    return this.batch.remove(this);
  }

  // ------------------------------------------------------------------ rerendering

  /**
   * Make a finished image's output again with the latest settings and strokes. One rerender at
   * a time: what is asked meanwhile goes into the next one, never a queue of them; the card and
   * editor take each one's preview as it comes. Resolves once the image is up to date (or could
   * not be: not finished, forgotten, failed).
   */
  async rerender() {
    this.rerenderDue = true;
    this.rerenderExpected = false;
    this.hooks.onBusy(this);
    if (this.rerenderRunning) return;
    this.rerenderRunning = true;
    while (this.rerenderDue && this.state === 'done' && this.batch.items.includes(this)) {
      await this.batch.rerender(this, async () => {
        let rendered;
        while (this.rerenderDue && this.batch.items.includes(this)) {
          this.rerenderDue = false;
          rendered = await this.rerenderOnce();
          this.result = rendered.result; // the next one's imageId
        }
        return rendered;
      });
    }
    this.rerenderDue = false; // not finished (e.g. queued for another model) or forgotten: nothing to make
    this.rerenderRunning = false;
    this.hooks.onBusy(this);
  }

  /** A settings control is moving: say at once that a rerender is coming (or, false, is not). */
  expectRerender(expected = true) {
    this.rerenderExpected = expected;
    this.hooks.onBusy(this);
  }

  /**
   * Make its output with these settings from now on (a settings change in its scope); another
   * model than its own means processing it again (once that model is ready).
   * @param {{settings: object, background?: Blob}} look  the form's values
   */
  async useSettings({ settings, background }) {
    const { model, ...rest } = settings;
    const before = this.lookKey;
    this.look = { settings: { ...rest, model: model ?? this.model }, background };
    if (!model || this.model === model) {
      if (this.lookKey === before && this.result) return this.expectRerender(false); // nothing to make
      return this.rerender();
    }
    this.model = model;
    this.mask = this.maskShape = null; // the other model's mask is made anew
    this.batch.requeue(this);
  }

  /** What its output is made with, as text: two images with the same key look alike. */
  get lookKey() {
    const { settings = {}, background } = this.look ?? {};
    return JSON.stringify({ ...settings, model: this.model, background: background ? [background.name, background.size] : null });
  }

  /**
   * One rerender with the settings and strokes now: when only the strokes changed since its
   * newest output (other strokes, same look, not a product canvas, whose layout a stroke may move), the engine
   * patches that output where they changed it (`renderRegion`); otherwise it renders it all.
   * @returns fields for the queue to set
   */
  async rerenderOnce() {
    const { settings: own, background } = this.look ?? this.hooks.settings();
    const settings = { ...own, model: this.model }; // its mask is that model's
    const lookKey = this.lookKey;
    const edits = this.editsNow;
    const strokesOnly = Boolean(this.imageId) && lookKey === this.outputLook && !sameStrokes(edits.strokes, this.renderedStrokes) &&
      !this.productLayout && !settings.product;
    const onPreview = ({ preview, layout }) => {
      this.renderedStrokes = edits.strokes;
      this.hooks.onPreview(this, preview, layout);
    };
    const remover = await this.hooks.remover();
    const rendered = await remover[strokesOnly ? 'renderRegion' : 'render'](this.file, this.mask, {
      settings, background, imageId: this.imageId, maskShape: this.maskShape, edits, onPreview,
    });
    this.outputLook = lookKey;
    return { result: { ...this.result, ...rendered }, format: settings.format, productLayout: Boolean(settings.product),
      renderedStrokes: edits.strokes };
  }

  // ------------------------------------------------------------------ edits

  /** @param {import('../shared/protocol.js').Stroke} stroke  painted on this image */
  addStroke(stroke) {
    this.edits.add(stroke);
    this.rerender();
  }

  /** @returns {boolean} whether anything changed (and a rerender was asked for) */
  undo() {
    return this.edits.undo() && (this.rerender(), true);
  }

  redo() {
    return this.edits.redo() && (this.rerender(), true);
  }

  resetEdits() {
    return this.edits.reset() && (this.rerender(), true);
  }
}

/** Whether two stroke lists are the same strokes (EditHistory's states share their stroke objects). */
function sameStrokes(a, b) {
  return a.length === b.length && a.every((stroke, i) => stroke === b[i]);
}

/**
 * What an image brought back from the kept session starts with (session.js).
 * @typedef {object} KeptFields
 * @property {string} id  its name in the kept session
 * @property {Float32Array|null} [mask]
 * @property {number[]|null} [maskShape]
 * @property {object|null} [settings]
 * @property {{states: any[][], index: number}|null} [edits]
 * @property {{code: string, message: string}} [error]  why it failed (state 'error')
 */

/**
 * The page's queue of images: a Batch whose items are ImageJobs.
 * @param {JobHooks} hooks
 * @returns {Batch}
 */
export function createJobQueue(hooks) {
  const batch = new Batch({
    create: (fields) => new ImageJob(fields, hooks, batch),
    process: (job) => job.process(),
    onChange: (job) => hooks.onChange(job),
    // The people model may not be downloaded yet; an image with its mask runs no model.
    isReady: (job) => Boolean(job.mask) || hooks.isModelReady(job.model),
    onIdle: () => hooks.onIdle?.(),
  });
  return batch;
}
