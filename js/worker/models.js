// The worker's on-demand models (py/peel/models/): fetched when first needed, with progress,
// then held as one more onnxruntime session. The service worker caches the file with the
// runtime, so a model downloaded once also loads offline. A person's own model file comes from
// the page instead (addModelFile), read from the browser's storage, never fetched.

import { MODELS } from '../shared/contract.js';
import { fetchCounted, isOfflineFailure } from '../shared/download.js';
import { DEFAULT_MODEL, ErrorCode, PeelError } from '../shared/protocol.js';
import { DEFAULT_DEADLINES_MS, Stage, deadline } from './deadline.js';

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

/**
 * A person's own model file (py/peel/models/browser_files.py): refused from its size before it
 * is read, then read (with progress), recognised and registered by Python, and made one more
 * session. Never WebGPU: only declared models have had their WebGPU output checked against
 * WASM's (MODELS' `webgpu_checked`).
 * @param {import('./runtime.js').Runtime} runtime
 * @param {{file: Blob, fileName: string, family?: string, name?: string, key: string}} payload
 * @param {(progress: import('../shared/protocol.js').Progress) => void} onProgress
 * @returns {Promise<import('../shared/protocol.js').ModelFileInfo>}
 */
export async function addModelFile({ bridge, inference, deadlines = DEFAULT_DEADLINES_MS }, { file, fileName, family, name, key },
  onProgress = () => {}) {
  const refused = bridge.check_model_size(file.size, fileName);
  if (refused.error) throw new PeelError(refused.error);
  const total = file.size;
  const ms = deadlines[Stage.MODEL_FILE] ?? DEFAULT_DEADLINES_MS[Stage.MODEL_FILE];
  const stuck = `${fileName} could not be loaded: nothing happened for ${Math.round(ms / 1000)} s. Reload the page to try again.`;
  const bytes = await deadline(readCounted(file, (loaded) =>
    onProgress({ model: key, message: `Reading ${fileName}`, loaded, total })), ms, Stage.MODEL_FILE, stuck);
  onProgress({ model: key, message: `Recognising ${fileName}`, loaded: total, total });
  const info = bridge.add_model(bytes, fileName, family ?? null, name ?? null);
  if (info.error) throw new PeelError(info.error);
  onProgress({ model: key, message: `Starting ${info.name} (${info.familyLabel})`, loaded: total, total });
  try {
    // Made anew: a file kept under this name may have been replaced by another.
    await deadline(inference.load(info.name, bytes, { cpuOnly: true, replace: true }), ms, Stage.MODEL_FILE, stuck);
  } catch (error) {
    if (error instanceof PeelError) throw error;
    throw new PeelError({
      code: ErrorCode.MODEL_SESSION_FAILED,
      message: `${fileName}: onnxruntime could not load this model: ${plainReason(error)}`,
    });
  }
  return { ...info, backend: inference.labelOf(info.name) };
}

/** A Blob's bytes, counted as they are read (a model file is tens to hundreds of MB). */
async function readCounted(blob, onLoaded) {
  const bytes = new Uint8Array(blob.size);
  let loaded = 0;
  let reported = -1;
  const reader = blob.stream().getReader(); // not `for await`: WebKit's streams are not async-iterable
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    const chunk = read.value;
    bytes.set(chunk, loaded);
    loaded += chunk.byteLength;
    const percent = Math.floor((100 * loaded) / Math.max(1, blob.size));
    if (percent !== reported) onLoaded(loaded); // one per percent
    reported = percent;
  }
  return bytes;
}

/** onnxruntime's error without its machinery ("[ErrorCode:…] …" / "Can't create a session. …"). */
function plainReason(error) {
  const text = String(error?.message ?? error);
  return text.replace(/^Can't create a session\.?\s*/i, '').replace(/^ERROR_CODE: \d+, ERROR_MESSAGE:\s*/, '')
    .replace(/^\[[^\]]*\]\s*/, '') || text;
}
