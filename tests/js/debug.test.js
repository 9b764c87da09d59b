// The page's debug option (js/page/debug.js): the URLs the tests and the bench use.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { debugOptions } from '../../js/page/debug.js';

test('no parameters: automatic backend, the engine\'s own defaults', () => {
  assert.deepEqual(debugOptions(new URLSearchParams('')),
    { backend: 'auto', threads: undefined, stallTimeoutMs: undefined, deadlines: {}, measureMemory: false });
});

test('backend, threads, stall and every deadline.<stage> are read; other parameters are not', () => {
  const options = debugOptions(new URLSearchParams('?backend=wasm&threads=2&stall=4000&deadline.session=1&deadline.pyodide=500&shared=1'));
  assert.deepEqual(options, { backend: 'wasm', threads: 2, stallTimeoutMs: 4000, deadlines: { session: 1, pyodide: 500 },
    measureMemory: false });
});

test('?memory asks the engine for its WebAssembly heaps (bench/memory.py)', () => {
  assert.equal(debugOptions(new URLSearchParams('?backend=wasm&memory')).measureMemory, true);
});
