// A minimal ZIP writer (stored entries, no compression: PNG/JPEG/WebP are compressed already).
// The archive is a Blob made of the entries' own Blobs, so no result is held twice in memory;
// when the entries are disk-backed Files (the kept session's outputs, session-store.js), so is
// the archive, and a download of it streams from disk. Each entry is read once, one at a time,
// chunk by chunk, only to checksum it.

/** CRC-32 tables for eight bytes at a time ("slicing-by-8": about twice as fast as by one). */
const CRC_TABLES = (() => {
  const tables = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    tables[n] = c >>> 0;
  }
  for (let t = 1; t < 8; t++) {
    for (let n = 0; n < 256; n++) {
      const previous = tables[(t - 1) * 256 + n];
      tables[t * 256 + n] = (previous >>> 8) ^ tables[previous & 0xff];
    }
  }
  return tables;
})();

/**
 * Continue a CRC-32 (ISO 3309) over more bytes.
 * @param {Uint8Array} bytes
 * @param {number} state  0xffffffff to start; the CRC is `(state ^ 0xffffffff) >>> 0` at the end
 * @returns {number} the new state
 */
export function crc32Update(bytes, state) {
  const t = CRC_TABLES;
  let crc = state;
  let i = 0;
  for (const end = bytes.length - 8; i <= end; i += 8) {
    const low = crc ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    crc = t[1792 + (low & 0xff)] ^ t[1536 + ((low >>> 8) & 0xff)] ^ t[1280 + ((low >>> 16) & 0xff)] ^
      t[1024 + (low >>> 24)] ^ t[768 + bytes[i + 4]] ^ t[512 + bytes[i + 5]] ^ t[256 + bytes[i + 6]] ^ t[bytes[i + 7]];
  }
  for (; i < bytes.length; i++) crc = t[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return crc;
}

/** CRC-32 of a Blob, read as a stream: one chunk in memory at a time, not the whole entry. */
async function crc32Of(blob) {
  let state = 0xffffffff;
  const reader = blob.stream().getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) state = crc32Update(chunk.value, state);
  return (state ^ 0xffffffff) >>> 0;
}

function dosDateTime(date) {
  const time = (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1);
  const day = ((date.getFullYear() - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate();
  return { time, day };
}

/** What a plain (not ZIP64) archive can hold: 16-bit entry counts, 32-bit sizes and offsets. */
export const ZIP_LIMITS = Object.freeze({ entries: 0xffff, bytes: 0xffffffff });

/** Past ZIP_LIMITS: the archive would be silently corrupt, so none is made. */
export class ZipTooLargeError extends RangeError {
  constructor(message) {
    super(message);
    this.name = 'ZipTooLargeError';
  }
}

/**
 * @param {{name: string, blob: Blob}[]} entries  names must be unique; disk-backed Files (e.g.
 *   SessionStore.getOutput's) keep the archive on disk too
 * @param {Date} [date]
 * @returns {Promise<Blob>}  application/zip
 * @throws {ZipTooLargeError}  more than 65 535 entries, or an archive past 4 GiB
 */
export async function createZip(entries, date = new Date()) {
  checkLimits(entries);
  const encoder = new TextEncoder();
  const { time, day } = dosDateTime(date);
  const parts = [];
  const central = [];
  let offset = 0;
  for (const { name, blob } of entries) {
    const nameBytes = encoder.encode(name);
    // Entries are read one at a time only to checksum them; the bytes kept are the Blob's.
    const crc = await crc32Of(blob);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true); // version needed: 2.0
    local.setUint16(6, 0x0800, true); // UTF-8 names
    local.setUint16(10, time, true);
    local.setUint16(12, day, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, blob.size, true);
    local.setUint32(22, blob.size, true);
    local.setUint16(26, nameBytes.length, true);
    parts.push(local, nameBytes, blob);

    const header = new DataView(new ArrayBuffer(46));
    header.setUint32(0, 0x02014b50, true);
    header.setUint16(4, 20, true);
    header.setUint16(6, 20, true);
    header.setUint16(8, 0x0800, true);
    header.setUint16(12, time, true);
    header.setUint16(14, day, true);
    header.setUint32(16, crc, true);
    header.setUint32(20, blob.size, true);
    header.setUint32(24, blob.size, true);
    header.setUint16(28, nameBytes.length, true);
    header.setUint32(42, offset, true);
    central.push(header, nameBytes);
    offset += 30 + nameBytes.length + blob.size;
  }
  const centralSize = central.reduce((sum, part) => sum + part.byteLength, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, centralSize, true);
  end.setUint32(16, offset, true);
  return new Blob([...parts, ...central, end], { type: 'application/zip' });
}

function checkLimits(entries) {
  if (entries.length > ZIP_LIMITS.entries) {
    throw new ZipTooLargeError(`A ZIP holds at most ${ZIP_LIMITS.entries} files; these are ${entries.length}. Download them in smaller groups.`);
  }
  // Headers and names are counted generously: the archive must end below 4 GiB.
  const bytes = entries.reduce((sum, { name, blob }) => sum + blob.size + 76 + 2 * 4 * name.length, 22);
  if (bytes > ZIP_LIMITS.bytes) {
    const gb = (bytes / 2 ** 30).toFixed(1);
    throw new ZipTooLargeError(`A ZIP holds at most 4 GiB; these results make ${gb} GiB. Download them in smaller groups.`);
  }
}
