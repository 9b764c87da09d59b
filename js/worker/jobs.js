// The worker's jobs, one per request and named after it (protocol.js): `remove` cuts out a new
// image (model + Python), `render` makes a finished one's output again with other settings and
// strokes (Python only: the page keeps the model's mask), `hints` writes the strokes as a PNG.

import { canvasOf, decodeImage, decodePixels, encodePreview, releaseCanvas } from './decode.js';
import { ensureModel } from './models.js';
import { DEFAULT_MODEL, ErrorCode, PeelError } from '../shared/protocol.js';

/** A stopwatch whose laps become the result's `timings` (ms per stage). */
function stopwatch() {
  const timings = {};
  const started = performance.now();
  let last = started;
  return {
    timings,
    lap(name) {
      const now = performance.now();
      timings[name] = Math.round(now - last);
      last = now;
    },
    restart: () => (last = performance.now()),
    total: () => (timings.total = Math.round(performance.now() - started)),
  };
}

/**
 * @param {import('./runtime.js').Runtime} runtime
 * @param {{blob: Blob, settings: object, background?: Blob, edits?: import('../shared/protocol.js').Edits}} payload
 * @param {() => void} checkpoint  throws AbortError when the job was cancelled
 * @param {(preview: {preview: Blob, width: number, height: number}) => void} onPreview
 *   gets the result's preview before its file is encoded
 * @param {(progress: import('../shared/protocol.js').Progress) => void} [onModelProgress]  while settings.model's
 *   file downloads (only if the page did not load it first, e.g. after a worker restart)
 * @returns {Promise<{result: import('../shared/protocol.js').RemoveResult, transfer: Transferable[]}>}
 */
export async function remove(runtime, { blob, settings, background, edits }, checkpoint, onPreview, onModelProgress) {
  const { bridge, inference, memory } = runtime;
  const clock = stopwatch();
  const model = settings.model ?? DEFAULT_MODEL;
  await ensureModel(runtime, model, onModelProgress); // the page asks first; this covers a restart
  checkpoint();
  // The header first: a bad file, or a 50 000 × 50 000 "bomb", is refused before any decoding.
  const header = bridge.inspect(new Uint8Array(await blob.arrayBuffer()));
  if (header.error) throw new PeelError(header.error);
  clock.lap('inspect');
  const imageData = await decodePixels(blob);
  const backdrop = await decodeBackdrop(settings, background);
  clock.lap('decode');
  checkpoint();
  let inferenceMs = 0;
  const infer = async (tensor, dims) => {
    checkpoint();
    const t = performance.now();
    try {
      return await inference.run(tensor, dims, model);
    } catch (error) {
      throw new PeelError({ code: ErrorCode.INFERENCE_FAILED, message: `The model failed to run: ${error?.message ?? error}` });
    } finally {
      inferenceMs = performance.now() - t;
    }
  };
  const imageId = newImageId();
  const outcome = await bridge.remove(imageId, imageData.data, imageData.width, imageData.height, infer, settings,
    backdrop?.data, backdrop?.width, backdrop?.height, edits);
  if (outcome.error) throw new PeelError(outcome.error);
  Object.assign(clock.timings, outcome.timings, { inference: Math.round(inferenceMs) });
  clock.restart();
  const encoded = await encodeOutput(bridge, outcome.output, settings, clock, onPreview);
  clock.total();
  const result = {
    ...encoded,
    mask: outcome.mask,
    maskShape: outcome.maskShape,
    model,
    imageId,
    notes: header.notes,
    backend: inference.labelOf(model),
    timings: clock.timings,
    memory: memory(),
  };
  return { result, transfer: [outcome.mask.buffer] };
}

/**
 * @param {import('./runtime.js').Runtime} runtime
 * @param {{blob: Blob, mask: Float32Array, maskShape?: number[], imageId?: string, settings: object,
 *          background?: Blob, edits?: import('../shared/protocol.js').Edits}} payload
 *   imageId: from the image's last result; when Python still keeps that image, the file is not
 *   decoded again (see py/peel/bridge.py). edits: the strokes in effect (a change redoes the
 *   refinement)
 * @param {() => void} checkpoint
 * @param {(preview: {preview: Blob, width: number, height: number}) => void} onPreview  as for remove
 * @returns {Promise<{result: import('../shared/protocol.js').RemoveResult}>}
 */
export async function render({ bridge, memory }, { blob, mask, maskShape = [320, 320], imageId, settings, background, edits },
  checkpoint, onPreview) {
  const clock = stopwatch();
  checkpoint();
  const kept = Boolean(imageId) && bridge.is_kept(imageId);
  if (!kept) {
    imageId ??= newImageId();
    const imageData = await decodePixels(blob);
    bridge.keep(imageId, imageData.data, imageData.width, imageData.height, mask, ...maskShape);
  }
  const backdrop = await decodeBackdrop(settings, background);
  if (!kept || backdrop) clock.lap('decode'); // no 'decode' in the timings: nothing was decoded
  checkpoint();
  const outcome = bridge.render(imageId, settings, backdrop?.data, backdrop?.width, backdrop?.height, edits);
  if (outcome.error) throw new PeelError(outcome.error);
  Object.assign(clock.timings, outcome.timings);
  clock.restart();
  const encoded = await encodeOutput(bridge, outcome.output, settings, clock, onPreview);
  clock.total();
  return { result: { ...encoded, imageId, timings: clock.timings, memory: memory() } };
}

/**
 * The hints PNG of an image's strokes, for `peel --hints` (made by the same Python that applies
 * them, so the command reads back exactly what the page used).
 * @param {import('./runtime.js').Runtime} runtime
 * @param {{width: number, height: number, edits: import('../shared/protocol.js').Edits}} payload
 * @returns {Promise<{result: {blob: Blob}}>}
 */
export async function hints({ bridge }, { width, height, edits }) {
  const outcome = bridge.hints_png(width, height, edits);
  if (outcome.error) throw new PeelError(outcome.error);
  return { result: { blob: new Blob([outcome.png], { type: 'image/png' }) } };
}

/** A name for an image the worker keeps; random, so that a restarted worker never mistakes one. */
function newImageId() {
  return Array.from(crypto.getRandomValues(new Uint32Array(4)), (n) => n.toString(36)).join('-');
}

/** The background image's pixels, when the settings put the subject on one. */
async function decodeBackdrop(settings, background) {
  return settings.background === 'image' && background ? decodePixels(background) : null;
}

const MIME = { png: 'image/png', webp: 'image/webp', jpeg: 'image/jpeg' };

/**
 * WebKit's canvas PNG encoder is slow: Pillow at zlib level 1 in Pyodide takes less than half its
 * time, where Chromium's and Firefox's canvases are far faster than Pillow (bench/README.md,
 * "Figures behind choices in the code"). No feature tells an encoder's speed, so the engine is
 * recognised by name.
 */
const USER_AGENT = globalThis.navigator?.userAgent ?? '';  // Node (the JS unit tests) has no navigator
const SLOW_CANVAS_PNG = /AppleWebKit/.test(USER_AGENT) && !/Chrome|Chromium|Edg\//.test(USER_AGENT);

/**
 * Python's output ({width, height, pixels} RGBA, or {png} for a mask) as a file and a preview.
 * The preview goes to `onPreview` first, so that the page shows the new look while the file is
 * encoded.
 */
async function encodeOutput(bridge, output, { format = 'png', quality = 0.9 }, clock, onPreview) {
  if (output.png) {
    const blob = new Blob([output.png], { type: 'image/png' });
    clock.lap('encode');
    const { canvas } = await decodeImage(blob);
    const { width, height } = canvas;
    const preview = await encodePreview(canvas);
    releaseCanvas(canvas);
    clock.lap('preview');
    return { blob, preview, width, height };
  }
  const { width, height, pixels } = output;
  const canvas = canvasOf(new ImageData(pixels, width, height));
  const preview = await encodePreview(canvas);
  onPreview({ preview, width, height });
  clock.lap('preview');
  const blob = format === 'png' && SLOW_CANVAS_PNG
    ? new Blob([bridge.encode_png(pixels, width, height)], { type: 'image/png' })
    : await canvas.convertToBlob({ type: MIME[format], quality });
  releaseCanvas(canvas); // its 48 MB at 12 MP now, not at the worker's next garbage collection
  clock.lap('encode');
  return { blob, preview, width, height };
}
