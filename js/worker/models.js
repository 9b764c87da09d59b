// The worker's on-demand models (py/peel/models/): fetched when first needed, with progress,
// then held as one more onnxruntime session. The service worker caches the file with the
// runtime, so a model downloaded once also loads offline.

import { MODELS } from '../shared/contract.js';
import { fetchCounted, isOfflineFailure } from '../shared/download.js';
import { DEFAULT_MODEL, ErrorCode, PeelError } from '../shared/protocol.js';

const ROOT = new URL('../../', import.meta.url);
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
      // A model whose WebGPU output was not checked against WASM's runs on the CPU provider
      // (its declaration in py/peel/models/ says why).
      inference.load(name, bytes, { cpuOnly: !MODELS[name]?.webgpu_checked }));
    loading.set(name, load);
    load.catch(() => loading.delete(name)); // a failed download may be tried again
  }
  return loading.get(name);
}

async function download({ files, models = {} }, name, onProgress) {
  const [path] = models[name] ?? [];
  if (!path) throw new PeelError({ code: ErrorCode.INTERNAL, message: `This build has no model called ${name}.` });
  const total = files[path];
  const called = MODELS[name]?.called ?? name;
  const message = `Downloading ${called}`;
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
        ? `${capitalised(called)} has not been downloaded to this device yet, and you are offline. Connect once to download it; after that it also works offline.`
        : `${capitalised(called)} could not be downloaded (${error.message}). Try again.`,
    });
  }
}

const capitalised = (text) => text.charAt(0).toUpperCase() + text.slice(1);
