// IndexedDB's event-based requests as promises: the few calls the session store needs.

import { toStorageError } from './storage-errors.js';

/**
 * @param {IDBRequest} request
 * @returns {Promise<any>} the request's result
 */
export function requested(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Resolves once every request of `transaction` is committed; rejects with the reason it was
 * aborted (a quota error aborts the transaction, and with it every write in it).
 * @param {IDBTransaction} transaction
 */
export function committed(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onabort = () => reject(transaction.error ?? new DOMException('Transaction aborted', 'AbortError'));
  });
}

/**
 * Open (and create or upgrade) a database.
 * @param {string} name
 * @param {number} version
 * @param {(db: IDBDatabase) => void} upgrade  creates the object stores of a new database
 * @returns {Promise<IDBDatabase>}
 */
export function openDatabase(name, version, upgrade) {
  const request = indexedDB.open(name, version);
  request.onupgradeneeded = () => upgrade(request.result);
  request.onblocked = () => console.warn(`IndexedDB ${name}: waiting for another tab to close it`);
  return requested(request);
}

/**
 * A runner of one-store transactions: `run(mode, what, work)` gives `work` the object store,
 * resolves with its result once the transaction is committed, and turns any failure into a typed
 * storage error (`what` names the operation in its message).
 * @param {IDBDatabase} db
 * @param {string} storeName
 * @returns {(mode: IDBTransactionMode, what: string, work: (store: IDBObjectStore) => Promise<any>) => Promise<any>}
 */
export function storeRunner(db, storeName) {
  return async (mode, what, work) => {
    try {
      const transaction = db.transaction(storeName, mode);
      // Both awaited together: a failed request also aborts the transaction.
      const [result] = await Promise.all([work(transaction.objectStore(storeName)), committed(transaction)]);
      return result;
    } catch (error) {
      throw toStorageError(error, what);
    }
  };
}
