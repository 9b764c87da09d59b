// The worker's runtime: boots Pyodide and onnxruntime, then answers the page's requests.
// It takes `post` as an argument instead of using self.postMessage, so that a test or another
// host can drive it (see worker.js for the real wiring).

import { createInference, defaultThreads, hasRealGpu } from './inference.js';
import { hintsPng, removeBackground, renderAgain } from './jobs.js';
import { ensureModel } from './models.js';
import { ErrorCode, Event, PeelError, Request, toWireError } from '../shared/protocol.js';

const ROOT = new URL('../../', import.meta.url);
const PYODIDE_URL = new URL('vendor/pyodide/', ROOT).href;
const MODEL_URL = new URL('models/u2netp-320.onnx', ROOT).href;
const PACKAGE_URL = new URL('py/peel.zip', ROOT).href;
const SITE_PACKAGES = '/lib/python3.12/site-packages';

/**
 * @param {(message: object, transfer?: Transferable[]) => void} post
 * @param {{boot?: typeof boot}} [hooks]  boot: what INIT starts (a test passes a fake bridge and
 *   fake inference here; the real one loads Pyodide and onnxruntime)
 * @returns {(message: {id: number, type: string, payload: any}) => void}  the message handler
 */
export function startRuntime(post, { boot: start = boot } = {}) {
  /** @type {Promise<Runtime>|null} */
  let runtime = null;
  const cancelled = new Set();
  let queue = Promise.resolve(); // one job at a time

  /** Run jobs one at a time, each with a checkpoint that throws once it was cancelled. */
  const schedule = (id, job) => {
    const run = queue.then(async () => {
      if (!runtime) throw new PeelError({ code: ErrorCode.RUNTIME_FAILED, message: 'The runtime was not started.' });
      const checkpoint = () => {
        if (cancelled.delete(id)) throw new DOMException('Cancelled', 'AbortError');
      };
      return job(await runtime, checkpoint);
    });
    queue = run.catch(() => {});
    return run;
  };
  const previewOf = (id) => (preview) => post({ type: Event.PREVIEW, payload: { id, ...preview } });
  const reply = (id, work) =>
    work.then(
      ({ result, transfer = [] }) => post({ id, ok: true, result }, transfer),
      (error) => post({ id, ok: false, error: toWireError(error) }),
    );

  return ({ id, type, payload }) => {
    switch (type) {
      case Request.INIT:
        runtime ??= start(payload, (progress) => post({ type: Event.PROGRESS, payload: progress }));
        reply(id, runtime.then((r) => ({ result: r.info })));
        break;
      case Request.REMOVE:
        reply(id, schedule(id, (r, checkpoint) => removeBackground(r, payload, checkpoint, previewOf(id),
          (progress) => post({ type: Event.PROGRESS, payload: progress }))));
        break;
      case Request.RENDER:
        reply(id, schedule(id, (r, checkpoint) => renderAgain(r, payload, checkpoint, previewOf(id))));
        break;
      case Request.HINTS:
        reply(id, schedule(id, (r) => hintsPng(r, payload)));
        break;
      case Request.LOAD_MODEL: // beside the job queue, not in it: see protocol.js
        reply(id, (runtime ?? Promise.reject(new Error('not started'))).then((r) =>
          ensureModel(r, payload.model, (progress) => post({ type: Event.PROGRESS, payload: progress })))
          .then(() => ({ result: null })));
        break;
      case Request.CANCEL:
        cancelled.add(payload.id);
        reply(id, Promise.resolve({ result: null }));
        break;
      case Request.PING: // answered at once, even mid-job: proof of life for the watchdog
        reply(id, Promise.resolve({ result: null }));
        break;
      default:
        reply(id, Promise.reject(new PeelError({ code: ErrorCode.INTERNAL, message: `Unknown request ${type}` })));
    }
  };
}

/**
 * @typedef {object} Runtime
 * @property {import('../shared/protocol.js').RuntimeInfo} info
 * @property {any} bridge  the Python module peel.bridge
 * @property {Awaited<ReturnType<typeof createInference>>} inference
 * @property {() => (Object<string, number>|undefined)} memory  bytes of each WASM heap now, when measured
 * @property {{files: Object<string, number>, models?: Object<string, string[]>}} manifest  build.json
 */

/**
 * Load Pyodide (+ numpy, Pillow, peel) and the onnxruntime session side by side.
 * @param {import('../shared/protocol.js').InitOptions} options
 * @returns {Promise<Runtime>}
 */
async function boot({ backend = 'auto', threads, measureMemory = false } = {}, onProgress) {
  const started = performance.now();
  const timings = {};
  const since = (t0) => Math.round(performance.now() - t0);
  try {
    const manifest = await (await fetch(new URL('build.json', ROOT), { cache: 'no-cache' })).json();
    const chosen = backend === 'auto' ? ((await hasRealGpu()) ? 'webgpu' : 'wasm') : backend;
    const stopTracking = trackDownloads(expectedBytes(manifest, chosen), onProgress);

    const heapBytes = {}; // name -> () => bytes of that WASM memory
    const python = (async () => {
      const t0 = performance.now();
      const { loadPyodide } = await import(`${PYODIDE_URL}pyodide.mjs`);
      const pyodide = await loadPyodide({ indexURL: PYODIDE_URL, packages: ['numpy', 'pillow'] });
      timings.pyodide = since(t0);
      const archive = await (await fetch(PACKAGE_URL)).arrayBuffer();
      pyodide.unpackArchive(archive, 'zip', { extractDir: SITE_PACKAGES });
      const bridge = pyodide.pyimport('peel.bridge');
      timings.python = since(t0);
      heapBytes.python = () => pyodide._module.HEAP8.buffer.byteLength; // WASM memory only grows
      return bridge;
    })();
    const session = (async () => {
      const t0 = performance.now();
      const model = await (await fetch(MODEL_URL)).arrayBuffer();
      const inference = await createInference({ backend: chosen, threads: threads ?? defaultThreads(), model, measureMemory });
      timings.session = since(t0);
      return inference;
    })();
    const [bridge, inference] = await Promise.all([python, session]);
    heapBytes.onnxruntime = inference.memoryBytes;
    stopTracking();
    timings.total = since(started);
    onProgress({ message: 'Ready', loaded: 1, total: 1 });
    return {
      bridge,
      inference,
      manifest,
      memory: measureMemory
        ? () => Object.fromEntries(Object.entries(heapBytes).map(([name, bytes]) => [name, bytes()]))
        : () => undefined,
      info: {
        backend: inference.label,
        backendId: inference.backend,
        threads: inference.threads,
        version: manifest.version,
        timings,
      },
    };
  } catch (error) {
    if (!navigator.onLine || isNetworkFailure(error)) {
      throw new PeelError({
        code: ErrorCode.OFFLINE,
        message:
          "You are offline, and Peel's image engine has not been downloaded to this device yet. " +
          'Connect to the internet once and reload: after that, Peel also works offline.',
      });
    }
    throw new PeelError({
      code: ErrorCode.RUNTIME_FAILED,
      message: `Peel could not start its image engine: ${error?.message ?? error}. Reload the page to try again.`,
    });
  }
}

/** fetch() and dynamic import() reject with a TypeError when the network is unreachable. */
function isNetworkFailure(error) {
  return error instanceof TypeError && /fetch|network|import/i.test(error.message);
}

/** Bytes the runtime will fetch() for this backend (modules are imported, not counted). */
function expectedBytes({ files, runtime }, backend) {
  const fetched = [...runtime.common, ...runtime[backend], 'py/peel.zip'].filter((name) => !/\.m?js$/.test(name));
  return fetched.reduce((sum, name) => sum + files[name], 0);
}

/**
 * Report download progress in bytes. Pyodide and onnxruntime fetch their files themselves,
 * so the worker's fetch is wrapped during boot to count the bytes of every response body.
 * @returns {() => void}  restores the plain fetch
 */
function trackDownloads(total, onProgress) {
  const plainFetch = self.fetch;
  let loaded = 0;
  let reportedPercent = -1;
  const report = () => {
    const percent = Math.floor((100 * Math.min(loaded, total)) / total);
    if (percent === reportedPercent) return; // a message per percent, not per chunk
    reportedPercent = percent;
    onProgress({ message: 'Downloading the image engine', loaded: Math.min(loaded, total), total });
  };
  self.fetch = async (input, init) => {
    const response = await plainFetch(input, init);
    if (!response.body) return response;
    const counter = new TransformStream({
      transform(chunk, controller) {
        loaded += chunk.byteLength;
        report();
        controller.enqueue(chunk);
      },
    });
    const { status, statusText, headers } = response;
    return new Response(response.body.pipeThrough(counter), { status, statusText, headers });
  };
  report();
  return () => {
    self.fetch = plainFetch;
  };
}
