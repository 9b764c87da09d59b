// Product mode's notice (js/page/product-note.js): only when the subject was surely enlarged.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { enlargedNotice } from '../../js/page/product-note.js';

test('a 600 × 400 photo on a 2000 px square is enlarged, and says so with its size', () => {
  const text = enlargedNotice({ width: 600, height: 400 }, { width: 2000, height: 2000 }, 0.1);
  assert.match(text, /600 × 400 px/);
  assert.match(text, /2\.7× larger/);
});

test('a photo larger than the inner box says nothing (the subject may be smaller or not)', () => {
  assert.equal(enlargedNotice({ width: 4000, height: 3000 }, { width: 2000, height: 2000 }, 0.1), '');
  assert.equal(enlargedNotice({ width: 1600, height: 1200 }, { width: 2000, height: 2000 }, 0.1), '', 'exactly the inner box');
  assert.equal(enlargedNotice({ width: 1000, height: 800 }, { width: 1600, height: 2000 }, 0.25), '', 'the margin counts');
});
