// The worker's start: onnxruntime's session first, then Pyodide with numpy, Pillow and peel,
// the downloads counted for the page's progress bar (runtime.js calls `boot` on INIT).

import { DEFAULT_DEADLINES_MS, Stage, deadline, noteActivity } from './deadline.js';
import { createInference, defaultThreads, hasRealGpu } from './inference.js';
import { fetchPackages, install } from './packages.js';
import { countedBody, isOfflineFailure } from '../shared/download.js';
import { ErrorCode, PeelError } from '../shared/protocol.js';
import { DEFAULT_MODEL, MODELS } from '../shared/contract.js';

const ROOT = new URL('../../', import.meta.url);
const PYODIDE_URL = new URL('vendor/pyodide/', ROOT).href;
const MODEL_URL = new URL(MODELS[DEFAULT_MODEL].served, ROOT).href;
const PACKAGE_URL = new URL('py/peel.zip', ROOT).href;
/** numpy and Pillow: their py-compiled wheels' files in one archive (buildtools/sitepackages.py). */
const PACKAGES_PATH = 'vendor/pyodide/site-packages.tar.gz';
const PACKAGES_URL = new URL(PACKAGES_PATH, ROOT).href;
/** Where Python finds numpy, Pillow and peel (tests/js/bridge.test.js installs them the same way). */
export const SITE_PACKAGES = '/lib/python3.12/site-packages';

/**
 * Make the onnxruntime session, then boot Pyodide (+ numpy, Pillow, peel). The model, peel.zip
 * and the manifest are fetched at once; nothing waits for the manifest or the GPU check that it
 * does not need.
 * `info.timings`: ms since the worker started at which each stage ended (`*At`), and how long
 * the stages on the critical path took (bench/browser.py prints them).
 * @param {import('../shared/protocol.js').InitOptions} options
 * @returns {Promise<import('./runtime.js').Runtime>}
 */
export async function boot({ backend = 'auto', threads, deadlines = {}, measureMemory = false } = {}, onProgress) {
  const timings = {};
  const limit = { ...DEFAULT_DEADLINES_MS, ...deadlines };
  const stage = (name, promise) => deadline(promise, limit[name], name); // js/worker/deadline.js
  const at = (name) => (value) => ((timings[`${name}At`] = Math.round(performance.now())), value);
  const waitingFor = new Set(['Python', 'onnxruntime']);
  const downloads = trackDownloads(onProgress, waitingFor);
  try {
    const chosen = (backend === 'auto' ? hasRealGpu().then((gpu) => (gpu ? 'webgpu' : 'wasm')) : Promise.resolve(backend))
      .then(at('backendChosen'));
    const heapBytes = {}; // name -> () => bytes of that WASM memory
    // onnxruntime first: the model, then the session with its thread pool.
    const model = stage(Stage.MODEL, fetch(MODEL_URL).then((response) => response.arrayBuffer())).then(at('model'));
    const session = chosen
      .then((b) => {
        const options = { backend: b, threads: threads ?? defaultThreads(), model, measureMemory, onStage: at };
        return stage(Stage.SESSION, createInference(options)).catch((error) => {
          // A threaded session that never comes up gets one more chance with one thread.
          if (error.code !== ErrorCode.STARTUP_TIMEOUT || b !== 'wasm' || options.threads === 1) throw error;
          console.warn(`${error.message} Trying again with one thread.`);
          const retry = createInference({ ...options, threads: 1, instance: 1 });
          return deadline(retry, DEFAULT_DEADLINES_MS[Stage.SESSION], Stage.SESSION);
        });
      })
      .then(at('session'))
      .finally(() => downloads.done('onnxruntime'));
    const manifest = fetch(new URL('build.json', ROOT), { cache: 'no-cache' }).then((response) => response.json());
    const settled = (promise) => promise.then(() => {}, () => {});
    // The session first, Python after it: side by side they took turns on this thread and
    // fought over two cores, and Chromium then often compiled onnxruntime's WebAssembly again
    // instead of taking it from its code cache. On a first visit, Python's files then usually
    // come through the service worker, which has taken over meanwhile, so that a restart finds
    // them compiled too (bench/README.md, "Start-up, third round").
    const core = settled(session).then(() => stage(Stage.PYODIDE, (async () => {
      const { loadPyodide } = await import(`${PYODIDE_URL}pyodide.mjs`);
      return loadPyodide({ indexURL: PYODIDE_URL });
    })())).then(at('pyodide'));
    // numpy and Pillow are fetched and inflated on another thread while the session is made and
    // Pyodide boots (packages.js), once the model is in: the session needs it first, and the two
    // downloads slow each other. A failure surfaces when Python gets to them.
    const packages = Promise.all([manifest, settled(model)])
      .then(([built]) => fetchPackages(PACKAGES_URL, integrityOf(built, PACKAGES_PATH), downloads.arrived));
    packages.then(at('archives'), () => {});
    const peel = fetch(PACKAGE_URL).then((response) => response.arrayBuffer());
    const python = (async () => {
      const pyodide = await core;
      await stage(Stage.PACKAGES, packages.then((files) => install(pyodide, files, SITE_PACKAGES))).then(at('packages'));
      pyodide.unpackArchive(await stage(Stage.PEEL, peel), 'zip', { extractDir: SITE_PACKAGES });
      const bridge = at('python')(pyodide.pyimport('peel.bridge'));
      heapBytes.python = () => pyodide._module.HEAP8.buffer.byteLength; // WASM memory only grows
      return bridge;
    })().finally(() => downloads.done('Python'));
    Promise.all([manifest, chosen]).then(([m, b]) => downloads.expect(expectedBytes(m, b)), () => {});
    const [bridge, inference, built] = await Promise.all([python, session, manifest]);
    heapBytes.onnxruntime = inference.memoryBytes;
    downloads.stop();
    timings.total = Math.round(performance.now());
    timings.python = timings.pythonAt; // the worker starts both at once: each stage's length is its end
    timings.session = timings.sessionAt;
    onProgress({ message: 'Ready', loaded: 1, total: 1 });
    return {
      bridge,
      inference,
      manifest: built,
      deadlines: limit, // the stages after start-up too (a model file, a model's run)
      memory: measureMemory
        ? () => Object.fromEntries(Object.entries(heapBytes).map(([name, bytes]) => [name, bytes()]))
        : () => undefined,
      info: {
        backend: inference.label,
        backendId: inference.backend,
        threads: inference.threads,
        poolWorkers: inference.workers.length,
        version: built.version,
        timings,
      },
    };
  } catch (error) {
    downloads.stop();
    if (error instanceof PeelError) throw error; // a stage's deadline: it names the stage
    if (isOfflineFailure(error)) {
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

/**
 * Subresource Integrity of a file of the py-compiled Python runtime (build.json `python`).
 * @returns {string}
 */
function integrityOf({ python }, path) {
  const sha256 = python?.[path]?.served_sha256;
  if (!sha256) throw new Error(`build.json has no hash for ${path}`);
  return `sha256-${btoa(String.fromCharCode(...sha256.match(/../g).map((pair) => parseInt(pair, 16))))}`;
}

/** Bytes the runtime will fetch() for this backend (modules are imported, not counted). */
function expectedBytes({ files, runtime }, backend) {
  const fetched = [...runtime.common, ...runtime[backend], 'py/peel.zip'].filter((name) => !/\.m?js$/.test(name));
  return fetched.reduce((sum, name) => sum + files[name], 0);
}

/**
 * Report download progress in bytes, and what start-up still waits for. Pyodide and onnxruntime
 * fetch their files themselves, so the worker's fetch is wrapped during boot to count the bytes
 * of every response body; the total is known once the manifest is (`expect`).
 * @param {(progress: import('../shared/protocol.js').Progress) => void} onProgress
 * @param {Set<string>} waitingFor  the parts not ready yet (`done` removes one)
 */
function trackDownloads(onProgress, waitingFor) {
  const plainFetch = self.fetch;
  let loaded = 0;
  let total = 0;
  let reported = '';
  const report = () => {
    const downloading = total && loaded < total;
    const message = `${downloading ? 'Downloading' : 'Starting'} ${[...waitingFor].join(' and ')}`;
    const percent = total ? Math.floor((100 * Math.min(loaded, total)) / total) : 0;
    const key = `${message} ${percent}`;
    if (key === reported) return; // a message per percent, not per chunk
    reported = key;
    onProgress({ message, loaded: Math.min(loaded, total), total, waitingFor: [...waitingFor] });
  };
  /** Bytes arrived (here or in another worker): no start-up stage is stuck. */
  const arrived = (bytes) => {
    loaded += bytes;
    noteActivity();
    report();
  };
  self.fetch = async (input, init) => {
    const response = await plainFetch(input, init);
    if (!response.body) return response;
    if (response.url.endsWith('.wasm')) {
      // Handed on untouched: compiled WebAssembly is cached (V8 code cache) only for a real
      // response with a URL, not for a rewrapped stream. Counted whole, on arrival.
      arrived(Number(response.headers.get('Content-Length')) || 0);
      return response;
    }
    const { status, statusText, headers } = response;
    return new Response(countedBody(response, arrived), { status, statusText, headers });
  };
  report();
  return {
    /** Bytes fetched elsewhere (another worker) arrived. */
    arrived,
    expect: (bytes) => ((total = bytes), report()),
    done: (part) => (waitingFor.delete(part), waitingFor.size && report()),
    stop: () => (self.fetch = plainFetch),
  };
}
