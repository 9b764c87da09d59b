// People mode in the page's queue (js/page/batch.js): an image whose model is not downloaded yet
// waits without holding up the others; "Apply to all" with another model queues a finished one again.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Batch } from '../../js/page/batch.js';

const file = (name) => new File(['x'], name);
const tick = () => new Promise((resolve) => setImmediate(resolve));

function peopleBatch() {
  const ready = new Set(['u2netp']);
  const ran = [];
  const batch = new Batch({
    process: async (item) => {
      ran.push(`${item.file.name}:${item.model}`);
      return { model: item.model };
    },
    onChange: () => {},
    isReady: (item) => ready.has(item.model),
  });
  return { batch, ready, ran };
}

test('an image waiting for its model does not hold up the general model', async () => {
  const { batch, ready, ran } = peopleBatch();
  const [person] = batch.add([file('me.jpg')], { model: 'modnet' });
  const [cup] = batch.add([file('cup.jpg')], { model: 'u2netp' });
  await tick();
  assert.deepEqual(ran, ['cup.jpg:u2netp']);
  assert.equal(cup.state, 'done');
  assert.equal(person.state, 'queued');
  ready.add('modnet'); // downloaded
  await batch.run();
  assert.deepEqual(ran, ['cup.jpg:u2netp', 'me.jpg:modnet']);
  assert.equal(person.state, 'done');
});

test('requeue runs a finished image again, with the model it now has', async () => {
  const { batch, ready, ran } = peopleBatch();
  ready.add('modnet');
  const [cup] = batch.add([file('cup.jpg')], { model: 'u2netp' });
  await tick();
  cup.model = 'modnet';
  batch.requeue(cup);
  await tick();
  assert.deepEqual(ran, ['cup.jpg:u2netp', 'cup.jpg:modnet']);
  assert.equal(cup.state, 'done');
  assert.deepEqual(cup.result, { model: 'modnet' });
});
