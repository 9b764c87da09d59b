// Peel's public JS API. The UI (main.js) uses exactly this; so can anyone else.
//
//   const remover = await createRemover({ onProgress });
//   const { blob, width, height, backend, timings } = await remover.remove(file);

import { Event, Request } from './protocol.js';
import { WorkerClient } from './worker-client.js';

/**
 * Start the image engine (a worker with Pyodide and onnxruntime) and wait until it is ready.
 * @param {object} [options]
 * @param {'auto'|'wasm'|'webgpu'} [options.backend='auto']
 * @param {number} [options.threads]  WASM threads (default: cores, capped; 1 without isolation)
 * @param {number} [options.stallTimeoutMs]  silence after which the engine counts as dead
 * @param {(progress: import('./protocol.js').Progress) => void} [options.onProgress]
 */
export async function createRemover({ backend = 'auto', threads, stallTimeoutMs, onProgress = () => {} } = {}) {
  const onEvent = (type, payload) => type === Event.PROGRESS && onProgress(payload);
  const client = new WorkerClient(new URL('./worker.js', import.meta.url), onEvent, { stallTimeoutMs });
  try {
    /** @type {import('./protocol.js').RuntimeInfo} */
    const info = await client.request(Request.INIT, { backend, threads }).promise;
    return {
      info,
      /**
       * Remove the background of one image.
       * @param {Blob} blob  any image file the browser decodes
       * @param {{signal?: AbortSignal}} [options]  aborting rejects with an AbortError
       * @returns {Promise<import('./protocol.js').RemoveResult>}
       */
      remove(blob, { signal } = {}) {
        signal?.throwIfAborted();
        const { id, promise } = client.request(Request.REMOVE, { blob });
        signal?.addEventListener('abort', () => client.cancel(id), { once: true });
        return promise;
      },
      close: () => client.terminate(),
    };
  } catch (error) {
    client.terminate();
    throw error;
  }
}
