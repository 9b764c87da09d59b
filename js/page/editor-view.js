// The editor's picture: one canvas showing the result over its backdrop, the original beside a
// before/after split, zoom and pan with its level shown, and strokes not yet rendered on a
// translucent overlay canvas above it (stroke-overlay.js).
//
// Coordinates: "image" pixels of the picture shown (the original's size for a cut-out), "view"
// CSS pixels of the canvas, "source" pixels of the original (strokes are kept in them).
// view = offset + image * scale; image = layout.offset + source * layout.scale, where the layout
// is a product photo's crop, scale and offset (protocol.js Layout), the identity otherwise.

import { StrokeOverlay } from './stroke-overlay.js';
import { StrokeRecorder } from './strokes.js';

const MIN_ZOOM = 0.05;
const MAX_ZOOM = 16;
const BACKDROPS = { black: '#000', white: '#fff', accent: '#1f6f5c' };
/** The layout of a picture in the original's own pixels. */
const IDENTITY = Object.freeze({ scale: [1, 1], offset: [0, 0] });

export class EditorView {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {object} [parts]  found next to the canvas when not given
   * @param {HTMLCanvasElement} [parts.overlay]  the strokes' canvas over it (.editor-overlay)
   * @param {HTMLElement} [parts.zoomLevel]  shows the zoom as "150 %" ([data-testid=zoom-level])
   */
  constructor(canvas, {
    overlay = canvas.parentElement.querySelector('.editor-overlay'),
    zoomLevel = canvas.closest('[data-testid=editor]')?.querySelector('[data-testid=zoom-level]'),
  } = {}) {
    this.canvas = canvas;
    this.overlay = new StrokeOverlay(overlay);
    this.zoomLevel = zoomLevel;
    this.context = canvas.getContext('2d');
    this.width = 0; // image size
    this.height = 0;
    this.scale = 1;
    this.offset = [0, 0];
    /** @type {{scale: number[], offset: number[]}} where the picture shows the original's pixels */
    this.layout = IDENTITY;
    this.fitted = true; // follow the box's size until the user zooms or pans
    this.compare = 100;
    this.backdrop = 'checkerboard';
    /** @type {{after?: ImageBitmap, before?: ImageBitmap, full?: ImageBitmap}} */
    this.sources = {};
    // The view asks for what it lacks: the result file decoded (zoomed in), the original (split).
    this.needFull = () => {};
    this.needBefore = () => {};
    this.pattern = checkerboard(this.context);
    new ResizeObserver(() => this.resize()).observe(canvas);
  }

  /** A new picture of width × height image pixels (another image, or another geometry). */
  setSize(width, height) {
    const changed = width !== this.width || height !== this.height;
    this.width = width;
    this.height = height;
    if (changed) this.zoomFit();
  }

  /**
   * Where the picture shows the original's pixels (set with the picture it belongs to).
   * @param {import('../shared/protocol.js').Layout|null} layout  null: in the original's own pixels
   */
  setLayout(layout) {
    this.layout = layout ?? IDENTITY;
    this.draw();
  }

  /**
   * @param {{after?: ImageBitmap, before?: ImageBitmap, full?: ImageBitmap|null}} sources
   *   after: the result's preview (small); before: the original; full: the result file decoded
   */
  setSources(sources) {
    for (const [name, bitmap] of Object.entries(sources)) {
      if (this.sources[name] && this.sources[name] !== bitmap) this.sources[name].close?.();
      this.sources[name] = bitmap ?? undefined;
    }
    this.draw();
  }

  /** Which source the view shows now: 'full' (the output file itself) or 'preview'. */
  get source() {
    return this.wantsFull() && this.sources.full ? 'full' : 'preview';
  }

  wantsFull() {
    const preview = this.sources.after;
    return !preview || this.scale * this.width * devicePixelRatio > preview.width * 1.05;
  }

  resize() {
    const { clientWidth, clientHeight } = this.canvas;
    const ratio = devicePixelRatio || 1;
    for (const canvas of [this.canvas, this.overlay.canvas]) {
      canvas.width = Math.max(1, Math.round(clientWidth * ratio));
      canvas.height = Math.max(1, Math.round(clientHeight * ratio));
    }
    if (this.fitted) this.zoomFit();
    else this.draw();
  }

  /** The whole picture, scaled to fit and centred. */
  zoomFit() {
    const { clientWidth, clientHeight } = this.canvas;
    if (!this.width || !clientWidth) return;
    this.scale = Math.min(clientWidth / this.width, clientHeight / this.height);
    this.offset = [(clientWidth - this.width * this.scale) / 2, (clientHeight - this.height * this.scale) / 2];
    this.fitted = true;
    this.draw();
  }

  /** One image pixel per CSS pixel, around the centre of the view. */
  zoom100() {
    const { clientWidth, clientHeight } = this.canvas;
    this.zoomAt(1 / this.scale, clientWidth / 2, clientHeight / 2);
  }

  /**
   * Zoom by `factor` around the view point (x, y): the image point under it stays there, or
   * moves to `to` (a pinch whose centre moved).
   */
  zoomAt(factor, x, y, [toX, toY] = [x, y]) {
    const scale = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.scale * factor));
    const applied = scale / this.scale;
    this.offset = [toX - (x - this.offset[0]) * applied, toY - (y - this.offset[1]) * applied];
    this.scale = scale;
    this.fitted = false;
    this.clampOffset();
    this.draw();
  }

  panBy(dx, dy) {
    this.offset = [this.offset[0] + dx, this.offset[1] + dy];
    this.fitted = false;
    this.clampOffset();
    this.draw();
  }

  /** Keep at least a quarter of the view (or of the picture) showing picture. */
  clampOffset() {
    const { clientWidth, clientHeight } = this.canvas;
    const w = this.width * this.scale;
    const h = this.height * this.scale;
    const keepX = Math.min(w, clientWidth) / 4;
    const keepY = Math.min(h, clientHeight) / 4;
    this.offset = [
      Math.min(clientWidth - keepX, Math.max(keepX - w, this.offset[0])),
      Math.min(clientHeight - keepY, Math.max(keepY - h, this.offset[1])),
    ];
  }

  /** Image pixels of a pointer event's position. */
  toImage(event) {
    const rect = this.canvas.getBoundingClientRect();
    return [(event.clientX - rect.left - this.offset[0]) / this.scale, (event.clientY - rect.top - this.offset[1]) / this.scale];
  }

  /** Original-image pixels of a pointer event's position (what strokes are made of). */
  toSource(event) {
    const [x, y] = this.toImage(event);
    const { scale, offset } = this.layout;
    return [(x - offset[0]) / scale[0], (y - offset[1]) / scale[1]];
  }

  /** CSS pixels per original-image pixel (a brush of s CSS px is s / this source px). */
  get sourceScale() {
    return this.scale * (this.layout.scale[0] + this.layout.scale[1]) / 2;
  }

  setCompare(value) {
    this.compare = value;
    this.draw();
  }

  setBackdrop(name) {
    this.backdrop = name;
    this.draw();
  }

  /**
   * Strokes shown over the picture until a render includes them: a growing stroke is painted at
   * once (pointer rate), any other change with the picture's next frame.
   * @param {import('../shared/protocol.js').Stroke[]} strokes
   * @param {{keepPainting?: boolean}} [options]  keep the stroke being painted (a render arrived
   *   meanwhile: it replaces the strokes it includes, not the one under the pointer)
   */
  setOverlay(strokes, { keepPainting = false } = {}) {
    // The stroke being painted is the one StrokeRecorder; finished strokes are plain objects.
    const painting = keepPainting ? this.overlay.strokes.filter((stroke) => stroke instanceof StrokeRecorder) : [];
    if (!this.overlay.update([...strokes, ...painting])) this.draw();
  }

  draw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.paint();
    });
  }

  paint() {
    const { context: ctx, canvas } = this;
    const ratio = canvas.width / Math.max(1, canvas.clientWidth);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const [x, y] = this.offset;
    const { scale: [sx, sy], offset: [lx, ly] } = this.layout;
    // The original's place in the view: strokes are drawn, and the "before" shown, there.
    const source = { scale: [this.scale * sx, this.scale * sy], offset: [x + lx * this.scale, y + ly * this.scale] };
    this.overlay.paint({ ratio, ...source });
    if (!this.width) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const w = this.width * this.scale;
    const h = this.height * this.scale;
    ctx.fillStyle = BACKDROPS[this.backdrop] ?? this.pattern;
    ctx.fillRect(x, y, w, h);
    if (this.wantsFull() && !this.sources.full) this.needFull();
    const after = this.source === 'full' ? this.sources.full : this.sources.after;
    // Pixels big enough to see are shown as pixels, not blurred.
    ctx.imageSmoothingEnabled = this.scale * ratio < 2;
    ctx.imageSmoothingQuality = 'high';
    const split = x + (w * this.compare) / 100;
    if (after && this.compare > 0) clipped(ctx, [x, y, split - x, h], () => ctx.drawImage(after, x, y, w, h));
    if (this.compare < 100 && !this.sources.before) this.needBefore();
    const before = this.sources.before;
    if (before && this.compare < 100) {
      clipped(ctx, [split, y, x + w - split, h], () => ctx.drawImage(before, ...source.offset,
        before.width * source.scale[0], before.height * source.scale[1]));
    }
    if (this.compare > 0 && this.compare < 100) {
      ctx.fillStyle = '#fff';
      ctx.fillRect(split - 1, y, 2, h);
      ctx.fillStyle = 'rgba(0, 0, 0, 0.5)';
      ctx.fillRect(split + 1, y, 1, h);
    }
    canvas.dataset.source = this.source;
    canvas.dataset.zoom = String(Math.round(this.scale * 1000) / 10);
    canvas.dataset.offset = this.offset.map((value) => value.toFixed(2)).join(','); // for tests: view = offset + image * zoom
    if (this.zoomLevel) this.zoomLevel.textContent = `${Math.round(this.scale * 100)} %`;
  }
}

function clipped(ctx, rect, draw) {
  ctx.save();
  ctx.beginPath();
  ctx.rect(...rect);
  ctx.clip();
  draw();
  ctx.restore();
}

/** The transparency checkerboard, as a canvas pattern (10-px squares, as the cards' CSS). */
function checkerboard(ctx) {
  const tile = new OffscreenCanvas(20, 20);
  const tileContext = tile.getContext('2d');
  tileContext.fillStyle = '#fff';
  tileContext.fillRect(0, 0, 20, 20);
  tileContext.fillStyle = '#ddd';
  tileContext.fillRect(0, 0, 10, 10);
  tileContext.fillRect(10, 10, 10, 10);
  return ctx.createPattern(tile, 'repeat');
}
