// A person's own model files, kept in this browser's storage (never uploaded): each file's bytes
// in the origin-private file system where the page can write it, else IndexedDB (byte-store.js,
// in a folder and a database of their own, apart from the kept session's), and a record of what
// the worker recognised it as. A kept file is read from here on every later visit, also offline.

import { openByteStore, BYTES_STORE } from './byte-store.js';
import { openDatabase, requested, storeRunner } from './idb.js';
import { StorageFullError, toStorageError } from './storage-errors.js';
import { ErrorCode, PeelError } from '../shared/protocol.js';
import { formatMB } from './engine.js';

const DATABASE = 'peel-models';
const RECORDS = 'models';

/**
 * @typedef {import('../shared/protocol.js').ModelFileInfo & {fileName: string, added: number}} KeptModel
 *
 * @typedef {object} ModelStore
 * @property {() => Promise<KeptModel[]>} list  the kept models, oldest first
 * @property {(name: string) => Promise<Blob|null>} file  a kept model's bytes (disk-backed)
 * @property {(record: KeptModel, file: Blob) => Promise<void>} put  all or nothing; a full quota
 *   is a StorageFullError that names the file and its size
 * @property {(name: string) => Promise<void>} remove
 */

/**
 * @param {{prefer?: 'auto'|'opfs'|'idb'}} [options]  prefer: as for byte-store.js openByteStore
 * @returns {Promise<ModelStore>}
 */
export async function openModelStore({ prefer = 'auto' } = {}) {
  let db;
  try {
    db = await openDatabase(DATABASE, 1, (created) => {
      created.createObjectStore(RECORDS, { keyPath: 'name' });
      created.createObjectStore(BYTES_STORE);
    });
  } catch (error) {
    throw toStorageError(error, 'open its storage for model files');
  }
  const bytes = await openByteStore(db, prefer, DATABASE);
  const records = storeRunner(db, RECORDS);
  return {
    list: async () => (await records('readonly', 'list the model files', (store) => requested(store.getAll())))
      .sort((a, b) => a.added - b.added),
    file: (name) => bytes.read(name),
    async put(record, file) {
      try {
        await bytes.write(record.name, file);
        await records('readwrite', 'keep a model file', (store) => requested(store.put(record)));
      } catch (error) {
        await bytes.delete(record.name).catch(() => {});
        if (!(error instanceof StorageFullError)) throw error;
        throw new PeelError({
          name: 'StorageFullError',
          code: ErrorCode.STORAGE_FULL,
          message: `There is no room in this browser's storage for ${record.fileName} (${formatMB(record.size)}): ` +
            'remove another model file, or download your results and clear them, then add it again.',
        });
      }
    },
    async remove(name) {
      await records('readwrite', 'remove a model file', (store) => requested(store.delete(name)));
      await bytes.delete(name);
    },
  };
}
