// peel.bridge under the real Pyodide (the build's dist/vendor/pyodide), installed as the worker's
// boot installs it (numpy and Pillow from site-packages.tar.gz through packages.js and untar.js,
// then peel.zip): every function the worker calls, called for real, with JS values of the types
// the worker passes. Only the model's output is made here (a disc), since onnxruntime-web is
// the browser's; the browser tests run the real model.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

import { SITE_PACKAGES } from '../../js/worker/boot.js';
import { install } from '../../js/worker/packages.js';
import { readTar } from '../../js/worker/untar.js';
import { ErrorCode } from '../../js/shared/protocol.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const PYODIDE = `${DIST}vendor/pyodide/`;
const MODEL_SIZE = 320;
const [WIDTH, HEIGHT] = [64, 48];

let pyodide;
let bridge;

before(async () => {
  assert.ok(existsSync(`${PYODIDE}pyodide.mjs`), 'dist/ is not built: run `python3 build.py build` first');
  const { loadPyodide } = await import(`${PYODIDE}pyodide.mjs`);
  pyodide = await loadPyodide({ indexURL: PYODIDE, stdout: () => {}, stderr: console.error });
  install(pyodide, readTar(new Uint8Array(gunzipSync(readFileSync(`${PYODIDE}site-packages.tar.gz`)))), SITE_PACKAGES);
  pyodide.unpackArchive(new Uint8Array(readFileSync(`${DIST}py/peel.zip`)), 'zip', { extractDir: SITE_PACKAGES });
  bridge = pyodide.pyimport('peel.bridge');
});

/** An RGBA image, as an ImageData's data: a horizontal red ramp on grey. */
function photo(width = WIDTH, height = HEIGHT) {
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) pixels.set([(255 * (i % width)) / (width - 1), 128, 128, 255], i * 4);
  return pixels;
}

/** The model's raw output, as onnxruntime gives it: 1 inside a centred disc, 0 outside. */
function discPrediction(dims) {
  const [, , h, w] = dims;
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out[y * w + x] = Math.hypot(x - w / 2, y - h / 2) < h / 4 ? 1 : 0;
  }
  return out;
}

const alphaAt = ({ pixels, width }, x, y) => pixels[(y * width + x) * 4 + 3];
const isPng = (bytes) => [0x89, 0x50, 0x4e, 0x47].every((byte, i) => bytes[i] === byte);

async function removeDisc(imageId, settings = {}, edits) {
  const calls = [];
  const infer = async (tensor, dims) => {
    calls.push({ length: tensor.length, dims: dims.toJs ? dims.toJs() : [...dims] });
    return discPrediction(calls.at(-1).dims);
  };
  const outcome = await bridge.remove(imageId, photo(), WIDTH, HEIGHT, infer, settings, undefined, undefined,
    undefined, edits);
  return { outcome, calls };
}

test('inspect reads a real PNG header, and refuses what is not an image by its code', () => {
  const png = readFileSync(fileURLToPath(new URL('../fixtures/coffee.png', import.meta.url)));
  assert.deepEqual(bridge.inspect(new Uint8Array(png)), { notes: [] });
  const refused = bridge.inspect(new TextEncoder().encode('not an image at all'));
  assert.equal(refused.error.code, ErrorCode.NOT_AN_IMAGE);
  assert.equal(refused.error.name, 'NotAnImageError');
  assert.equal(bridge.inspect(new Uint8Array(0)).error.code, ErrorCode.EMPTY_FILE);
});

test('remove gives the model its input, and returns the cut-out, the mask and its shape; the image is kept', async () => {
  const { outcome, calls } = await removeDisc('a');
  assert.deepEqual(calls, [{ length: 3 * MODEL_SIZE * MODEL_SIZE, dims: [1, 3, MODEL_SIZE, MODEL_SIZE] }]);
  assert.equal(outcome.error, undefined);
  assert.deepEqual(outcome.maskShape, [MODEL_SIZE, MODEL_SIZE]);
  assert.ok(outcome.mask instanceof Float32Array);
  assert.equal(outcome.mask.length, MODEL_SIZE * MODEL_SIZE);
  const { output } = outcome;
  assert.deepEqual([output.width, output.height], [WIDTH, HEIGHT]);
  assert.ok(output.pixels instanceof Uint8ClampedArray);
  assert.equal(output.pixels.length, WIDTH * HEIGHT * 4);
  assert.equal(alphaAt(output, WIDTH / 2, HEIGHT / 2), 255, 'the disc is kept');
  assert.equal(alphaAt(output, 0, 0), 0, 'the corner is cut away');
  assert.deepEqual(Object.keys(outcome.timings).sort(), ['postprocess', 'prepare']);
  assert.equal(bridge.is_kept('a'), true);
  assert.equal(bridge.is_kept('b'), false);
});

test('render makes the kept image again with other settings, no model run; the same settings give the same pixels', async () => {
  const { outcome: first } = await removeDisc('r');
  const again = bridge.render('r', {});
  assert.deepEqual(again.output.pixels, first.output.pixels);
  const white = bridge.render('r', { background: 'color', background_color: '#ffffff' });
  assert.equal(alphaAt(white.output, 0, 0), 255, 'opaque on a colour');
  assert.deepEqual([...white.output.pixels.slice(0, 3)], [255, 255, 255], 'the corner is the colour');
  const mask = bridge.render('r', { format: 'mask' });
  assert.ok(isPng(mask.output.png), 'a mask comes as a PNG (canvases cannot encode greyscale)');
  assert.deepEqual(Object.keys(again.timings), ['postprocess']);
});

test('keep takes the pixels and mask back after another image took its place', async () => {
  const { outcome: first } = await removeDisc('k1');
  await removeDisc('k2');
  assert.equal(bridge.is_kept('k1'), false, 'one image is kept at a time');
  bridge.keep('k1', photo(), WIDTH, HEIGHT, first.mask, ...first.maskShape);
  assert.equal(bridge.is_kept('k1'), true);
  const again = bridge.render('k1', {});
  assert.deepEqual(again.output.pixels, first.output.pixels);
});

test('an erase stroke clears the subject under it; hints_png writes the strokes as peel --hints reads them', async () => {
  await removeDisc('e');
  const centre = [WIDTH / 2, HEIGHT / 2];
  const edits = { strokes: [{ tool: 'erase', radius: 4, points: [centre] }], snap: false };
  const erased = bridge.render('e', {}, undefined, undefined, undefined, edits);
  assert.equal(alphaAt(erased.output, ...centre), 0);
  assert.equal(alphaAt(erased.output, WIDTH / 2 + 9, HEIGHT / 2), 255, 'beside the stroke the subject stays');
  const hints = bridge.hints_png(WIDTH, HEIGHT, edits);
  assert.ok(isPng(hints.png));
  const grey = pyodide.runPython(`
import io
from PIL import Image
import numpy as np
def grey_at(png, x, y):
    return int(np.asarray(Image.open(io.BytesIO(bytes(png))))[y, x])
grey_at`);
  assert.equal(grey(hints.png, ...centre), 0, 'erase is 0');
  assert.equal(grey(hints.png, 0, 0), 128, 'no hint is 128');
  grey.destroy();
});

test('render_region after a stroke gives the box that changed and its pixels: patched in, the output equals a fresh render', async () => {
  const { outcome } = await removeDisc('region-0');
  const [width, height] = [400, 300];
  const edits = { strokes: [{ tool: 'erase', radius: 10, points: [[190, 150], [230, 150]] }], snap: true };
  for (const settings of [{}, { background: 'color', background_color: '#00ff00' }]) {
    bridge.keep('region', photo(width, height), width, height, outcome.mask, MODEL_SIZE, MODEL_SIZE);
    const output = bridge.render('region', settings).output;
    const region = bridge.render_region('region', settings, undefined, undefined, undefined, edits, false);
    assert.equal(region.error, undefined);
    assert.equal(region.output, undefined, 'the patch alone without `whole`');
    const { box, patch } = region;
    assert.ok(box.width > 0 && box.width < width && box.height < height, `a region: ${JSON.stringify(box)}`);
    assert.deepEqual([patch.width, patch.height], [box.width, box.height]);
    for (let y = 0; y < box.height; y++) {
      output.pixels.set(patch.pixels.subarray(y * box.width * 4, (y + 1) * box.width * 4), ((box.y + y) * width + box.x) * 4);
    }
    bridge.keep('fresh', photo(width, height), width, height, outcome.mask, MODEL_SIZE, MODEL_SIZE);
    const fresh = bridge.render('fresh', settings, undefined, undefined, undefined, edits).output;
    assert.deepEqual(output.pixels, fresh.pixels, JSON.stringify(settings));
    assert.equal(alphaAt(fresh, 210, 150), settings.background ? 255 : 0, 'erased');
  }
});

test('encode_png writes RGBA pixels as a PNG file', () => {
  const png = bridge.encode_png(photo(), WIDTH, HEIGHT);
  assert.ok(png instanceof Uint8Array);
  assert.ok(isPng(png));
});

test('expected failures come back as {error: {name, code, message}}, never as a Python traceback', async () => {
  const unknown = bridge.render('never-kept', {});
  assert.equal(unknown.error.code, ErrorCode.INVALID_ARGUMENT);
  await removeDisc('s');
  const bad = bridge.render('s', { feather: -3 });
  assert.equal(bad.error.code, ErrorCode.INVALID_ARGUMENT);
  assert.match(bad.error.message, /feather/);
  const wrongSize = await bridge.remove('w', photo(), WIDTH, HEIGHT, async () => new Float32Array(7), {});
  assert.equal(wrongSize.error.code, ErrorCode.BAD_MODEL_OUTPUT);
});

test("a person's model file: refused from its size alone, recognised from its bytes, then a valid model setting", async () => {
  const tooLarge = bridge.check_model_size(600 * 2 ** 20, 'huge.onnx');
  assert.equal(tooLarge.error.code, ErrorCode.MODEL_TOO_LARGE);
  assert.match(tooLarge.error.message, /^huge\.onnx: the file is 629\.1 MB, larger than the 536\.9 MB/);
  assert.deepEqual(Object.keys(bridge.check_model_size(1000, 'small.onnx')), []);
  const zeros = bridge.add_model(new Uint8Array(1_000_000), 'zeros.onnx');
  assert.equal(zeros.error.code, ErrorCode.NOT_ONNX);
  assert.match(zeros.error.message, /^zeros\.onnx: not an ONNX model/);

  // The served u2netp under another name: a U²-Net file like any rembg user's.
  const bytes = new Uint8Array(readFileSync(`${DIST}models/u2netp-320.onnx`));
  const info = bridge.add_model(bytes, 'u2netp-320.onnx', null, 'mine');
  assert.equal(info.error, undefined, info.error?.message);
  assert.deepEqual([info.name, info.family, info.inputSize, info.size, info.inputDtype], ['mine', 'u2net', 320, bytes.length, 'float32']);
  const { outcome, calls } = await removeDisc('mine-image', { model: 'mine' });
  assert.equal(outcome.error, undefined, outcome.error?.message);
  assert.deepEqual(calls[0].dims, [1, 3, MODEL_SIZE, MODEL_SIZE]);
  // A render runs no model: an image made with a file this Python does not know (a later visit,
  // or the file was removed) renders from its kept mask all the same.
  const again = bridge.render('mine-image', { model: 'removed-long-ago' });
  assert.equal(again.error, undefined, again.error?.message);
  assert.deepEqual(again.output.pixels, outcome.output.pixels);
});
