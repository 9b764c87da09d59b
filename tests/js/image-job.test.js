// The page's image model (js/page/image-job.js) in its queue, with a fake engine whose remove and
// render wait for the test to settle them: processing, latest-wins rerenders, edits, cancel,
// forget, and what can be stored.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ImageJob, createJobQueue } from '../../js/page/image-job.js';
import { ErrorCode } from '../../js/shared/protocol.js';

const file = (name) => new File(['x'], name);
const tick = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};
const stroke = (x) => ({ tool: 'erase', radius: 4, points: [[x, x]] });

/** The engine's remove, render and renderRegion ('region'), each call held until the test settles it. */
function fakeEngine() {
  const calls = [];
  const call = (type) => (blob, ...rest) => new Promise((resolve, reject) => {
    const options = rest.at(-1);
    calls.push({ type, name: blob.name, mask: type === 'remove' ? undefined : rest[0], options, resolve, reject });
  });
  return { calls, remover: { remove: call('remove'), render: call('render'), renderRegion: call('region') } };
}

function setup({ ready = () => true } = {}) {
  const engine = fakeEngine();
  const log = [];
  const form = { settings: { format: 'png', threshold: 0.5 }, background: undefined };
  const hooks = {
    remover: async () => engine.remover,
    settings: () => ({ settings: { ...form.settings }, background: form.background }),
    snap: () => true,
    isModelReady: (model) => ready(model),
    onChange: (job) => log.push(`${job.file.name}:${job.state}${job.rendering ? '+rendering' : ''}`),
    onPreview: (job, preview) => log.push(`${job.file.name}:preview:${preview}`),
    onBusy: (job) => log.push(`${job.file.name}:busy=${job.busy}`),
    onEngineDied: () => log.push('engine died'),
  };
  const jobs = createJobQueue(hooks);
  /** Settle the oldest open call of this type (for this image, if named). */
  const settle = async (type, name, value) => {
    await tick();
    const index = engine.calls.findIndex((c) => c.type === type && (!name || c.name === name));
    assert.notEqual(index, -1, `no ${type} call open for ${name}`);
    const [found] = engine.calls.splice(index, 1);
    await tick();
    if (value instanceof Error) found.reject(value);
    else found.resolve(value);
    await tick();
    return found;
  };
  return { jobs, engine, log, form, settle };
}

const removed = (name, imageId = `${name}-1`) => ({ blob: name, preview: 'p', mask: new Float32Array(4), maskShape: [2, 2], imageId, model: 'u2netp' });

/** A queue with these images processed (done). */
async function finished(names, options) {
  const context = setup(options);
  const added = context.jobs.add(names.map(file), { model: 'u2netp' });
  for (const name of names) {
    await tick();
    await context.settle('remove', name, removed(name));
  }
  return { ...context, added };
}

test('each added image is an ImageJob that declares its fields, and processing fills them in', async () => {
  const { jobs, engine, settle } = setup();
  const [a] = jobs.add([file('a.png')], { model: 'u2netp' });
  assert.ok(a instanceof ImageJob);
  assert.deepEqual(Object.keys(a).sort(), ['batch', 'edits', 'error', 'file', 'format', 'hooks', 'id', 'keptId', 'look', 'mask', 'maskShape',
    'model', 'ms', 'outputLook', 'productLayout', 'renderError', 'renderedStrokes', 'rendering', 'rerenderDue', 'rerenderExpected',
    'rerenderRunning', 'result', 'state'].sort());
  await tick();
  assert.equal(a.state, 'working');
  assert.equal(engine.calls[0].options.settings.model, 'u2netp', 'its own model, not the form\'s');
  await settle('remove', 'a.png', removed('a.png'));
  assert.equal(a.state, 'done');
  assert.equal(a.imageId, 'a.png-1');
  assert.deepEqual(a.maskShape, [2, 2]);
  assert.equal(a.format, 'png');
  assert.equal(a.productLayout, false);
  assert.equal(a.busy, false);
});

test('an image brought back with its mask is only rendered, with the settings and strokes it was kept with', async () => {
  const { jobs, engine, settle, form } = setup();
  const mask = new Float32Array([0, 1, 1, 0]);
  const kept = { id: 'k1', mask, maskShape: [2, 2], settings: { format: 'webp', threshold: 0.7 },
    edits: { states: [[], [stroke(1)]], index: 1 } };
  form.settings.threshold = 0.2; // the form says otherwise: the kept settings win for its first render
  const [a] = jobs.add([file('a.png')], { model: 'u2netp', kept });
  assert.equal(a.keptId, 'k1');
  assert.equal(a.edits.count, 1);
  const call = await settle('render', 'a.png', { blob: 'b', preview: 'p', width: 2, height: 2, imageId: 'a.png-1' });
  assert.equal(call.mask, mask, 'its kept mask, no model run');
  assert.deepEqual(call.options.settings, { format: 'webp', threshold: 0.7, model: 'u2netp' });
  assert.deepEqual(call.options.edits.strokes, [stroke(1)]);
  assert.equal(a.state, 'done');
  assert.equal(a.format, 'webp');
  assert.deepEqual(a.record().settings, { format: 'webp', threshold: 0.7, model: 'u2netp' });
  // A settings change in its scope with another model: that model's mask is made anew.
  await a.useSettings({ settings: { format: 'webp', model: 'isnet' } });
  assert.equal(a.mask, null);
  assert.equal(a.state, 'working');
  await settle('remove', 'a.png', removed('a.png'));
  assert.equal(a.state, 'done');
  assert.equal(engine.calls.length, 0);
});

test('an image brought back in its failed state shows its error and does not run', async () => {
  const { jobs, engine } = setup();
  const [a] = jobs.add([file('a.png')], { model: 'u2netp', state: 'error', kept: { id: 'k2', error: { code: 'corrupt-image', message: 'bad' } } });
  await tick();
  assert.equal(a.state, 'error');
  assert.equal(a.error.code, 'corrupt-image');
  assert.equal(engine.calls.length, 0);
});

test('a rerender requested while one runs is merged into the next one: never a queue', async () => {
  const { added: [a], engine, settle, form, log } = await finished(['a.png']);
  a.rerender();
  await tick();
  assert.equal(engine.calls.length, 1);
  assert.equal(a.busy, true);
  assert.equal(a.rendering, true);
  const look = (threshold) => ({ settings: { ...form.settings, threshold }, background: form.background });
  a.useSettings(look(0.6));
  a.useSettings(look(0.7));
  const last = a.useSettings(look(0.8));
  const first = await settle('render', 'a.png', { blob: 'b2', imageId: 'a.png-2' });
  assert.equal(first.options.imageId, 'a.png-1');
  assert.equal(engine.calls.length, 1, 'three requests, one more render');
  assert.equal(engine.calls[0].options.settings.threshold, 0.8, 'the latest settings win');
  assert.equal(engine.calls[0].options.imageId, 'a.png-2', 'it names the image the first one kept');
  assert.equal(a.busy, true);
  await settle('render', 'a.png', { blob: 'b3', imageId: 'a.png-3' });
  await last;
  assert.equal(engine.calls.length, 0);
  assert.equal(a.result.blob, 'b3');
  assert.equal(a.result.model, 'u2netp', 'fields of the first result that a rerender does not give are kept');
  assert.equal(a.busy, false);
  assert.equal(a.rendering, false);
  assert.equal(log.at(-1), 'a.png:busy=false');
  assert.equal(log.filter((line) => line === 'a.png:done+rendering').length, 1, 'one rerender, as the queue sees it');
});

test('a rerender sends the kept mask, the strokes in effect and snap; its preview marks them shown', async () => {
  const { added: [a], engine, settle, log } = await finished(['a.png']);
  const mask = a.mask;
  a.addStroke(stroke(1));
  await tick();
  const [{ options }] = engine.calls;
  assert.equal(engine.calls[0].mask, mask);
  assert.deepEqual(options.edits, { strokes: [stroke(1)], snap: true });
  assert.deepEqual(a.renderedStrokes, []);
  options.onPreview({ preview: 'look' });
  assert.deepEqual(a.renderedStrokes, [stroke(1)]);
  assert.ok(log.includes('a.png:preview:look'));
  await settle('region', 'a.png', { blob: 'b2', imageId: 'a.png-2' });
  assert.equal(a.edits.count, 1);
  assert.equal(a.undo(), true);
  assert.equal(a.undo(), false, 'nothing left to undo: no rerender asked for');
  await tick();
  assert.deepEqual(engine.calls[0].options.edits.strokes, []);
});

test('a stroke added to image A while B finishes stays on A', async () => {
  const context = setup();
  const { jobs, engine, settle } = context;
  const [a, b] = jobs.add([file('a.png'), file('b.png')], { model: 'u2netp' });
  await tick();
  await settle('remove', 'a.png', removed('a.png'));
  assert.equal(b.state, 'working');
  a.addStroke(stroke(7)); // painted on A while B runs
  await tick();
  const render = engine.calls.find((c) => c.type === 'region');
  assert.equal(render.name, 'a.png');
  await settle('remove', 'b.png', removed('b.png')); // B finishes meanwhile
  assert.equal(b.state, 'done');
  await settle('region', 'a.png', { blob: 'a2', imageId: 'a.png-2' });
  assert.deepEqual(a.edits.strokes, [stroke(7)]);
  assert.deepEqual(b.edits.strokes, [], 'B got none of it');
  assert.equal(engine.calls.length, 0, 'B is not rerendered');
});

test('a failed rerender keeps the output and says why; the next one clears it', async () => {
  const { added: [a], settle } = await finished(['a.png']);
  a.rerender();
  await settle('render', 'a.png', new Error('no'));
  assert.equal(a.renderError.message, 'no');
  assert.equal(a.result.blob, 'a.png');
  assert.equal(a.busy, false);
  a.rerender();
  await settle('render', 'a.png', { blob: 'a3', imageId: 'a.png-3' });
  assert.equal(a.renderError, undefined);
  assert.equal(a.result.blob, 'a3');
});

test('an image that is not finished, or forgotten mid-rerender, is not rendered again', async () => {
  const { jobs, engine, settle } = setup();
  const [a] = jobs.add([file('a.png')], { model: 'u2netp' });
  await a.rerender(); // working
  assert.equal(a.busy, false);
  assert.equal(engine.calls.filter((c) => c.type === 'render').length, 0);
  await settle('remove', 'a.png', removed('a.png'));
  a.rerender();
  await tick();
  a.rerender(); // due after the running one
  assert.equal(a.forget(), true);
  assert.deepEqual(jobs.items, []);
  await settle('render', 'a.png', { blob: 'a2', imageId: 'a.png-2' });
  assert.equal(engine.calls.length, 0, 'the due rerender of a forgotten image never runs');
  assert.equal(a.busy, false);
});

test('cancel takes a queued image out; forget refuses a running one', async () => {
  const { jobs, settle } = setup();
  const [a, b] = jobs.add([file('a.png'), file('b.png')], { model: 'u2netp' });
  await tick();
  b.cancel();
  assert.equal(b.state, 'cancelled');
  assert.equal(a.forget(), false);
  await settle('remove', 'a.png', removed('a.png'));
  assert.equal(a.forget(), true);
  assert.deepEqual(jobs.items, [b]);
});

test('new settings rerender with the same model, and process again with another', async () => {
  const { added: [a, b], engine, settle } = await finished(['a.png', 'b.png']);
  const sameModel = a.useSettings({ settings: { format: 'png', model: 'u2netp' } });
  await tick();
  assert.equal(engine.calls[0].type, 'render');
  await settle('render', 'a.png', { blob: 'a2', imageId: 'a.png-2' });
  await sameModel;
  await b.useSettings({ settings: { format: 'png', model: 'modnet' } });
  await tick();
  assert.equal(b.model, 'modnet');
  assert.equal(b.state, 'working');
  assert.equal(engine.calls[0].type, 'remove');
  assert.equal(engine.calls[0].options.settings.model, 'modnet');
});

test('an image waits for its model while the model is not on this device', async () => {
  const ready = new Set(['u2netp']);
  const { jobs, engine } = setup({ ready: (model) => ready.has(model) });
  const [a] = jobs.add([file('a.png')], { model: 'modnet' });
  await tick();
  assert.equal(a.state, 'queued');
  assert.equal(a.waitingForModel, true);
  assert.equal(engine.calls.length, 0);
  ready.add('modnet');
  jobs.run();
  await tick();
  assert.equal(a.waitingForModel, false);
  assert.equal(a.state, 'working');
});

test("an image brought back with its mask renders also when its model is not here (a person's file, removed)", async () => {
  const { jobs, engine } = setup({ ready: (model) => model === 'u2netp' });
  const kept = { id: 'k3', mask: new Float32Array(4), maskShape: [2, 2], settings: { format: 'png' } };
  const [a] = jobs.add([file('a.png')], { model: 'my-isnet', kept });
  await tick();
  assert.equal(a.waitingForModel, false);
  assert.equal(a.state, 'working');
  assert.deepEqual(engine.calls.map((c) => [c.type, c.options.settings.model]), [['render', 'my-isnet']]);
});

test('a settings control moving says at once that a rerender is due, and a model change takes it back', async () => {
  const { added: [a], log } = await finished(['a.png']);
  a.expectRerender();
  assert.equal(a.busy, true);
  assert.equal(log.at(-1), 'a.png:busy=true');
  a.expectRerender(false);
  assert.equal(a.busy, false);
});

test('a worker that died under an image asks for a fresh engine and fails that image', async () => {
  const { jobs, settle, log } = setup();
  const [a] = jobs.add([file('a.png')], { model: 'u2netp' });
  await tick();
  await settle('remove', 'a.png', Object.assign(new Error('died'), { code: ErrorCode.WORKER_DIED }));
  assert.equal(a.state, 'error');
  assert.ok(log.includes('engine died'));
});

test('its record can be stored (structured clone) and holds the file, model, mask and edits', async () => {
  const { added: [a], settle } = await finished(['a.png']);
  a.addStroke(stroke(3));
  await settle('region', 'a.png', { blob: 'a2', imageId: 'a.png-2' });
  const { file: original, ...rest } = a.record();
  assert.equal(original, a.file); // a File clones in browsers (IndexedDB takes it), not in Node 20
  const record = structuredClone(rest);
  assert.equal(record.model, 'u2netp');
  assert.deepEqual(record.maskShape, [2, 2]);
  assert.ok(record.mask instanceof Float32Array);
  assert.deepEqual(record.edits, { states: [[], [stroke(3)]], index: 1 });
});

test('an image keeps the settings it was made with: a form change outside its scope, then a stroke, does not restyle it', async () => {
  const { added: [a, b], engine, settle, form } = await finished(['a.png', 'b.png']);
  assert.equal(a.lookKey, b.lookKey);
  form.settings.format = 'jpeg'; // changed for another image only (scope: this image)
  b.useSettings({ settings: { ...form.settings }, background: undefined });
  await settle('render', 'b.png', { blob: 'b2', imageId: 'b.png-2' });
  a.addStroke(stroke(1));
  await tick();
  assert.equal(engine.calls[0].options.settings.format, 'png', 'a stroke renders with its own settings');
  assert.notEqual(a.lookKey, b.lookKey, 'made with different settings');
});

test('a change of strokes alone asks for the region render; a settings change, or a product canvas, for a full one', async () => {
  const { added: [a], engine, settle, form } = await finished(['a.png']);
  a.addStroke(stroke(1));
  await tick();
  assert.deepEqual(engine.calls.map((c) => c.type), ['region'], 'a stroke on the output it was made with');
  assert.equal(engine.calls[0].options.imageId, 'a.png-1');
  await settle('region', 'a.png', { blob: 'a2', imageId: 'a.png-1' });
  a.undo();
  await tick();
  assert.equal(engine.calls[0].type, 'region', 'undo changes strokes only too');
  await settle('region', 'a.png', { blob: 'a3', imageId: 'a.png-1' });
  // New settings: all of it is made again, and the stroke after it patches that output.
  a.useSettings({ settings: { ...form.settings, threshold: 0.9 } });
  await tick();
  a.addStroke(stroke(2)); // painted while the settings render runs
  await settle('render', 'a.png', { blob: 'a4', imageId: 'a.png-1' });
  assert.equal(engine.calls[0].type, 'region', 'the stroke after the settings render patches that render');
  assert.equal(engine.calls[0].options.settings.threshold, 0.9);
  await settle('region', 'a.png', { blob: 'a5', imageId: 'a.png-1' });
  // A settings change: all of it; nothing changed: all of it (what was asked for).
  a.useSettings({ settings: { ...form.settings, threshold: 0.3 } });
  await tick();
  assert.deepEqual(engine.calls.map((c) => c.type), ['render']);
  await settle('render', 'a.png', { blob: 'a6', imageId: 'a.png-1' });
  a.rerender();
  await settle('render', 'a.png', { blob: 'a6', imageId: 'a.png-1' });
  // A product canvas: a stroke may move the layout, so it is always made whole.
  a.useSettings({ settings: { ...form.settings, product: true } });
  await settle('render', 'a.png', { blob: 'a7', imageId: 'a.png-1' });
  a.addStroke(stroke(4));
  await tick();
  assert.deepEqual(engine.calls.map((c) => c.type), ['render']);
  await settle('render', 'a.png', { blob: 'a8', imageId: 'a.png-1' });
});

test('after a failed settings render the next stroke renders all: the output shown has the old look', async () => {
  const { added: [a], engine, settle, form } = await finished(['a.png']);
  a.useSettings({ settings: { ...form.settings, feather: 3 } });
  await settle('render', 'a.png', new Error('no'));
  a.addStroke(stroke(1));
  await tick();
  assert.equal(engine.calls[0].type, 'render', 'the output shown was made with the old look');
  await settle('render', 'a.png', { blob: 'a2', imageId: 'a.png-2' });
});
