// The page's queue (js/page/batch.js): one at a time, cancel, remove, progress, re-render.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Batch } from '../../js/page/batch.js';

const file = (name) => new File(['x'], name);

/** A batch whose process() waits for the test to settle each item. */
function controlledBatch() {
  const calls = [];
  const changes = [];
  let idle = 0;
  const batch = new Batch({
    process: (item) => new Promise((resolve, reject) => calls.push({ item, resolve, reject })),
    onChange: (item) => changes.push(`${item.file.name}:${item.state}${item.rendering ? '+rendering' : ''}`),
    onIdle: () => idle++,
  });
  return { batch, calls, changes, idle: () => idle };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('items run one at a time, in order, and the queue says when it is idle', async () => {
  const { batch, calls, idle } = controlledBatch();
  const [a, b] = batch.add([file('a.png'), file('b.png')]);
  await tick();
  assert.equal(calls.length, 1);
  assert.equal(a.state, 'working');
  assert.equal(b.state, 'queued');
  calls[0].resolve({ ok: 1 });
  await tick();
  assert.equal(a.state, 'done');
  assert.deepEqual(a.result, { ok: 1 });
  assert.equal(calls.length, 2);
  calls[1].reject(new Error('bad'));
  await tick();
  assert.equal(b.state, 'error');
  assert.equal(b.error.message, 'bad');
  assert.equal(idle(), 1);
  assert.equal(typeof a.ms, 'number');
});

test('cancel takes only queued items; remove refuses a working one', async () => {
  const { batch, calls } = controlledBatch();
  const [a, b, c] = batch.add([file('a'), file('b'), file('c')]);
  await tick();
  batch.cancel(a); // working: not affected
  assert.equal(a.state, 'working');
  batch.cancelRest();
  assert.equal(b.state, 'cancelled');
  assert.equal(c.state, 'cancelled');
  assert.equal(batch.remove(a), false);
  calls[0].resolve({});
  await tick();
  assert.equal(batch.remove(a), true);
  assert.deepEqual(batch.items, [b, c]);
  assert.equal(calls.length, 1, 'cancelled items never run');
});

test('progress counts and estimates from finished items', async () => {
  const { batch, calls } = controlledBatch();
  batch.add([file('a'), file('b'), file('c')]);
  assert.equal(batch.progress().etaMs, null);
  await tick();
  calls[0].resolve({});
  await tick();
  const progress = batch.progress();
  assert.deepEqual({ ...progress, etaMs: undefined },
    { total: 3, done: 1, failed: 0, remaining: 2, etaMs: undefined });
  assert.equal(typeof progress.etaMs, 'number');
});

test('a re-render keeps the item done, marks it rendering, then applies the new fields', async () => {
  const { batch, calls, changes } = controlledBatch();
  const [a] = batch.add([file('a')]);
  await tick();
  calls[0].resolve({ version: 1 });
  await tick();
  let release;
  const rendering = batch.rerender(a, () => new Promise((resolve) => (release = resolve)));
  assert.equal(a.state, 'done');
  assert.equal(a.rendering, true);
  assert.equal(batch.progress().done, 1, 'still counted as done');
  release({ result: { version: 2 }, format: 'jpeg' });
  await rendering;
  assert.equal(a.rendering, false);
  assert.deepEqual(a.result, { version: 2 });
  assert.equal(a.format, 'jpeg');
  assert.deepEqual(changes.slice(-2), ['a:done+rendering', 'a:done']);
});

test('a failed re-render keeps the old output and says why', async () => {
  const { batch, calls } = controlledBatch();
  const [a] = batch.add([file('a')]);
  await tick();
  calls[0].resolve({ version: 1 });
  await tick();
  await batch.rerender(a, async () => {
    throw new Error('no');
  });
  assert.deepEqual(a.result, { version: 1 });
  assert.equal(a.renderError.message, 'no');
  await batch.rerender(a, async () => ({ result: { version: 3 } }));
  assert.equal(a.renderError, undefined);
});

test('items that are not done, or were removed, are not re-rendered', async () => {
  const { batch, calls } = controlledBatch();
  const [a] = batch.add([file('a')]);
  let ran = false;
  await batch.rerender(a, async () => (ran = true)); // queued/working
  await tick();
  calls[0].resolve({});
  await tick();
  batch.remove(a);
  await batch.rerender(a, async () => (ran = true));
  assert.equal(ran, false);
});
