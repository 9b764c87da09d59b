// The output the worker made last, kept at full size with its preview, so that a stroke patches
// them (Python's render_region gives the box that changed and its pixels) instead of drawing,
// downscaling and encoding the whole image again. One image only, like Python's RenderCache:
// a 12 MP output is a 48 MB canvas, so the next image's render lets go of it first.

import { PREVIEW_SIZE, releaseCanvas } from './decode.js';

/**
 * @typedef {object} Kept
 * @property {string} imageId   the image Python keeps (bridge.is_kept)
 * @property {string} look      `lookOf` the settings (and background) it was made with
 * @property {OffscreenCanvas} canvas   the output, full size (what the file is encoded from)
 * @property {Uint8ClampedArray|null} pixels  the same RGBA, unpremultiplied, where Pillow
 *   encodes the PNG (WebKit: jobs.js SLOW_CANVAS_PNG); null elsewhere
 * @property {OffscreenCanvas} preview  the canvas the preview is encoded from (long side ≤ PREVIEW_SIZE)
 * @property {Blob} previewBlob  its last encoding
 * @property {Blob} blob         the last file
 */

export class KeptOutput {
  constructor() {
    /** @type {Kept|null} */
    this.kept = null;
  }

  /** @param {Kept} kept  the output just made (the one before is let go) */
  keep(kept) {
    this.drop();
    this.kept = kept;
  }

  /** Let go of the kept output (before another render: Python's cache then changes too). */
  drop() {
    if (this.kept) {
      // Freed now: the worker's collector does not count a canvas's pixels (decode.js releaseCanvas).
      releaseCanvas(this.kept.canvas);
      releaseCanvas(this.kept.preview);
    }
    this.kept = null;
  }

  /**
   * Whether a patch from Python's render_region applies to the kept output: same image, same
   * look (render_region's box is where its *alpha* changed; a new background or format changes
   * every pixel, which only a full render redraws).
   */
  holds(imageId, look) {
    return this.kept !== null && this.kept.imageId === imageId && this.kept.look === look;
  }

  /**
   * Put a changed box into the full output and redraw that box into the preview.
   * @param {{x: number, y: number, width: number, height: number}} box  in output pixels
   * @param {{width: number, height: number, pixels: Uint8ClampedArray}} patch  the box's RGBA
   * @returns {boolean} whether anything changed (an empty box: nothing did)
   */
  patch(box, patch) {
    const { canvas, pixels, preview } = this.kept;
    if (box.width <= 0 || box.height <= 0) return false;
    if (box.x < 0 || box.y < 0 || box.x + box.width > canvas.width || box.y + box.height > canvas.height) {
      throw new RangeError(`A patch at ${JSON.stringify(box)} is outside the ${canvas.width} × ${canvas.height} output.`);
    }
    canvas.getContext('2d').putImageData(new ImageData(patch.pixels, patch.width, patch.height), box.x, box.y);
    if (pixels) copyRows(patch.pixels, box, pixels, canvas.width);
    redrawPreview(preview, canvas, box);
    return true;
  }
}

/**
 * Downscale the part of `canvas` under `box` into `preview` again. The box is widened to whole
 * preview pixels plus one on each side, so that the resampling filter's edge lands on pixels
 * that did not change (no seam where the patch ends).
 */
function redrawPreview(preview, canvas, box) {
  const sx = preview.width / canvas.width;
  const sy = preview.height / canvas.height;
  const left = Math.max(0, Math.floor(box.x * sx) - 1);
  const top = Math.max(0, Math.floor(box.y * sy) - 1);
  const right = Math.min(preview.width, Math.ceil((box.x + box.width) * sx) + 1);
  const bottom = Math.min(preview.height, Math.ceil((box.y + box.height) * sy) + 1);
  const context = preview.getContext('2d');
  context.imageSmoothingQuality = 'high';
  context.clearRect(left, top, right - left, bottom - top); // drawing composites over what is there
  context.drawImage(canvas, left / sx, top / sy, (right - left) / sx, (bottom - top) / sy,
    left, top, right - left, bottom - top);
}

/** Copy a box's RGBA rows into a whole image's RGBA (`width` px wide). */
function copyRows(patch, box, pixels, width) {
  const row = box.width * 4;
  for (let y = 0; y < box.height; y++) {
    pixels.set(patch.subarray(y * row, (y + 1) * row), ((box.y + y) * width + box.x) * 4);
  }
}
