// Reads a tar archive (POSIX ustar, as buildtools/sitepackages.py writes it) that is already in
// memory: the files' bytes are views into the archive, nothing is copied.

const BLOCK = 512;
const REGULAR = new Set(['0', '']);
const DIRECTORY = '5';

/** The archive is not a ustar archive this reader can take (the message says why). */
export class TarFormatError extends Error {
  name = 'TarFormatError';
}

/**
 * Every regular file of a tar archive.
 * @param {Uint8Array} archive
 * @returns {{path: string, bytes: Uint8Array}[]}  in the archive's order; folders are left out
 * @throws {TarFormatError} not ustar, cut short, or an entry other than a file or a folder
 */
export function readTar(archive) {
  const text = new TextDecoder();
  const files = [];
  let offset = 0;
  while (offset + BLOCK <= archive.byteLength) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) return files; // the end-of-archive blocks
    const field = (start, length) => text.decode(header.subarray(start, start + length)).replace(/\0[\s\S]*$/, '');
    if (field(257, 6) !== 'ustar') throw new TarFormatError(`no ustar header at byte ${offset}`);
    const name = field(0, 100);
    const prefix = field(345, 155);
    const path = prefix ? `${prefix}/${name}` : name;
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const start = offset + BLOCK;
    if (!Number.isSafeInteger(size) || start + size > archive.byteLength) throw new TarFormatError(`${path} is cut short`);
    if (REGULAR.has(type)) files.push({ path, bytes: archive.subarray(start, start + size) });
    else if (type !== DIRECTORY) throw new TarFormatError(`${path}: entry type ${JSON.stringify(type)}`);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new TarFormatError('the archive has no end');
}
