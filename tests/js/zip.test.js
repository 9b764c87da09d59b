// The ZIP writer (js/page/zip.js): a valid archive (read back by Python's zipfile), and a clear
// refusal past what a plain ZIP can hold instead of a silently corrupt file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { createZip, ZIP_LIMITS, ZipTooLargeError } from '../../js/page/zip.js';

/** Python's zipfile on an archive: [name, bytes as base64, date_time] of each entry, CRCs checked. */
async function readBack(zip) {
  const path = join(mkdtempSync(join(tmpdir(), 'peel-zip-')), 'out.zip');
  writeFileSync(path, new Uint8Array(await zip.arrayBuffer()));
  const script = [
    'import base64, json, sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    'assert z.testzip() is None',
    'print(json.dumps([[i.filename, base64.b64encode(z.read(i)).decode(), i.date_time] for i in z.infolist()]))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 }));
}

test('the archive holds every entry, byte for byte, with UTF-8 names and valid CRCs', async () => {
  const entries = [
    { name: 'a-nobg.png', blob: new Blob([new Uint8Array([1, 2, 3, 250])]) },
    { name: 'café (2)-nobg.jpg', blob: new Blob(['hello zip']) },
    { name: 'empty-mask.png', blob: new Blob([]) },
  ];
  const zip = await createZip(entries, new Date(2026, 10, 29, 12, 30, 10));
  assert.equal(zip.type, 'application/zip');
  const read = await readBack(zip);
  assert.deepEqual(read.map(([name]) => name), entries.map(({ name }) => name));
  assert.deepEqual([...Buffer.from(read[0][1], 'base64')], [1, 2, 3, 250]);
  assert.equal(Buffer.from(read[1][1], 'base64').toString(), 'hello zip');
  assert.deepEqual(read[0][2], [2026, 11, 29, 12, 30, 10]);
});

test('entries are read as streams, chunk by chunk, never whole (disk-backed outputs stay on disk)', async () => {
  // Seeded bytes in chunks of odd sizes: the 8-byte CRC steps must carry across chunk edges.
  let seed = 7;
  const bytes = Uint8Array.from({ length: 3 * 2 ** 20 + 5 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  const sizes = [1, 7, 8, 9, 65536, 3, 1 << 20];
  /** A real Blob (the archive is made of it) that fails if read whole and streams odd chunks. */
  const streamed = (data) => Object.assign(new Blob([data]), {
    arrayBuffer: () => assert.fail('read a whole entry into memory'),
    stream: () => {
      let at = 0;
      let turn = 0;
      return new ReadableStream({
        pull(controller) {
          if (at >= data.length) return controller.close();
          const size = sizes[turn++ % sizes.length];
          controller.enqueue(data.slice(at, at + size));
          at += size;
        },
      });
    },
  });
  const zip = await createZip([{ name: 'big.png', blob: streamed(bytes) }, { name: 'small.png', blob: streamed(bytes.slice(0, 13)) }]);
  const read = await readBack(zip); // zipfile checks every entry's CRC
  assert.deepEqual(read.map(([name]) => name), ['big.png', 'small.png']);
  assert.ok(Buffer.from(read[0][1], 'base64').equals(Buffer.from(bytes)));
  assert.ok(Buffer.from(read[1][1], 'base64').equals(Buffer.from(bytes.slice(0, 13))));
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
