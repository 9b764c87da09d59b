// Strokes the editor's picture does not include yet, on their own canvas over it, tinted by
// tool, where they were painted (strokes are in the original's pixels: a product canvas's layout
// is part of the transform). The stroke being painted grows one segment per pointer event, drawn at once without
// repainting the picture; anything else (another set of strokes, a zoom or pan) repaints the
// whole overlay with the picture, in the same frame, so a stroke never blinks out before the
// render that includes it is shown.
//
// Segments are painted opaque and the canvas itself is translucent (css/app.css), so the
// segments' round caps overlap without darkening: the same look as the whole path at once.

/** Each tool's tint (opaque; the canvas's opacity makes it translucent). */
export const TINTS = { erase: '#dc2626', restore: '#16a34a' };

export class StrokeOverlay {
  /** @param {HTMLCanvasElement} canvas  over the picture's canvas, the same size */
  constructor(canvas) {
    this.canvas = canvas;
    this.context = canvas.getContext('2d');
    /** @type {import('../shared/protocol.js').Stroke[]} */
    this.strokes = [];
    this.drawn = 0; // points of the last stroke already on the canvas
    this.transform = { ratio: 1, scale: [1, 1], offset: [0, 0] };
  }

  /**
   * Show these strokes. When they are the ones shown with points added to the last, or one new
   * stroke after them, the new part is painted now; otherwise returns false: the caller repaints
   * (`paint`) with the picture.
   * @param {import('../shared/protocol.js').Stroke[]} strokes
   */
  update(strokes) {
    const shown = this.strokes;
    const grows = (strokes.length === shown.length || strokes.length === shown.length + 1)
      && shown.every((stroke, i) => stroke === strokes[i]) && strokes.length > 0;
    this.strokes = strokes;
    this.canvas.dataset.strokes = String(strokes.length);
    if (!grows) return false;
    if (strokes.length > shown.length) this.drawn = 0;
    const last = strokes[strokes.length - 1];
    this.paintStroke(last, this.drawn);
    this.drawn = last.points.length;
    return true;
  }

  /**
   * Everything again, with the picture's transform.
   * @param {{ratio: number, scale: [number, number], offset: [number, number]}} transform
   *   device pixels per CSS pixel; CSS pixels per original-image pixel, [x, y] (a product
   *   canvas's layout scales the original); the original's origin in CSS pixels
   */
  paint(transform) {
    this.transform = transform;
    const { canvas, context } = this;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, canvas.width, canvas.height);
    for (const stroke of this.strokes) this.paintStroke(stroke, 0);
    this.drawn = this.strokes.at(-1)?.points.length ?? 0;
  }

  /** The segments of a stroke from point `from` on (a dot for its first point), in original-image pixels. */
  paintStroke({ tool, radius, points }, from) {
    const { context: ctx } = this;
    const { ratio, scale: [sx, sy], offset } = this.transform;
    ctx.setTransform(ratio * sx, 0, 0, ratio * sy, ratio * offset[0], ratio * offset[1]);
    ctx.strokeStyle = ctx.fillStyle = TINTS[tool];
    ctx.lineWidth = 2 * radius;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    if (from === 0 && points.length) {
      ctx.beginPath();
      ctx.arc(points[0][0], points[0][1], radius, 0, 2 * Math.PI);
      ctx.fill();
    }
    if (points.length < 2) return;
    ctx.beginPath();
    ctx.moveTo(...points[Math.max(0, from - 1)]);
    for (let i = Math.max(1, from); i < points.length; i += 1) ctx.lineTo(...points[i]);
    ctx.stroke();
  }
}
