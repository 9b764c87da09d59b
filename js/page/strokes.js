// The edits of one image: its brush strokes, with undo and redo. Pure data, no DOM.
//
// A stroke is {tool: 'erase'|'restore', radius, points: [[x, y], …]} in pixels of the original
// image (see py/peel/hints.py, which rasterises them). The history is a list of stroke lists;
// every change appends one, so undo and redo are moves along it and "Reset edits" is undoable.

/** Undo steps kept per image (each holds only references to the strokes: cheap). */
const MAX_HISTORY = 200;

export class EditHistory {
  constructor() {
    /** @type {import('../shared/protocol.js').Stroke[][]} */
    this.states = [[]];
    this.index = 0;
  }

  /** The strokes in effect, oldest first. */
  get strokes() {
    return this.states[this.index];
  }

  get count() {
    return this.strokes.length;
  }

  get canUndo() {
    return this.index > 0;
  }

  get canRedo() {
    return this.index < this.states.length - 1;
  }

  /** @param {import('../shared/protocol.js').Stroke} stroke */
  add(stroke) {
    this.push([...this.strokes, stroke]);
  }

  /** Remove every stroke (undoable). Returns whether anything changed. */
  reset() {
    if (this.count === 0) return false;
    this.push([]);
    return true;
  }

  undo() {
    if (!this.canUndo) return false;
    this.index -= 1;
    return true;
  }

  redo() {
    if (!this.canRedo) return false;
    this.index += 1;
    return true;
  }

  push(strokes) {
    this.states = [...this.states.slice(0, this.index + 1), strokes].slice(-MAX_HISTORY);
    this.index = this.states.length - 1;
  }
}

/**
 * A stroke being drawn: points in image pixels, skipping moves shorter than a fraction of the
 * brush (a pointer reports far more points than the paint needs).
 */
export class StrokeRecorder {
  /**
   * @param {'erase'|'restore'} tool
   * @param {number} radius  image pixels
   * @param {[number, number]} start  image pixels
   */
  constructor(tool, radius, start) {
    this.tool = tool;
    this.radius = radius;
    this.points = [round(start)];
  }

  /** @param {[number, number]} point */
  add(point) {
    const [x, y] = this.points[this.points.length - 1];
    if (Math.hypot(point[0] - x, point[1] - y) >= Math.max(0.5, this.radius / 4)) this.points.push(round(point));
  }

  /** @returns {import('../shared/protocol.js').Stroke} */
  finish() {
    return { tool: this.tool, radius: Math.round(this.radius * 100) / 100, points: this.points };
  }
}

/** Coordinates to 1/100 px: plenty for the paint, and a smaller message and hints key. */
const round = ([x, y]) => [Math.round(x * 100) / 100, Math.round(y * 100) / 100];
