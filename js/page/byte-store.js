// Where the session's big bytes live (original files, outputs): the origin-private file system
// where the browser lets the page write it (Chromium, Firefox, Safari 26+), else Blobs in
// IndexedDB (WebKitGTK, older Safari). Both hand back disk-backed Blobs: reading, linking or
// zipping one does not load all of them into the tab's memory.

import { requested, storeRunner } from './idb.js';
import { StorageFullError, toStorageError, toWriteError } from './storage-errors.js';

/** The IndexedDB object store of the fallback (created by session-store.js's schema). */
export const BYTES_STORE = 'bytes';

/**
 * @typedef {object} ByteStore
 * @property {'opfs'|'idb'} kind
 * @property {(key: string, blob: Blob) => Promise<Blob>} write  all or nothing: a failed write
 *   leaves no file behind; throws StorageFullError / StorageFailedError
 * @property {(key: string) => Promise<Blob|null>} read  null when there is no such key
 * @property {(key: string) => Promise<void>} delete  no error when there is no such key
 * @property {() => Promise<void>} clear
 * @property {() => Promise<{key: string, lastModified: number}[]>} entries  what is stored
 */

/**
 * The origin-private file system if it works here, else IndexedDB.
 * @param {IDBDatabase} db  has the BYTES_STORE object store
 * @param {'auto'|'opfs'|'idb'} [prefer]  'idb' skips the file system (tests, and engines where
 *   it misbehaves); 'opfs' fails rather than fall back
 * @param {string} [folder]  the OPFS folder of these files (the rest of the origin's is not ours)
 * @returns {Promise<ByteStore>}
 */
export async function openByteStore(db, prefer = 'auto', folder = 'peel-session') {
  if (prefer !== 'idb') {
    try {
      return await openFileSystem(folder);
    } catch (error) {
      if (prefer === 'opfs') throw toStorageError(error, 'open the origin-private file system');
    }
  }
  return idbBytes(db);
}

async function openFileSystem(name) {
  if (!navigator.storage?.getDirectory || !self.FileSystemFileHandle?.prototype.createWritable) {
    throw new DOMException('No writable origin-private file system here', 'NotSupportedError');
  }
  // getDirectory() rejects in private windows of some engines; a probe write catches the rest.
  const root = await navigator.storage.getDirectory();
  const folder = await root.getDirectoryHandle(name, { create: true });
  const store = opfsBytes(folder);
  const probe = await store.write('.probe', new Blob(['ok']));
  if ((await probe.text()) !== 'ok') throw new DOMException('OPFS probe read back wrong', 'InvalidStateError');
  await store.delete('.probe');
  return store;
}

/** @param {FileSystemDirectoryHandle} folder @returns {ByteStore} */
function opfsBytes(folder) {
  return {
    kind: 'opfs',
    async write(key, blob) {
      let writable;
      try {
        const handle = await folder.getFileHandle(key, { create: true });
        writable = await handle.createWritable();
        await writable.write(blob);
        await writable.close();
        return await handle.getFile();
      } catch (error) {
        await writable?.abort().catch(() => {});
        await folder.removeEntry(key).catch(() => {});
        throw await toWriteError(error, 'write a file', blob.size);
      }
    },
    async read(key) {
      try {
        return await (await folder.getFileHandle(key)).getFile();
      } catch (error) {
        if (error?.name === 'NotFoundError') return null;
        throw toStorageError(error, 'read a kept file');
      }
    },
    async delete(key) {
      await folder.removeEntry(key).catch((error) => {
        if (error?.name !== 'NotFoundError') throw toStorageError(error, 'delete a kept file');
      });
    },
    async clear() {
      for (const { key } of await this.entries()) await this.delete(key);
    },
    async entries() {
      const found = [];
      for await (const [key, handle] of folder.entries()) {
        if (handle.kind === 'file') found.push({ key, lastModified: (await handle.getFile()).lastModified });
      }
      return found;
    },
  };
}

/** @param {IDBDatabase} db @returns {ByteStore} */
function idbBytes(db) {
  const run = storeRunner(db, BYTES_STORE);
  // WebKit's private (ephemeral) sessions refuse Blobs in IndexedDB ("Error preparing Blob/File
  // data"): there the bytes are stored inline, as an ArrayBuffer (kept, but read back into memory).
  let inline = false;
  const put = (key, value) => run('readwrite', 'write a file', (bytes) => requested(bytes.put(value, key)));
  return {
    kind: 'idb',
    async write(key, blob) {
      if (!inline) {
        try {
          // A Blob is stored as a file of the database's: the one read back is disk-backed.
          await put(key, { blob, at: Date.now() });
          return this.read(key);
        } catch (error) {
          if (error instanceof StorageFullError || !['UnknownError', 'DataCloneError'].includes(error.cause?.name)) throw error;
          inline = true;
        }
      }
      await put(key, { bytes: await blob.arrayBuffer(), type: blob.type, at: Date.now() });
      return this.read(key);
    },
    read: (key) => run('readonly', 'read a kept file', async (bytes) => {
      const value = await requested(bytes.get(key));
      return value ? value.blob ?? new Blob([value.bytes], { type: value.type }) : null;
    }),
    delete: (key) => run('readwrite', 'delete a kept file', (bytes) => requested(bytes.delete(key))),
    clear: () => run('readwrite', 'clear the kept files', (bytes) => requested(bytes.clear())),
    entries: () => run('readonly', 'list the kept files', async (bytes) => {
      const keys = await requested(bytes.getAllKeys());
      const values = await requested(bytes.getAll());
      return keys.map((key, i) => ({ key: String(key), lastModified: values[i].at }));
    }),
  };
}
