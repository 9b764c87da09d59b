// The worker's tar reader (js/worker/untar.js) on archives made here, including the ones it must
// refuse. tests/unit/test_sitepackages.py reads the real served archive with it.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TarFormatError, readTar } from '../../js/worker/untar.js';

const encoder = new TextEncoder();

/** One ustar entry: header block, then the data padded to whole blocks. */
function entry(path, data = new Uint8Array(0), { type = '0', magic = 'ustar', prefix = '' } = {}) {
  const header = new Uint8Array(512);
  header.set(encoder.encode(path), 0);
  header.set(encoder.encode(`${data.byteLength.toString(8).padStart(11, '0')}\0`), 124);
  header.set(encoder.encode(type), 156);
  header.set(encoder.encode(magic), 257);
  header.set(encoder.encode(prefix), 345);
  const body = new Uint8Array(Math.ceil(data.byteLength / 512) * 512);
  body.set(data);
  return [header, body];
}

function archive(...parts) {
  const blocks = [...parts.flat(), new Uint8Array(1024)];
  const out = new Uint8Array(blocks.reduce((sum, block) => sum + block.byteLength, 0));
  let offset = 0;
  for (const block of blocks) {
    out.set(block, offset);
    offset += block.byteLength;
  }
  return out;
}

test('files come back with their paths and bytes; folders are left out', () => {
  const big = Uint8Array.from({ length: 1300 }, (_, i) => i % 251);
  const files = readTar(archive(
    entry('pkg/', undefined, { type: '5' }),
    entry('pkg/__init__.pyc', encoder.encode('code')),
    entry('module.so', big, { prefix: 'pkg/deep' }),
    entry('empty.txt'),
  ));
  assert.deepEqual(files.map((file) => file.path), ['pkg/__init__.pyc', 'pkg/deep/module.so', 'empty.txt']);
  assert.deepEqual([...files[1].bytes], [...big]);
  assert.equal(new TextDecoder().decode(files[0].bytes), 'code');
  assert.equal(files[2].bytes.byteLength, 0);
});

test('what it cannot take is refused with a reason', () => {
  assert.throws(() => readTar(archive(entry('a', encoder.encode('x'), { magic: 'notar' }))), TarFormatError);
  assert.throws(() => readTar(archive(entry('link', undefined, { type: '2' }))), /entry type "2"/);
  const [header] = entry('cut', new Uint8Array(2000));
  assert.throws(() => readTar(header), /cut short/);
  const [onlyHeader, body] = entry('a', encoder.encode('x'));
  const unterminated = new Uint8Array(1024);
  unterminated.set(onlyHeader);
  unterminated.set(body, 512);
  assert.throws(() => readTar(unterminated), /no end/);
});
