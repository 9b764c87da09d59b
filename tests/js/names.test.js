// Download names (js/page/names.js): the suffixes Python defines, safe and unique.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { outputName, uniqueNames } from '../../js/page/names.js';
import { OUTPUT_SUFFIX } from '../../js/shared/contract.js';

test('each format gets the suffix py/peel/settings.py defines', () => {
  for (const [format, suffix] of Object.entries(OUTPUT_SUFFIX)) {
    assert.equal(outputName('photo.jpg', format), `photo${suffix}`);
  }
  assert.equal(outputName('photo.jpg'), 'photo-nobg.png');
});

test('paths, control characters and reserved characters never reach the name', () => {
  assert.equal(outputName('C:\\Users\\me\\a<b>.png'), 'a_b_-nobg.png');
  assert.equal(outputName('dir/sub/x\u0007y.webp', 'webp'), 'x_y-nobg.webp');
  assert.equal(outputName('...', 'jpeg'), 'image-nobg.jpg');
  assert.equal(outputName(`${'a'.repeat(300)}.png`).length, 120 + '-nobg.png'.length);
});

test('names are made unique, case-insensitively, before the extension', () => {
  assert.deepEqual(uniqueNames(['a-nobg.png', 'A-nobg.png', 'a-nobg.png', 'b']),
    ['a-nobg.png', 'A-nobg (2).png', 'a-nobg (3).png', 'b']);
});
