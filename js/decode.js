// Blob → RGBA pixels, and RGBA pixels → PNG Blob, inside the worker.

import { ErrorCode, PeelError } from './protocol.js';

/** Leading bytes of the formats browsers decode; used only to word the error well. */
const SIGNATURES = [
  [0xff, 0xd8, 0xff], // JPEG
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0x47, 0x49, 0x46, 0x38], // GIF
  [0x42, 0x4d], // BMP
  [0x52, 0x49, 0x46, 0x46], // RIFF (WebP)
];
const AVIF_BRAND = [0x66, 0x74, 0x79, 0x70]; // "ftyp" at offset 4 (AVIF, also HEIC)

async function looksLikeImage(blob) {
  const head = new Uint8Array(await blob.slice(0, 12).arrayBuffer());
  const startsWith = (bytes, at = 0) => bytes.every((byte, i) => head[at + i] === byte);
  return SIGNATURES.some((signature) => startsWith(signature)) || startsWith(AVIF_BRAND, 4);
}

/**
 * Decode an image file the way the browser shows it (EXIF orientation applied).
 * @param {Blob} blob
 * @returns {Promise<{canvas: OffscreenCanvas, context: OffscreenCanvasRenderingContext2D,
 *                    imageData: ImageData}>}
 */
export async function decodeImage(blob) {
  if (blob.size === 0) {
    throw new PeelError({ code: ErrorCode.EMPTY_FILE, message: 'This file is empty (0 bytes). Choose the image again.' });
  }
  let bitmap;
  try {
    // imageOrientation 'from-image' (the default) applies the EXIF orientation.
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none' });
  } catch {
    if (await looksLikeImage(blob)) {
      throw new PeelError({
        code: ErrorCode.CORRUPT_IMAGE,
        message: 'This image is damaged or incomplete, so it cannot be read. Try saving or exporting it again.',
      });
    }
    throw new PeelError({
      code: ErrorCode.NOT_AN_IMAGE,
      message: 'This file is not an image your browser can read. Use a JPEG, PNG, WebP, AVIF, GIF or BMP file.',
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
 * Encode RGBA pixels with the browser's encoder (PNG measured several times faster than Pillow in
 * Pyodide; see DESIGN.md). The canvas is premultiplied: colours under alpha 0 are lost, which no
 * viewer shows.
 * @param {OffscreenCanvas} canvas  sized like imageData; keeps the pixels for a preview
 * @param {ImageData} imageData
 * @param {string} type  'image/png' | 'image/webp' | 'image/jpeg'
 * @param {number} [quality]  0..1, for the lossy types
 * @returns {Promise<Blob>}
 */
export async function encodeImage(canvas, imageData, type, quality) {
  canvas.getContext('2d').putImageData(imageData, 0, 0);
  return canvas.convertToBlob({ type, quality });
}

/** Long side of the preview shown in a result card: a 12 MP result is not decoded in the page. */
export const PREVIEW_SIZE = 640;

/**
 * A small WebP (PNG where WebP encoding is unsupported) of what the canvas holds.
 * @param {OffscreenCanvas} canvas
 * @returns {Promise<Blob>}
 */
export async function encodePreview(canvas) {
  const scale = Math.min(1, PREVIEW_SIZE / Math.max(canvas.width, canvas.height));
  const preview = new OffscreenCanvas(Math.max(1, Math.round(canvas.width * scale)), Math.max(1, Math.round(canvas.height * scale)));
  const context = preview.getContext('2d');
  context.imageSmoothingQuality = 'high';
  context.drawImage(canvas, 0, 0, preview.width, preview.height);
  return preview.convertToBlob({ type: 'image/webp', quality: 0.85 });
}
