// The worker's runtime: boots Pyodide and onnxruntime, then answers the page's requests.
// It takes `post` as an argument instead of using self.postMessage, so that a test or another
// host can drive it (see worker.js for the real wiring).

import { DEFAULT_DEADLINES_MS, STAGE_LABELS, Stage, deadline, noteActivity, onStagesChange, waitingFor } from './deadline.js';
import { createInference, defaultThreads, hasRealGpu } from './inference.js';
import { removeBackground, renderAgain } from './jobs.js';
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
async function boot({ backend = 'auto', threads, deadlines = {}, measureMemory = false } = {}, onProgress) {
  const started = performance.now();
  const timings = {};
  const since = (t0) => Math.round(performance.now() - t0);
  const limit = { ...DEFAULT_DEADLINES_MS, ...deadlines };
  const stage = (name, promise) => deadline(promise, limit[name], name);
  try {
    const manifest = await (await fetch(new URL('build.json', ROOT), { cache: 'no-cache' })).json();
    const chosen = backend === 'auto' ? ((await hasRealGpu()) ? 'webgpu' : 'wasm') : backend;
    const stopTracking = trackDownloads(expectedBytes(manifest, chosen), onProgress);

    const heapBytes = {}; // name -> () => bytes of that WASM memory
    const python = (async () => {
      const t0 = performance.now();
      const pyodide = await stage(Stage.PYODIDE, (async () => {
        const { loadPyodide } = await import(`${PYODIDE_URL}pyodide.mjs`);
        return loadPyodide({ indexURL: PYODIDE_URL });
      })());
      await stage(Stage.PACKAGES, pyodide.loadPackage(['numpy', 'pillow'], { messageCallback: () => {} }));
      timings.pyodide = since(t0);
      const bridge = await stage(Stage.PEEL, (async () => {
        const archive = await (await fetch(PACKAGE_URL)).arrayBuffer();
        pyodide.unpackArchive(archive, 'zip', { extractDir: SITE_PACKAGES });
        return pyodide.pyimport('peel.bridge');
      })());
      timings.python = since(t0);
      heapBytes.python = () => pyodide._module.HEAP8.buffer.byteLength; // WASM memory only grows
      return bridge;
    })();
    const session = (async () => {
      const t0 = performance.now();
      const model = await stage(Stage.MODEL, fetch(MODEL_URL).then((response) => response.arrayBuffer()));
      const options = { backend: chosen, threads: threads ?? defaultThreads(), model, measureMemory };
      const inference = await stage(Stage.SESSION, createInference(options)).catch((error) => {
        // A threaded session that never comes up gets one more chance with one thread.
        if (error.code !== ErrorCode.STARTUP_TIMEOUT || chosen !== 'wasm' || options.threads === 1) throw error;
        console.warn(`${error.message} Trying again with one thread.`);
        const retry = createInference({ ...options, threads: 1, instance: 1 });
        return deadline(retry, DEFAULT_DEADLINES_MS[Stage.SESSION], Stage.SESSION);
      });
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
        poolWorkers: inference.workers.length,
        version: manifest.version,
        timings,
      },
    };
  } catch (error) {
    if (error instanceof PeelError) throw error; // a stage's deadline: it names the stage
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
  let reported = '';
  const report = () => {
    const percent = Math.floor((100 * Math.min(loaded, total)) / total);
    const stages = waitingFor();
    if (`${percent} ${stages}` === reported) return; // a message per percent or stage, not per chunk
    reported = `${percent} ${stages}`;
    const message = stages.length ? `Loading ${stages.map((id) => STAGE_LABELS[id]).join(', ')}` : 'Downloading the image engine';
    onProgress({ message, loaded: Math.min(loaded, total), total, waitingFor: stages });
  };
  self.fetch = async (input, init) => {
    const response = await plainFetch(input, init);
    if (!response.body) return response;
    const counter = new TransformStream({
      transform(chunk, controller) {
        loaded += chunk.byteLength;
        noteActivity();
        report();
        controller.enqueue(chunk);
      },
    });
    const { status, statusText, headers } = response;
    return new Response(response.body.pipeThrough(counter), { status, statusText, headers });
  };
  onStagesChange(report);
  report();
  return () => {
    self.fetch = plainFetch;
    onStagesChange(() => {});
  };
}
