// The worker's runtime (js/worker/runtime.js) with the real jobs, driven as stlite drives its
// worker: a fake `post`, and a boot that gives a fake bridge (peel.bridge's API) and a fake
// inference (onnxruntime's), so every request, event and error code can be checked without
// Pyodide or onnxruntime.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { startRuntime } from '../../js/worker/runtime.js';
import { ErrorCode, Event, PeelError, Request } from '../../js/shared/protocol.js';
import { installFakeCanvas } from './fake-canvas.js';

before(installFakeCanvas);

/** peel.bridge's functions, recording their calls; `inspectError` makes inspect refuse. */
function fakeBridge({ inspectError } = {}) {
  const kept = new Set();
  return {
    calls: [],
    inspect(bytes) {
      this.calls.push(['inspect', bytes.length]);
      return inspectError ? { error: inspectError } : { notes: ['first frame'] };
    },
    async remove(imageId, data, width, height, infer, settings) {
      this.calls.push(['remove', width, height, settings]);
      await infer(new Float32Array(3 * 320 * 320));
      kept.add(imageId);
      return { timings: { prepare: 1 }, mask: new Float32Array(320 * 320), output: { width, height, pixels: new Uint8ClampedArray(width * height * 4) } };
    },
    is_kept: (imageId) => kept.has(imageId),
    keep(imageId) {
      kept.add(imageId);
    },
    render(imageId, settings) {
      this.calls.push(['render', imageId, settings]);
      return { timings: { render: 2 }, output: { width: 4, height: 3, pixels: new Uint8ClampedArray(48) } };
    },
    render_region(imageId, settings, background, width, height, edits, whole) {
      this.calls.push(['render_region', imageId, settings, whole]);
      const box = { x: 1, y: 1, width: 2, height: 1 };
      return { timings: { postprocess: 3 }, box, patch: { width: 2, height: 1, pixels: new Uint8ClampedArray(8) } };
    },
  };
}

/** A runtime whose inference waits for the test when `hold` is set. */
function harness({ bridge = fakeBridge(), bootError, inferenceError } = {}) {
  const posted = [];
  const waiting = [];
  let hold = false;
  const inference = {
    label: 'WASM ×2',
    labelOf: () => 'WASM ×2',
    has: (model) => model === 'u2netp' || inference.loads.some(([name]) => name === model),
    loads: [],
    released: [],
    async release(name) {
      this.released.push(name);
    },
    loadError: null,
    async load(name, bytes, options) {
      if (this.loadError) throw this.loadError;
      this.loads.push([name, bytes.length, options]);
    },
    run: (tensor) => {
      if (inferenceError) return Promise.reject(new Error(inferenceError));
      const output = new Float32Array(tensor.length / 3);
      return hold ? new Promise((resolve) => waiting.push(() => resolve(output))) : Promise.resolve(output);
    },
  };
  const boot = async (options, onProgress) => {
    onProgress({ message: 'Downloading', loaded: 1, total: 2 });
    if (bootError) throw bootError;
    return { bridge, inference, memory: () => ({ python: 1 }), info: { backend: 'WASM ×2', backendId: 'wasm', options } };
  };
  const handle = startRuntime((message, transfer) => posted.push({ message, transfer }), { boot });
  const reply = (id) => until(() => posted.find(({ message }) => message.id === id));
  const until = async (find) => {
    for (let i = 0; i < 200; i++) {
      const found = find();
      if (found) return found;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error('no reply');
  };
  return { handle, posted, reply, bridge, inference, waiting, holdInference: () => (hold = true) };
}

const image = () => new Blob(['pixels']);

test('INIT boots once, reports progress and answers with the runtime info', async () => {
  const { handle, posted, reply } = harness();
  handle({ id: 1, type: Request.INIT, payload: { backend: 'wasm' } });
  const { message } = await reply(1);
  assert.deepEqual(message, { id: 1, ok: true, result: { backend: 'WASM ×2', backendId: 'wasm', options: { backend: 'wasm' } } });
  assert.deepEqual(posted[0].message, { type: Event.PROGRESS, payload: { message: 'Downloading', loaded: 1, total: 2 } });
});

test('REMOVE: header, decode, Python with the model, a preview event, then the file; the mask is transferred', async () => {
  const { handle, posted, reply, bridge } = harness();
  handle({ id: 1, type: Request.INIT, payload: {} });
  handle({ id: 2, type: Request.REMOVE, payload: { blob: image(), settings: { format: 'webp' } } });
  const { message, transfer } = await reply(2);
  assert.equal(message.ok, true, JSON.stringify(message.error));
  const { result } = message;
  assert.equal(result.blob.type, 'image/webp');
  assert.equal(result.backend, 'WASM ×2');
  assert.deepEqual([result.width, result.height], [4, 3]);
  assert.deepEqual(result.notes, ['first frame']);
  assert.ok(result.imageId && result.mask instanceof Float32Array);
  assert.deepEqual(transfer, [result.mask.buffer]);
  for (const stage of ['inspect', 'decode', 'prepare', 'inference', 'preview', 'encode', 'total']) {
    assert.equal(typeof result.timings[stage], 'number', stage);
  }
  const preview = posted.find(({ message: m }) => m.type === Event.PREVIEW);
  assert.equal(preview.message.payload.id, 2, 'the preview names its request');
  assert.deepEqual(bridge.calls.map(([name]) => name), ['inspect', 'remove']);
});

test('RENDER of a kept image runs Python only: no decode, no model', async () => {
  const { handle, reply, bridge } = harness();
  handle({ id: 1, type: Request.INIT, payload: {} });
  handle({ id: 2, type: Request.REMOVE, payload: { blob: image(), settings: {} } });
  const { imageId, mask } = (await reply(2)).message.result;
  handle({ id: 3, type: Request.RENDER, payload: { blob: image(), mask, imageId, settings: { feather: 2 } } });
  const { message } = await reply(3);
  assert.equal(message.ok, true);
  assert.equal(message.result.timings.decode, undefined);
  assert.deepEqual(bridge.calls.at(-1), ['render', imageId, { feather: 2 }]);
});

test('RENDER_REGION patches the kept output at the box; another look or another image renders all', async () => {
  const { handle, posted, reply, bridge } = harness();
  handle({ id: 1, type: Request.INIT, payload: {} });
  handle({ id: 2, type: Request.REMOVE, payload: { blob: image(), settings: { feather: 2 } } });
  const { imageId, mask } = (await reply(2)).message.result;
  const edits = { strokes: [{ tool: 'erase', radius: 1, points: [[1, 1]] }], snap: true };
  const region = (id, settings, forImage = imageId) =>
    handle({ id, type: Request.RENDER_REGION, payload: { blob: image(), mask, imageId: forImage, settings, edits } });
  region(3, { feather: 2 });
  const { message } = await reply(3);
  assert.equal(message.ok, true, JSON.stringify(message.error));
  assert.deepEqual(message.result.box, { x: 1, y: 1, width: 2, height: 1 });
  assert.deepEqual([message.result.width, message.result.height], [4, 3]);
  assert.equal(message.result.timings.decode, undefined, 'nothing decoded');
  for (const stage of ['postprocess', 'patch', 'preview', 'encode']) assert.equal(typeof message.result.timings[stage], 'number', stage);
  assert.deepEqual(bridge.calls.at(-1), ['render_region', imageId, { feather: 2 }, false]);
  assert.ok(posted.some(({ message: m }) => m.type === Event.PREVIEW && m.payload.id === 3), 'its preview first');
  // Another look: the patch would be wrong outside the box, so all of it is rendered.
  region(4, { feather: 3 });
  assert.equal((await reply(4)).message.ok, true);
  assert.deepEqual(bridge.calls.at(-1), ['render', imageId, { feather: 3 }]);
  region(5, { feather: 3 });
  await reply(5);
  assert.equal(bridge.calls.at(-1)[0], 'render_region', 'that render is kept and patched next');
  // Another image rendered since: the worker keeps its output, not this one's.
  handle({ id: 6, type: Request.REMOVE, payload: { blob: image(), settings: { feather: 3 } } });
  await reply(6);
  region(7, { feather: 3 });
  assert.equal((await reply(7)).message.ok, true);
  assert.equal(bridge.calls.at(-1)[0], 'render');
  // A product canvas is never patched.
  region(8, { feather: 3, product: true });
  await reply(8);
  assert.equal(bridge.calls.at(-1)[0], 'render');
});

test('every canvas a job makes is freed when the job ends, not left to the garbage collector', async () => {
  const { handle, reply } = harness();
  handle({ id: 1, type: Request.INIT, payload: {} });
  OffscreenCanvas.made.length = 0;
  handle({ id: 2, type: Request.REMOVE, payload: { blob: image(), settings: {} } });
  const { mask } = (await reply(2)).message.result;
  // Not kept (another id): the file is decoded again, with a background image decoded too.
  handle({ id: 3, type: Request.RENDER, payload: { blob: image(), mask, imageId: 'gone',
    settings: { background: 'image' }, background: image() } });
  assert.equal((await reply(3)).message.ok, true);
  assert.ok(OffscreenCanvas.made.length >= 6, `${OffscreenCanvas.made.length} canvases`); // decode, output, preview ×2, backdrop
  // Only the last output and its preview keep pixels: the worker keeps them for a stroke's patch
  // (kept-output.js), and lets them go before the next job's.
  const holding = OffscreenCanvas.made.filter((canvas) => canvas.width || canvas.height);
  assert.equal(holding.length, 2, `${holding.length} canvases hold pixels`);
  assert.deepEqual(holding.map(({ width, height }) => [width, height]), [[4, 3], [4, 3]]);
  handle({ id: 4, type: Request.RENDER, payload: { blob: image(), mask, imageId: 'gone again', settings: {} } });
  assert.equal((await reply(4)).message.ok, true);
  assert.ok(holding.every((canvas) => canvas.width === 0 && canvas.height === 0), 'the pair kept before is freed');
});

test('errors cross the boundary as {name, code, message}, by code', async () => {
  const tooLarge = { name: 'ImageTooLargeError', code: 'too-large', message: 'Too big.' };
  const cases = [
    [harness({ bridge: fakeBridge({ inspectError: tooLarge }) }), image(), tooLarge.code],
    [harness(), new Blob(['corrupt']), ErrorCode.CORRUPT_IMAGE],
    [harness({ inferenceError: 'out of luck' }), image(), ErrorCode.INFERENCE_FAILED],
  ];
  for (const [{ handle, reply }, blob, code] of cases) {
    handle({ id: 1, type: Request.INIT, payload: {} });
    handle({ id: 2, type: Request.REMOVE, payload: { blob, settings: {} } });
    const { message } = await reply(2);
    assert.equal(message.ok, false);
    assert.equal(message.error.code, code);
    assert.equal(typeof message.error.message, 'string');
    assert.deepEqual(Object.keys(message.error).sort(), ['code', 'message', 'name']);
  }
});

test('jobs run one at a time; a cancelled job answers cancelled, PING answers at once', async () => {
  const { handle, reply, waiting, holdInference } = harness();
  holdInference();
  handle({ id: 1, type: Request.INIT, payload: {} });
  handle({ id: 2, type: Request.REMOVE, payload: { blob: image(), settings: {} } });
  handle({ id: 3, type: Request.REMOVE, payload: { blob: image(), settings: {} } });
  handle({ id: 4, type: Request.CANCEL, payload: { id: 3 } });
  handle({ id: 5, type: Request.PING, payload: null });
  assert.deepEqual((await reply(5)).message, { id: 5, ok: true, result: null });
  while (!waiting.length) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(waiting.length, 1, 'the second job waits for the first');
  waiting.shift()();
  assert.equal((await reply(2)).message.ok, true);
  const cancelled = (await reply(3)).message;
  assert.equal(cancelled.error.code, ErrorCode.CANCELLED);
  assert.equal(cancelled.error.name, 'AbortError');
});

test('a failed boot fails INIT and every job with its code; unknown requests are internal errors', async () => {
  const bootError = new PeelError({ code: ErrorCode.RUNTIME_FAILED, message: 'Peel could not start.' });
  const { handle, reply } = harness({ bootError });
  handle({ id: 1, type: Request.REMOVE, payload: { blob: image(), settings: {} } });
  assert.equal((await reply(1)).message.error.code, ErrorCode.RUNTIME_FAILED, 'before INIT');
  handle({ id: 2, type: Request.INIT, payload: {} });
  handle({ id: 3, type: Request.REMOVE, payload: { blob: image(), settings: {} } });
  handle({ id: 4, type: 'nonsense', payload: null });
  assert.equal((await reply(2)).message.error.code, ErrorCode.RUNTIME_FAILED);
  assert.equal((await reply(3)).message.error.code, ErrorCode.RUNTIME_FAILED);
  assert.equal((await reply(4)).message.error.code, ErrorCode.INTERNAL);
});

test("ADD_MODEL: a person's file is refused from its size unread, else read with progress, registered, then a WASM session", async () => {
  const { handle, posted, reply, bridge, inference } = harness();
  let read = null;
  bridge.check_model_size = (size, fileName) => (size > 100
    ? { error: { name: 'ModelTooLargeError', code: ErrorCode.MODEL_TOO_LARGE, message: `${fileName}: too large` } } : {});
  bridge.add_model = (bytes, fileName, family, name) => {
    read = [...bytes];
    return { name: name ?? 'mine', family: family ?? 'isnet', familyLabel: 'ISNet (DIS)', inputSize: 1024, size: bytes.length };
  };
  handle({ id: 1, type: Request.INIT, payload: {} });
  await reply(1);

  handle({ id: 2, type: Request.ADD_MODEL, payload: { file: new Blob([new Uint8Array(1000)]), fileName: 'big.onnx', key: 'file:1' } });
  assert.equal((await reply(2)).message.error.code, ErrorCode.MODEL_TOO_LARGE);
  assert.equal(read, null, 'nothing was read');

  handle({ id: 3, type: Request.ADD_MODEL, payload: { file: new Blob([new Uint8Array([1, 2, 3])]), fileName: 'm.onnx', key: 'file:2' } });
  const added = (await reply(3)).message;
  assert.equal(added.ok, true, added.error?.message);
  assert.deepEqual([added.result.name, added.result.backend], ['mine', 'WASM ×2']);
  assert.deepEqual(read, [1, 2, 3]);
  assert.deepEqual(inference.loads, [['mine', 3, { cpuOnly: true, replace: true }]], 'never WebGPU: not checked');
  const progress = posted.filter(({ message }) => message.type === Event.PROGRESS && message.payload.model === 'file:2');
  assert.deepEqual(progress.map(({ message }) => message.payload.message),
    ['Reading m.onnx', 'Recognising m.onnx', 'Starting mine (ISNet (DIS))']);

  // Its run: the page is told the stage and its deadline (it may take minutes).
  handle({ id: 5, type: Request.REMOVE, payload: { blob: new Blob(['png'], { type: 'image/png' }), settings: { model: 'mine' } } });
  assert.equal((await reply(5)).message.ok, true);
  const running = posted.find(({ message }) => message.type === Event.PROGRESS && message.payload.stage === 'inference');
  assert.deepEqual(running.message.payload, { model: 'mine', message: 'Running mine', stage: 'inference', deadlineMs: 600_000, loaded: 0, total: 0 });
  handle({ id: 6, type: Request.REMOVE, payload: { blob: new Blob(['png'], { type: 'image/png' }), settings: {} } });
  assert.equal((await reply(6)).message.ok, true);
  assert.equal(posted.filter(({ message }) => message.payload?.stage === 'inference').length, 1, 'only for a person\'s file');

  // Removed on the page: its session goes.
  handle({ id: 7, type: Request.FORGET_MODEL, payload: { model: 'mine' } });
  assert.equal((await reply(7)).message.ok, true);
  assert.deepEqual(inference.released, ['mine']);

  inference.loadError = new Error("Can't create a session. failed to load model: bad node");
  handle({ id: 4, type: Request.ADD_MODEL, payload: { file: new Blob([new Uint8Array(3)]), fileName: 'odd.onnx', key: 'file:3' } });
  const failed = (await reply(4)).message.error;
  assert.equal(failed.code, ErrorCode.MODEL_SESSION_FAILED);
  assert.equal(failed.message, 'odd.onnx: onnxruntime could not load this model: failed to load model: bad node');
});
