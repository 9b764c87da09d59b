// The one message protocol between the page (worker-client.js) and the worker (runtime.js).
//
// Request   page → worker   {id, type, payload}
// Reply     worker → page   {id, ok: true, result} | {id, ok: false, error: {name, code, message}}
// Event     worker → page   {type: 'event:…', payload}          (no id)
//
// Everything is a plain, cloneable object. Pixel buffers and Blobs travel in the transfer
// list or as Blobs (which are shared, not copied), never through a structured-clone copy.

import { DEFAULT_MODEL, PYTHON_ERROR_CODES } from './contract.js';

/** Requests the worker answers. */
export const Request = Object.freeze({
  /** payload: {@link InitOptions}; result: {@link RuntimeInfo}. Sent once, first. */
  INIT: 'init',
  /**
   * payload: {blob: Blob, settings: Settings, background?: Blob, edits?: Edits};
   * result: {@link RemoveResult}.
   */
  REMOVE: 'remove',
  /**
   * payload: {blob: Blob, mask: Float32Array, maskShape: [h, w], imageId?: string, settings: Settings,
   *           background?: Blob, edits?: Edits};
   * result: {@link RemoveResult} without `mask` and `backend`. No model run: the page keeps the
   * mask of each image, so changing a setting costs only the pixel work. The worker keeps the
   * image it last worked on (by imageId): for that one, the file is not even decoded again. Every
   * request carries the whole stroke list in effect, so strokes made while a render runs simply go
   * with the next one.
   */
  RENDER: 'render',
  /**
   * payload: as RENDER's; result: as RENDER's, plus `box` ({x, y, width, height}: the part of the
   * output that changed; width 0: none). For a change of the strokes alone (the same settings and
   * background as the image's last output): the worker redoes only the region the new strokes
   * reach and patches its kept output and preview there (js/worker/kept-output.js), then encodes
   * the file from it. Where it keeps no such output (another image rendered since, a restart, a
   * mask or product output) it renders all, as RENDER does; so the result is RENDER's either way.
   */
  RENDER_REGION: 'render-region',
  /**
   * payload: {width, height, edits: Edits}; result: {blob: Blob} — the hints PNG of the strokes
   * (8-bit grey, 0 = erase, 255 = restore, 128 = no hint) for `peel --hints`.
   */
  HINTS: 'hints',
  /**
   * payload: {model: string}; result: null once the model's session is ready. Downloads the
   * model's file if needed, with Event.PROGRESS carrying `model`. Not queued behind REMOVE jobs:
   * the default model keeps working during a download. (REMOVE loads its model itself too.)
   */
  LOAD_MODEL: 'load-model',
  /**
   * payload: {file: Blob, fileName: string, family?: string, name?: string, key: string};
   * result: {@link ModelFileInfo} once the file is recognised, registered in Python and its
   * session made. A person's own model file (js/worker/models.js addModelFile): refused from its
   * size before it is read; Event.PROGRESS carries `model: key` while it is read and loaded.
   * Queued with the jobs (it needs Python). `name` and `family`: as kept on an earlier visit.
   */
  ADD_MODEL: 'add-model',
  /**
   * payload: {model: string}; result: null. A person's model file was removed: its session is
   * released (queued with the jobs, so a run that uses it finishes first).
   */
  FORGET_MODEL: 'forget-model',
  /** payload: {id: number} — the REMOVE request to abandon; result: null. */
  CANCEL: 'cancel',
  /** payload: null; result: null. The page's watchdog asks while a request is pending. */
  PING: 'ping',
});

/** Events the worker sends on its own. */
export const Event = Object.freeze({
  /** payload: {@link Progress} */
  PROGRESS: 'event:progress',
  /**
   * payload: {id, preview: Blob, width, height, layout: Layout|null} — the look of the result of
   * request `id` (REMOVE, RENDER or RENDER_REGION), sent as soon as it is known: encoding the file
   * takes a while longer (~0.3 s for a 12 MP PNG), and the reply with the file follows.
   */
  PREVIEW: 'event:preview',
});

/**
 * @typedef {object} InitOptions
 * @property {'auto'|'wasm'|'webgpu'} backend  'auto' picks WebGPU only on a real (non-fallback) GPU.
 * @property {number} [threads]  WASM threads; default: cores capped at 4, 1 without isolation.
 * @property {Object<string, number>} [deadlines]  ms per start-up stage (js/worker/deadline.js Stage);
 *   default DEFAULT_DEADLINES_MS
 * @property {boolean} [measureMemory]  results carry `memory` (bytes of each WASM heap); bench only.
 *
 * @typedef {object} RuntimeInfo
 * @property {string} backend   what ran, for people: 'WebGPU' or 'WASM ×2'
 * @property {'wasm'|'webgpu'} backendId  which onnxruntime build is loaded
 * @property {number} threads  the threads onnxruntime really runs (1 where it cannot share memory)
 * @property {number} poolWorkers  the Workers onnxruntime made for its thread pool (threads − 1)
 * @property {string} version   the build's version (dist/build.json)
 * @property {Object<string, number>} timings  boot stages in ms
 *
 * @typedef {object} RemoveResult
 * @property {Blob} blob        the output file in the chosen format, full resolution
 * @property {Float32Array} mask  the model's mask in [0, 1], (h*w), for RENDER later
 * @property {number[]} maskShape  [h, w] of `mask`: the model's output size (its input size)
 * @property {string} model     which model made the mask (settings.model)
 * @property {string} imageId   the worker's name for this image, for RENDER later
 * @property {string[]} notes   things worth telling, e.g. "Animated image: the first frame was used."
 * @property {Blob} preview     small WebP of the result for display (long side ≤ 640 px)
 * @property {number} width     of the output (a product canvas's size in product mode)
 * @property {number} height
 * @property {Layout|null} layout  where a product photo put the original's pixels; null when the
 *                              output is in the original's own pixels
 * @property {string} backend
 * @property {Object<string, number>} timings  ms per stage: decode, prepare, inference,
 *                                             postprocess, encode, preview, total
 *
 * @typedef {object} ModelFileInfo  a person's model file, recognised (py/peel/models/browser_files.py)
 * @property {string} name      its `model` setting
 * @property {string} title     how cards name it
 * @property {string} family    one of contract.js MODEL_FAMILIES
 * @property {string} familyLabel
 * @property {number} inputSize  the square side it runs at
 * @property {number} size      bytes
 * @property {string} sha256
 * @property {string} recognisedBy  'md5' | 'signature' | 'family' | 'metadata'
 * @property {string} licence
 * @property {string} backend   what runs it, for people ('WASM ×2')
 *
 * @typedef {object} Settings  plain object of py/peel/settings.py's fields (same names,
 *                              same defaults); validated in Python
 *
 * @typedef {object} Layout     a product photo's transform (py/peel/product.py ProductLayout):
 *                              the original's point [x, y] is drawn on the canvas at
 *                              offset + [x, y] × scale (continuous pixel coordinates, (0, 0) the
 *                              top-left corner); strokes stay in the original's pixels, the page
 *                              maps the pointer back through it. Every result carries it (REMOVE,
 *                              RENDER, their previews, and a region render's result).
 * @property {number[]} scale   [sx, sy] canvas pixels per original pixel
 * @property {number[]} offset  [x, y] canvas pixels of the original's origin (negative where
 *                              the crop cut that part away)
 * @property {number[]} source  [width, height] of the original
 * @property {number[]} canvas  [width, height] of the canvas (the output)
 *
 * @typedef {object} Stroke     one brush stroke of the editor (py/peel/hints.py)
 * @property {'erase'|'restore'} tool
 * @property {number} radius    in pixels of the original image
 * @property {number[][]} points  [[x, y], …] in pixels of the original image
 *
 * @typedef {object} Edits      the user's edits of one image: the strokes in effect, in order
 * @property {Stroke[]} strokes
 * @property {boolean} snap     "Snap to edges": each stroke's rim follows the photo's edge
 *
 * @typedef {object} Progress
 * @property {string} message   what is happening, for people
 * @property {number} loaded    bytes downloaded so far
 * @property {number} total     bytes expected in all (0 until known)
 * @property {string[]} [waitingFor]  the parts start-up still waits for (Python, onnxruntime)
 * @property {string} [model]   set when an on-demand model is downloading (Request.LOAD_MODEL), a
 *   person's model file loads (Request.ADD_MODEL: its `key`) or runs (Request.REMOVE)
 * @property {string} [stage]   'inference': a person's model file runs on an image
 * @property {number} [deadlineMs]  with `stage`: the run fails once it takes this long
 *
 * @typedef {object} WireError
 * @property {string} name      'PeelError', 'AbortError', …
 * @property {string} code      stable, one of ErrorCode
 * @property {string} message   for people: what happened and what to do
 */

/** The model every engine starts with (py/peel/models/); settings.model may name another. */
export { DEFAULT_MODEL };

/**
 * Stable error codes: those Python raises (py/peel/errors.py, generated into contract.js:
 * invalid-argument, empty-file, not-an-image, unsupported-format, corrupt-image, too-large,
 * no-subject…) and those only JavaScript raises.
 */
export const ErrorCode = Object.freeze({
  ...PYTHON_ERROR_CODES,
  RUNTIME_FAILED: 'runtime-failed',
  /** A start-up stage (js/worker/deadline.js) saw no progress for its whole deadline. */
  STARTUP_TIMEOUT: 'startup-timeout',
  OFFLINE: 'offline-before-first-load',
  INFERENCE_FAILED: 'inference-failed',
  MODEL_DOWNLOAD_FAILED: 'model-download-failed',
  OUT_OF_MEMORY: 'out-of-memory',
  WORKER_DIED: 'worker-died',
  /** The browser's storage for the kept session is full (js/page/storage-errors.js). */
  STORAGE_FULL: 'storage-full',
  /** The browser's storage refused or lost a write for another reason. */
  STORAGE_FAILED: 'storage-failed',
  /** Another tab of the app keeps the session: this one works without keeping its images. */
  SESSION_IN_USE: 'session-in-use',
  CANCELLED: 'cancelled',
  INTERNAL: 'internal',
});

/** An error that crossed the worker boundary, rebuilt on the page with its code. */
export class PeelError extends Error {
  /** @param {WireError} wire */
  constructor({ name = 'PeelError', code = ErrorCode.INTERNAL, message }) {
    super(message);
    this.name = name;
    this.code = code;
  }
}

/**
 * The one place where anything thrown becomes a WireError.
 * @param {unknown} error
 * @returns {WireError}
 */
export function toWireError(error) {
  if (error instanceof PeelError) {
    return { name: error.name, code: error.code, message: error.message };
  }
  if (error?.name === 'AbortError') {
    return { name: 'AbortError', code: ErrorCode.CANCELLED, message: 'Cancelled.' };
  }
  if (isOutOfMemory(error)) {
    return {
      name: 'PeelError',
      code: ErrorCode.OUT_OF_MEMORY,
      message: 'This image needs more memory than the browser gave Peel. Close other tabs, or resize the image and try again.',
    };
  }
  if (error?.constructor?.name === 'PythonError' && error.type) {
    return fromPythonError(error);
  }
  const detail = error instanceof Error ? error.message : String(error);
  return { name: 'PeelError', code: ErrorCode.INTERNAL, message: `Something went wrong: ${detail}` };
}

/** Allocation failures look different in JS, WebAssembly and Python; all mean the same here. */
function isOutOfMemory(error) {
  if (error?.type === 'MemoryError') return true; // Python, through Pyodide
  const message = String(error?.message ?? '');
  return (error instanceof RangeError && /alloc|memory|buffer/i.test(message)) ||
    /out of memory|Cannot enlarge memory|memory access out of bounds/i.test(message);
}

/**
 * Unexpected Python exceptions reach JS as PythonError whose message is the whole traceback.
 * (Expected ones, PeelError, come back from py/peel/bridge.py as plain {code, message}.)
 */
function fromPythonError(error) {
  const lastLine = error.message.trimEnd().split('\n').pop() ?? '';
  return {
    name: 'PeelError',
    code: ErrorCode.INTERNAL,
    message: `The image pipeline failed (${error.type}): ${lastLine}`,
  };
}
