// The one counted download and the one offline check (js/shared/download.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { countedBody, fetchCounted, isOfflineFailure } from '../../js/shared/download.js';

/** A response whose body comes in chunks of these sizes. */
function chunked(sizes, init) {
  const body = new ReadableStream({
    start(controller) {
      sizes.forEach((size, i) => controller.enqueue(new Uint8Array(size).fill(i + 1)));
      controller.close();
    },
  });
  return new Response(body, init);
}

test('countedBody reports every chunk and passes the bytes on unchanged', async () => {
  const counts = [];
  const bytes = new Uint8Array(await new Response(countedBody(chunked([3, 5, 2]), (n) => counts.push(n))).arrayBuffer());
  assert.deepEqual(counts, [3, 5, 2]);
  assert.deepEqual([...bytes], [1, 1, 1, 2, 2, 2, 2, 2, 3, 3]);
});

test('fetchCounted returns the whole file; an HTTP error or a throwing counter fails it', async (t) => {
  t.mock.method(globalThis, 'fetch', async () => chunked([4, 4]));
  let total = 0;
  const buffer = await fetchCounted('a.bin', (n) => (total += n));
  assert.equal(buffer.byteLength, 8);
  assert.equal(total, 8);
  await assert.rejects(fetchCounted('a.bin', (n) => {
    if (n) throw new Error('larger than expected');
  }), /larger than expected/);
  t.mock.method(globalThis, 'fetch', async () => new Response('nope', { status: 404 }));
  await assert.rejects(fetchCounted('b.bin', () => {}), /HTTP 404 for b\.bin/);
});

test('isOfflineFailure: the network errors of fetch() and import() in each engine, nothing else', () => {
  for (const message of ['Failed to fetch', 'NetworkError when attempting to fetch resource.', 'Load failed',
    'Failed to fetch dynamically imported module: x.mjs', 'Importing a module script failed.']) {
    assert.equal(isOfflineFailure(new TypeError(message)), true, message);
  }
  assert.equal(isOfflineFailure(new TypeError('x is not a function')), false);
  assert.equal(isOfflineFailure(new Error('HTTP 404 for a.bin')), false);
  assert.equal(isOfflineFailure(undefined), false);
});
