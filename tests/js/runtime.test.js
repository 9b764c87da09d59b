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
    has: (model) => model === 'u2netp',
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
  return { handle, posted, reply, bridge, waiting, holdInference: () => (hold = true) };
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
  assert.deepEqual(OffscreenCanvas.made.filter((canvas) => canvas.width || canvas.height), []);
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
