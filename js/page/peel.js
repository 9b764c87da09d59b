// Peel's public JS API: the page (engine.js starts it, image-job.js uses it) goes through exactly
// this; so can anyone else.
//
//   const remover = await createRemover({ onProgress });
//   const { blob, width, height, backend, timings } = await remover.remove(file);
//   const again = await remover.render(file, result.mask, { imageId: result.imageId, settings });

import { Event, Request } from '../shared/protocol.js';
import { LONG_RUN_STALL_TIMEOUT_MS, WorkerClient } from './worker-client.js';
import { MODELS } from '../shared/contract.js';

/**
 * Start the image engine (a worker with Pyodide and onnxruntime) and wait until it is ready.
 * @param {object} [options]
 * @param {'auto'|'wasm'|'webgpu'} [options.backend='auto']
 * @param {number} [options.threads]  WASM threads (default: cores, capped; 1 without isolation)
 * @param {number} [options.stallTimeoutMs]  silence after which the engine counts as dead
 * @param {Object<string, number>} [options.deadlines]  ms per start-up stage (js/worker/deadline.js)
 * @param {boolean} [options.measureMemory]  report the worker's WASM heaps in each result's
 *   `memory` (for the bench; it watches WebAssembly.Memory while onnxruntime starts)
 * @param {(progress: import('../shared/protocol.js').Progress) => void} [options.onProgress]
 */
export async function createRemover({ backend = 'auto', threads, deadlines, stallTimeoutMs, measureMemory = false,
  onProgress = () => {} } = {}) {
  /** @type {Map<string, (progress: import('../shared/protocol.js').Progress) => void>} model -> its listener */
  const modelProgress = new Map();
  let nextFile = 1;
  const onEvent = (type, payload) => {
    if (type !== Event.PROGRESS) return;
    if (payload.model) modelProgress.get(payload.model)?.(payload);
    else onProgress(payload);
  };
  const client = new WorkerClient(new URL('../worker/worker.js', import.meta.url), onEvent, { stallTimeoutMs });
  try {
    /** @type {import('../shared/protocol.js').RuntimeInfo} */
    const info = await client.request(Request.INIT, { backend, threads, deadlines, measureMemory }).promise;
    return {
      info,
      /**
       * Remove the background of one image.
       * @param {Blob} blob  any image file the browser decodes
       * @param {{signal?: AbortSignal, settings?: object, background?: Blob,
       *          onPreview?: (preview: {preview: Blob, width: number, height: number}) => void,
       *          onProgress?: (progress: import('../shared/protocol.js').Progress) => void}} [options]
       *   settings: fields of py/peel/settings.py (defaults apply); background: an image for
       *   settings.background 'image'; onPreview: called with the result's preview before its
       *   file is encoded; onProgress: a person's model file's run begins (stage `inference`, its
       *   deadline). Aborting the signal rejects with an AbortError.
       * @returns {Promise<import('../shared/protocol.js').RemoveResult>}
       */
      remove(blob, { signal, settings = {}, background, onPreview, onProgress: onRunProgress } = {}) {
        signal?.throwIfAborted();
        // A person's model file may hold the worker for longer than the watchdog's usual patience.
        const patienceMs = settings.model && !MODELS[settings.model] ? LONG_RUN_STALL_TIMEOUT_MS : undefined;
        const { id, promise } = client.request(Request.REMOVE, { blob, settings, background }, { onPreview, patienceMs });
        if (patienceMs && onRunProgress) {
          modelProgress.set(settings.model, onRunProgress);
          promise.finally(() => modelProgress.get(settings.model) === onRunProgress && modelProgress.delete(settings.model))
            .catch(() => {});
        }
        signal?.addEventListener('abort', () => client.cancel(id), { once: true });
        return promise;
      },
      /**
       * Render a finished image again with other settings, from its kept mask: no model run.
       * @param {Blob} blob  the original image
       * @param {Float32Array} mask  `mask` of its RemoveResult
       * @param {{settings?: object, background?: Blob, imageId?: string, maskShape?: number[],
       *          onPreview?: Function, edits?: import('../shared/protocol.js').Edits}} [options]
       *   maskShape: of its RemoveResult (default [320, 320])
       *   imageId: of its last result; while the engine still keeps that image, it skips decoding
       *   the file and reuses the steps the new settings do not change. onPreview: as for remove.
       *   edits: the editor's strokes in effect for this image (all of them, every time).
       * @returns {Promise<import('../shared/protocol.js').RemoveResult>}
       */
      render(blob, mask, { settings = {}, background, imageId, maskShape, edits, onPreview } = {}) {
        return client.request(Request.RENDER, { blob, mask, maskShape, imageId, settings, background, edits },
          { onPreview }).promise;
      },
      /**
       * `render` after a change of the strokes alone: the engine patches the output where the
       * new strokes change it, rather than making it all again (same result; same options).
       * @param {Blob} blob
       * @param {Float32Array} mask
       * @param {object} [options]  as for render
       * @returns {Promise<import('../shared/protocol.js').RemoveResult & {box: {x: number, y: number, width: number, height: number}}>}
       */
      renderRegion(blob, mask, { settings = {}, background, imageId, maskShape, edits, onPreview } = {}) {
        return client.request(Request.RENDER_REGION, { blob, mask, maskShape, imageId, settings, background, edits },
          { onPreview }).promise;
      },
      /**
       * The hints PNG of an image's edits, as `peel --hints` reads it.
       * @param {{width: number, height: number}} size  of the original image
       * @param {import('../shared/protocol.js').Edits} edits
       * @returns {Promise<Blob>}
       */
      async hints({ width, height }, edits) {
        return (await client.request(Request.HINTS, { width, height, edits }).promise).blob;
      },
      /**
       * Get a model ready (downloading its file if this device has not got it yet).
       * @param {string} model  a name of contract.js MODELS
       * @param {{onProgress?: (progress: import('../shared/protocol.js').Progress) => void}} [options]
       * @returns {Promise<null>}
       */
      async loadModel(model, { onProgress: onModelProgress = () => {} } = {}) {
        modelProgress.set(model, onModelProgress);
        try {
          return await client.request(Request.LOAD_MODEL, { model }).promise;
        } finally {
          modelProgress.delete(model);
        }
      },
      /**
       * Add a person's own model file: recognised by the worker's Python, then one more model
       * (its name becomes a valid settings.model). The file never leaves this device.
       * @param {Blob} file  an ONNX file
       * @param {{fileName?: string, family?: string, name?: string,
       *          onProgress?: (progress: import('../shared/protocol.js').Progress) => void}} [options]
       *   family: for a file whose family cannot be told; name: the name to give it
       * @returns {Promise<import('../shared/protocol.js').ModelFileInfo>}
       */
      async addModel(file, { fileName = file.name ?? 'model.onnx', family, name, onProgress: onModelProgress = () => {} } = {}) {
        const key = `file:${nextFile++}`; // the progress events' `model` until the file has a name
        modelProgress.set(key, onModelProgress);
        try {
          return await client.request(Request.ADD_MODEL, { file, fileName, family, name, key },
            { patienceMs: LONG_RUN_STALL_TIMEOUT_MS }).promise;
        } finally {
          modelProgress.delete(key);
        }
      },
      /**
       * Let go of a person's model file added before (its session): it was removed.
       * @param {string} model
       * @returns {Promise<null>}
       */
      forgetModel: (model) => client.request(Request.FORGET_MODEL, { model }).promise,
      close: () => client.terminate(),
    };
  } catch (error) {
    client.terminate();
    throw error;
  }
}
