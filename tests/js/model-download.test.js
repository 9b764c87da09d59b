// The worker's on-demand models (js/worker/models.js): download with progress, one session, a
// clear error when the file cannot be had.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ensureModel } from '../../js/worker/models.js';

function fakeRuntime(bytes) {
  const loaded = [];
  return {
    loaded,
    inference: {
      has: (name) => loaded.some((entry) => entry.name === name),
      load: async (name, model, options) => loaded.push({ name, size: model.byteLength, options }),
    },
    manifest: { files: { 'models/modnet.onnx': bytes }, models: { modnet: ['models/modnet.onnx'] } },
  };
}

test('a model is downloaded once, with progress, and loaded on the CPU provider', async (t) => {
  const body = new Uint8Array(300_000).fill(7);
  const calls = [];
  t.mock.method(globalThis, 'fetch', async (url) => {
    calls.push(String(url));
    return new Response(body);
  });
  const runtime = fakeRuntime(body.byteLength);
  const progress = [];
  await Promise.all([ensureModel(runtime, 'modnet', (p) => progress.push(p)), ensureModel(runtime, 'modnet')]);
  await ensureModel(runtime, 'modnet');
  assert.equal(calls.length, 1);
  assert.match(calls[0], /models\/modnet\.onnx$/);
  assert.deepEqual(runtime.loaded, [{ name: 'modnet', size: body.byteLength, options: { cpuOnly: true } }]);
  assert.equal(progress.at(-1).loaded, body.byteLength);
  assert.ok(progress.every((p) => p.model === 'modnet' && p.total === body.byteLength));
});

test('the default model needs nothing; a failed download says so by code, and may be retried', async (t) => {
  const runtime = fakeRuntime(10);
  await ensureModel(runtime, 'u2netp');
  t.mock.method(globalThis, 'fetch', async () => new Response('nope', { status: 404 }));
  await assert.rejects(ensureModel(runtime, 'modnet'), { code: 'model-download-failed', message: /could not be downloaded/ });
  t.mock.method(globalThis, 'fetch', async () => {
    throw new TypeError('Failed to fetch');
  });
  await assert.rejects(ensureModel(runtime, 'modnet'), { code: 'model-download-failed', message: /offline/ });
  t.mock.method(globalThis, 'fetch', async () => new Response(new Uint8Array(10)));
  await ensureModel(runtime, 'modnet');
  assert.equal(runtime.loaded.length, 1);
});
