// Inside the worker: an image file → RGBA pixels (decodeImage, decodePixels), and RGBA pixels → a
// canvas for the browser's encoders (canvasOf) and a small preview (encodePreview); a canvas done
// with is freed at once (releaseCanvas). Encoding the file is jobs.js's.

import { ErrorCode, PeelError } from '../shared/protocol.js';

/**
 * Decode an image file the way the browser shows it (EXIF orientation applied).
 * @param {Blob} blob
 * @returns {Promise<{canvas: OffscreenCanvas, context: OffscreenCanvasRenderingContext2D,
 *                    imageData: ImageData}>}
 */
export async function decodeImage(blob) {
  let bitmap;
  try {
    // imageOrientation 'from-image' (the default) applies the EXIF orientation.
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none' });
  } catch {
    // The header was fine (py/peel/header.py checks it first): the pixel data is not.
    throw new PeelError({
      code: ErrorCode.CORRUPT_IMAGE,
      message: 'This image is damaged or incomplete, so it cannot be read. Get the file again, or open it in an image editor and save it again.',
    });
  }
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { canvas, context, imageData: context.getImageData(0, 0, width, height) };
}

/**
 * Decode an image file to its RGBA pixels only (decodeImage, its canvas let go of at once).
 * @param {Blob} blob
 * @returns {Promise<ImageData>}
 */
export async function decodePixels(blob) {
  const { canvas, imageData } = await decodeImage(blob);
  releaseCanvas(canvas);
  return imageData;
}

/**
 * Free a canvas's pixels now. The worker's garbage collector does not count a canvas's backing
 * store (48 MB at 12 MP) as memory to reclaim, so the canvases of finished images piled up
 * between its rare collections: +230 MB in the renderer after 50 images of 12 MP, all freed by
 * a collection of the worker (bench/memory.py, bench/README.md).
 * @param {OffscreenCanvas} canvas  not used after this
 */
export function releaseCanvas(canvas) {
  canvas.width = 0;
  canvas.height = 0;
}

/**
 * A canvas holding RGBA pixels, for the browser's encoders (PNG measured several times faster
 * than Pillow in Pyodide, WebP too; see bench/README.md): `canvas.convertToBlob({type, quality})`.
 * The canvas is premultiplied: colours under alpha 0 are lost, which no viewer shows.
 * @param {ImageData} imageData
 * @returns {OffscreenCanvas}
 */
export function canvasOf(imageData) {
  const canvas = new OffscreenCanvas(imageData.width, imageData.height);
  canvas.getContext('2d').putImageData(imageData, 0, 0);
  return canvas;
}

/** Long side of the preview shown in a result card: a 12 MP result is not decoded in the page. */
export const PREVIEW_SIZE = 640;

/**
 * A canvas with what `canvas` holds, downscaled to the preview's size (long side ≤ PREVIEW_SIZE).
 * @param {OffscreenCanvas} canvas
 * @returns {OffscreenCanvas}
 */
export function previewCanvas(canvas) {
  const scale = Math.min(1, PREVIEW_SIZE / Math.max(canvas.width, canvas.height));
  const preview = new OffscreenCanvas(Math.max(1, Math.round(canvas.width * scale)), Math.max(1, Math.round(canvas.height * scale)));
  const context = preview.getContext('2d');
  context.imageSmoothingQuality = 'high';
  context.drawImage(canvas, 0, 0, preview.width, preview.height);
  return preview;
}

/**
 * A small WebP (PNG where WebP encoding is unsupported) of a preview canvas; or, `quick`, a PNG.
 * @param {OffscreenCanvas} preview  from previewCanvas
 * @param {boolean} [quick]  for a stroke's new look, which the user waits for: Chromium encodes a
 *   640-px preview as PNG in a fraction of WebP's time (bench/README.md), for a larger blob
 * @returns {Promise<Blob>}
 */
export function encodePreviewCanvas(preview, quick = false) {
  return preview.convertToBlob(quick ? { type: 'image/png' } : { type: 'image/webp', quality: 0.85 });
}

/**
 * A small WebP (PNG where WebP encoding is unsupported) of what the canvas holds.
 * @param {OffscreenCanvas} canvas
 * @returns {Promise<Blob>}
 */
export async function encodePreview(canvas) {
  const preview = previewCanvas(canvas);
  try {
    return await encodePreviewCanvas(preview);
  } finally {
    releaseCanvas(preview);
  }
}
