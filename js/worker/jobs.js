// The worker's jobs, one per request and named after it (protocol.js): `remove` cuts out a new
// image (model + Python), `render` makes a finished one's output again with other settings and
// strokes (Python only: the page keeps the model's mask), `render-region` makes it again after
// strokes only, patching the kept output where they changed it, `hints` writes the strokes as a PNG.

import { canvasOf, decodeImage, decodePixels, encodePreview, encodePreviewCanvas, previewCanvas, releaseCanvas } from './decode.js';
import { DEFAULT_DEADLINES_MS, Stage, deadline } from './deadline.js';
import { KeptOutput } from './kept-output.js';
import { ensureModel } from './models.js';
import { MODELS } from '../shared/contract.js';
import { DEFAULT_MODEL, ErrorCode, PeelError } from '../shared/protocol.js';

/** The output of the image rendered last (one image: see kept-output.js), for `renderRegion`. */
const kept = new KeptOutput();

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
 * @param {(preview: {preview: Blob, width: number, height: number, layout: import('../shared/protocol.js').Layout|null}) => void} onPreview
 *   gets the result's preview (and its layout) before its file is encoded
 * @param {(progress: import('../shared/protocol.js').Progress) => void} [onModelProgress]  while settings.model's
 *   file downloads (only if the page did not load it first, e.g. after a worker restart), and
 *   when a person's model file runs (stage `inference`, with its deadline)
 * @returns {Promise<{result: import('../shared/protocol.js').RemoveResult, transfer: Transferable[]}>}
 */
export async function remove(runtime, { blob, settings, background, edits }, checkpoint, onPreview, onModelProgress) {
  const { bridge, inference, memory } = runtime;
  const clock = stopwatch();
  kept.drop(); // Python lets go of the kept image too; the model's run needs the memory
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
  const ms = runtime.deadlines?.[Stage.INFERENCE] ?? DEFAULT_DEADLINES_MS[Stage.INFERENCE];
  const infer = async (tensor, dims) => {
    checkpoint();
    // A person's model file may take minutes: the page is told the stage and its deadline.
    if (!MODELS[model]) onModelProgress?.({ model, message: `Running ${model}`, stage: Stage.INFERENCE, deadlineMs: ms, loaded: 0, total: 0 });
    const t = performance.now();
    try {
      return await deadline(inference.run(tensor, dims, model), ms, Stage.INFERENCE,
        `The model ${model} did not finish within ${Math.round(ms / 1000)} s. Try a smaller model, or reload the page.`);
    } catch (error) {
      if (error instanceof PeelError) throw error;
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
  const layout = outcome.layout ?? null;
  const encoded = await encodeOutput(bridge, outcome.output, settings, clock, (preview) => onPreview({ ...preview, layout }),
    { imageId, look: lookOf(settings, background) });
  clock.total();
  const result = {
    ...encoded,
    layout,
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
  kept.drop(); // what Python renders now replaces it
  const isKept = Boolean(imageId) && bridge.is_kept(imageId);
  if (!isKept) {
    imageId ??= newImageId();
    const imageData = await decodePixels(blob);
    bridge.keep(imageId, imageData.data, imageData.width, imageData.height, mask, ...maskShape);
  }
  const backdrop = await decodeBackdrop(settings, background);
  if (!isKept || backdrop) clock.lap('decode'); // no 'decode' in the timings: nothing was decoded
  checkpoint();
  const outcome = bridge.render(imageId, settings, backdrop?.data, backdrop?.width, backdrop?.height, edits);
  if (outcome.error) throw new PeelError(outcome.error);
  Object.assign(clock.timings, outcome.timings);
  clock.restart();
  const layout = outcome.layout ?? null;
  const encoded = await encodeOutput(bridge, outcome.output, settings, clock, (preview) => onPreview({ ...preview, layout }),
    { imageId, look: lookOf(settings, background) });
  clock.total();
  return { result: { ...encoded, layout, imageId, timings: clock.timings, memory: memory() } };
}

/**
 * `render` after the strokes changed and nothing else: Python redoes the region the new strokes
 * reach (bridge.render_region), and the kept output and its preview are patched there; the
 * preview goes to the page, then the whole file is encoded from the patched output. Falls back
 * to `render` when the worker does not keep this image's output with this look (another image
 * was rendered since, the worker restarted, a mask or product output), so the page may always ask.
 * @param {import('./runtime.js').Runtime} runtime
 * @param {object} payload  as for render
 * @param {() => void} checkpoint
 * @param {(preview: {preview: Blob, width: number, height: number}) => void} onPreview  as for remove
 * @returns {Promise<{result: import('../shared/protocol.js').RemoveResult}>}  with `box`, the part
 *   of the output that changed ({x, y, width, height}; width 0: nothing did)
 */
export async function renderRegion(runtime, payload, checkpoint, onPreview) {
  const { bridge, memory } = runtime;
  const { imageId, settings, background, edits } = payload;
  if (settings.product || !imageId || !bridge.is_kept(imageId) || !kept.holds(imageId, lookOf(settings, background))) {
    return render(runtime, payload, checkpoint, onPreview);
  }
  const clock = stopwatch();
  checkpoint();
  try {
    const backdrop = await decodeBackdrop(settings, background);
    if (backdrop) clock.lap('decode');
    const outcome = bridge.render_region(imageId, settings, backdrop?.data, backdrop?.width, backdrop?.height, edits, false);
    if (outcome.error) throw new PeelError(outcome.error);
    Object.assign(clock.timings, outcome.timings);
    clock.restart();
    const output = kept.kept;
    const { width, height } = output.canvas;
    const layout = outcome.layout ?? null; // null: a region is patched in the photo's own pixels only
    if (kept.patch(outcome.box, outcome.patch)) {
      clock.lap('patch');
      output.previewBlob = await encodePreviewCanvas(output.preview, true);
      onPreview({ preview: output.previewBlob, width, height, layout });
      clock.lap('preview');
      output.blob = await encodeFile(bridge, output.canvas, output.pixels, settings);
      clock.lap('encode');
    } else {
      onPreview({ preview: output.previewBlob, width, height, layout });
    }
    clock.total();
    const { blob, previewBlob: preview } = output;
    return { result: { blob, preview, width, height, layout, imageId, box: outcome.box, timings: clock.timings, memory: memory() } };
  } catch (error) {
    kept.drop(); // Python's kept steps and this output may no longer agree: the next one renders all
    throw error;
  }
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

/**
 * What an output looks like apart from its strokes: its settings and background image, as text
 * (a patch applies only to an output with the same).
 */
function lookOf(settings, background) {
  return JSON.stringify([settings, background ? [background.name, background.size, background.type] : null]);
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
 * encoded. With `keepAs`, an RGBA output is kept with its preview for `renderRegion`.
 */
async function encodeOutput(bridge, output, settings, clock, onPreview, keepAs) {
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
  const board = previewCanvas(canvas);
  const preview = await encodePreviewCanvas(board);
  onPreview({ preview, width, height });
  clock.lap('preview');
  const blob = await encodeFile(bridge, canvas, pixels, settings);
  clock.lap('encode');
  if (keepAs) {
    kept.keep({ ...keepAs, canvas, pixels: SLOW_CANVAS_PNG ? pixels : null, preview: board, previewBlob: preview, blob });
  } else {
    // Their 48 MB at 12 MP now, not at the worker's next garbage collection (decode.js releaseCanvas).
    releaseCanvas(canvas);
    releaseCanvas(board);
  }
  return { blob, preview, width, height };
}

/** The file of an RGBA output held by `canvas` (and as `pixels`, unpremultiplied, where Pillow encodes). */
async function encodeFile(bridge, canvas, pixels, { format = 'png', quality = 0.9 }) {
  return format === 'png' && SLOW_CANVAS_PNG
    ? new Blob([bridge.encode_png(pixels, canvas.width, canvas.height)], { type: 'image/png' })
    : canvas.convertToBlob({ type: MIME[format], quality });
}
