// The worker's on-demand models (py/peel/models/): fetched when first needed, with progress,
// then held as one more onnxruntime session. The service worker caches the file with the
// runtime, so a model downloaded once also loads offline.

import { fetchCounted, isOfflineFailure } from '../shared/download.js';
import { DEFAULT_MODEL, ErrorCode, PeelError } from '../shared/protocol.js';

const ROOT = new URL('../../', import.meta.url);
/**
 * On-demand models whose WebGPU output was checked against WASM. MODNet is not: on SwiftShader
 * its WebGPU output differed from WASM's by up to 0.94 (mean 0.012) on a 128-px portrait, so it
 * runs on the CPU provider even where u2netp runs on WebGPU, until a real GPU says otherwise.
 */
const WEBGPU_CHECKED = new Set();
/** @type {WeakMap<object, Map<string, Promise<void>>>} inference -> model name -> its load
 *  (shared by concurrent callers) */
const loads = new WeakMap();

/**
 * Make sure `name` has a session, downloading its file if needed.
 * @param {import('./runtime.js').Runtime} runtime
 * @param {string} name  a model of build.json's `models` (or the default, always loaded)
 * @param {(progress: {model: string, message: string, loaded: number, total: number}) => void} onProgress
 */
export function ensureModel({ inference, manifest }, name, onProgress = () => {}) {
  if (name === DEFAULT_MODEL || inference.has(name)) return Promise.resolve();
  if (!loads.has(inference)) loads.set(inference, new Map());
  const loading = loads.get(inference);
  if (!loading.has(name)) {
    const load = download(manifest, name, onProgress).then((bytes) =>
      inference.load(name, bytes, { cpuOnly: !WEBGPU_CHECKED.has(name) }));
    loading.set(name, load);
    load.catch(() => loading.delete(name)); // a failed download may be tried again
  }
  return loading.get(name);
}

async function download({ files, models = {} }, name, onProgress) {
  const [path] = models[name] ?? [];
  if (!path) throw new PeelError({ code: ErrorCode.INTERNAL, message: `This build has no model called ${name}.` });
  const total = files[path];
  const message = `Downloading the ${name} model`;
  try {
    let loaded = 0;
    let reported = -1;
    onProgress({ model: name, message, loaded, total });
    const bytes = await fetchCounted(new URL(path, ROOT), (count) => {
      loaded += count;
      if (loaded > total) throw new Error('the file is larger than the build says');
      const percent = Math.floor((100 * loaded) / total);
      if (percent !== reported) onProgress({ model: name, message, loaded, total }); // one per percent
      reported = percent;
    });
    if (loaded !== total) throw new Error(`got ${loaded} of ${total} bytes`);
    return bytes;
  } catch (error) {
    throw new PeelError({
      code: ErrorCode.MODEL_DOWNLOAD_FAILED,
      message: isOfflineFailure(error)
        ? `The ${name} model has not been downloaded to this device yet, and you are offline. Connect once to download it; after that it also works offline.`
        : `The ${name} model could not be downloaded (${error.message}). Try again.`,
    });
  }
}
