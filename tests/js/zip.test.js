// The ZIP writer (js/page/zip.js): a valid archive (read back by Python's zipfile), and a clear
// refusal past what a plain ZIP can hold instead of a silently corrupt file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { createZip, ZIP_LIMITS, ZipTooLargeError } from '../../js/page/zip.js';

test('the archive holds every entry, byte for byte, with UTF-8 names and valid CRCs', async () => {
  const entries = [
    { name: 'a-nobg.png', blob: new Blob([new Uint8Array([1, 2, 3, 250])]) },
    { name: 'café (2)-nobg.jpg', blob: new Blob(['hello zip']) },
    { name: 'empty-mask.png', blob: new Blob([]) },
  ];
  const zip = await createZip(entries, new Date(2026, 10, 29, 12, 30, 10));
  assert.equal(zip.type, 'application/zip');
  const path = join(mkdtempSync(join(tmpdir(), 'peel-zip-')), 'out.zip');
  writeFileSync(path, new Uint8Array(await zip.arrayBuffer()));
  const script = [
    'import json, sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    'assert z.testzip() is None',
    'print(json.dumps([[i.filename, list(z.read(i)), list(i.date_time)] for i in z.infolist()]))',
  ].join('\n');
  const read = JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' }));
  assert.deepEqual(read.map(([name]) => name), entries.map(({ name }) => name));
  assert.deepEqual(read[0][1], [1, 2, 3, 250]);
  assert.equal(Buffer.from(read[1][1]).toString(), 'hello zip');
  assert.deepEqual(read[0][2], [2026, 11, 29, 12, 30, 10]);
});

test('more entries than a ZIP can count are refused, with a message for people', async () => {
  const tiny = new Blob(['x']);
  const entries = Array.from({ length: ZIP_LIMITS.entries + 1 }, (_, i) => ({ name: `${i}.png`, blob: tiny }));
  await assert.rejects(createZip(entries), (error) => {
    assert.ok(error instanceof ZipTooLargeError && error instanceof RangeError);
    assert.match(error.message, /at most 65535 files.*smaller groups/);
    return true;
  });
});

test('an archive past 4 GiB is refused before anything is read', async () => {
  // A Blob-like that claims 3 GiB; createZip must refuse without reading it.
  const huge = { size: 3 * 2 ** 30, arrayBuffer: () => assert.fail('read a refused entry') };
  await assert.rejects(createZip([{ name: 'a.png', blob: huge }, { name: 'b.png', blob: huge }]),
    (error) => error instanceof ZipTooLargeError && /4 GiB/.test(error.message));
});
