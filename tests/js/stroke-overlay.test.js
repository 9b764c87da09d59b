// The stroke overlay (js/page/stroke-overlay.js): a growing stroke paints only its new part at
// once; anything else asks for a whole repaint, which paints every stroke in image pixels.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { StrokeOverlay, TINTS } from '../../js/page/stroke-overlay.js';
import { StrokeRecorder } from '../../js/page/strokes.js';

/** A canvas whose 2D context records the drawing calls. */
function recordingCanvas() {
  const calls = [];
  const context = new Proxy({}, {
    get: (target, name) => (name in target ? target[name] : (...args) => calls.push([name, ...args])),
    set: (target, name, value) => {
      target[name] = value;
      return true;
    },
  });
  return { canvas: { width: 200, height: 100, dataset: {}, getContext: () => context }, calls, context };
}

const drawn = (calls) => calls.filter(([name]) => ['arc', 'moveTo', 'lineTo', 'clearRect'].includes(name));

test('a new stroke shows at once as a dot, then each new point as one more segment', () => {
  const { canvas, calls, context } = recordingCanvas();
  const overlay = new StrokeOverlay(canvas);
  overlay.paint({ ratio: 2, scale: [0.5, 0.5], offset: [10, 20] });
  calls.length = 0;
  const stroke = new StrokeRecorder('erase', 8, [40, 30]);
  assert.equal(overlay.update([stroke]), true);
  assert.deepEqual(drawn(calls), [['arc', 40, 30, 8, 0, 2 * Math.PI]]);
  assert.deepEqual(calls.find(([name]) => name === 'setTransform'), ['setTransform', 1, 0, 0, 1, 20, 40]);
  assert.equal(context.fillStyle, TINTS.erase);
  assert.equal(canvas.dataset.strokes, '1');

  calls.length = 0;
  stroke.add([50, 30]);
  stroke.add([60, 30]);
  assert.equal(overlay.update([stroke]), true);
  assert.deepEqual(drawn(calls), [['moveTo', 40, 30], ['lineTo', 50, 30], ['lineTo', 60, 30]]);
  assert.equal(context.lineWidth, 16);

  calls.length = 0;
  stroke.add([70, 30]);
  overlay.update([stroke]);
  assert.deepEqual(drawn(calls), [['moveTo', 60, 30], ['lineTo', 70, 30]]); // only the new segment
});

test('another set of strokes asks for a repaint, which paints them all from a clear canvas', () => {
  const { canvas, calls, context } = recordingCanvas();
  const overlay = new StrokeOverlay(canvas);
  const erase = { tool: 'erase', radius: 4, points: [[1, 2], [3, 4]] };
  const restore = { tool: 'restore', radius: 6, points: [[5, 6]] };
  overlay.update([erase]);
  calls.length = 0;
  assert.equal(overlay.update([restore]), false); // a finished stroke replaced: not a growth
  assert.equal(overlay.update([]), false);
  assert.deepEqual(drawn(calls), []);
  overlay.update([erase, restore]);
  calls.length = 0;
  overlay.paint({ ratio: 1, scale: [1, 1], offset: [0, 0] });
  assert.deepEqual(drawn(calls), [['clearRect', 0, 0, 200, 100], ['arc', 1, 2, 4, 0, 2 * Math.PI], ['moveTo', 1, 2],
    ['lineTo', 3, 4], ['arc', 5, 6, 6, 0, 2 * Math.PI]]);
  assert.equal(context.fillStyle, TINTS.restore);
  assert.equal(canvas.dataset.strokes, '2');
});

test('strokes in the original\'s pixels are drawn through a product layout\'s scale and offset', () => {
  // A product canvas that halves the original across and thirds it down, moved by the crop:
  // the transform the view hands over holds each axis's scale and the original's origin.
  const { canvas, calls, context } = recordingCanvas();
  const overlay = new StrokeOverlay(canvas);
  overlay.update([{ tool: 'restore', radius: 5, points: [[100, 60], [140, 60]] }]);
  calls.length = 0;
  overlay.paint({ ratio: 2, scale: [0.5, 0.25], offset: [-30, 12] });
  assert.deepEqual(calls.filter(([name]) => name === 'setTransform').at(-1), ['setTransform', 1, 0, 0, 0.5, -60, 24]);
  assert.deepEqual(drawn(calls).slice(1), [['arc', 100, 60, 5, 0, 2 * Math.PI], ['moveTo', 100, 60], ['lineTo', 140, 60]]);
  assert.equal(context.lineWidth, 10);
});
