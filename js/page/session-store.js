// The kept session: every image on the page, kept in the browser's own storage as it changes, so
// that a reload, a crashed tab or the app opened again brings it back without running the model
// again. Records (name, model, settings, strokes, state) and masks live in IndexedDB; the big
// bytes (each original file and its current full-size output) in the origin-private file system,
// or as IndexedDB Blobs where that cannot be written (byte-store.js). Files read back are
// disk-backed: a page that links them instead of keeping outputs in memory stays small.
//
// Nothing here waits on the caller: record changes are merged and written once the changes rest
// (UPDATE_DELAY_MS), big bytes are written once each, one file at a time, in the background.
// Nothing here touches the network.

import { openByteStore } from './byte-store.js';
import { committed, openDatabase, requested } from './idb.js';
import { SessionInUseError, StorageFullError, toStorageError } from './storage-errors.js';

const DATABASE = 'peel-session';
const VERSION = 1;
const IMAGES = 'images';
const MASKS = 'masks';
const OUTPUTS = 'outputs';
/**
 * Record changes that come within this many ms of each other are written together (a slider
 * dragged, a burst of state changes); a stroke is one change. Short, because WebKit does not
 * finish a write that `pagehide` starts: there, a reload within this time loses the change.
 */
export const UPDATE_DELAY_MS = 100;
/** A stored file that no record names and is older than this was left by a crash mid-write. */
const ORPHAN_AGE_MS = 60_000;
/** What updateImage may change (the original file and the output have their own calls). */
const CHANGEABLE = new Set(['model', 'settings', 'state', 'edits', 'error', 'mask', 'maskShape']);
const STATES = new Set(['queued', 'working', 'done', 'error', 'cancelled']);

/**
 * One image as putImage takes it and list() gives it back.
 * @typedef {object} ImageRecord
 * @property {string} [id]  the store's name for it (putImage makes one when missing)
 * @property {File|Blob} file  the original file; list() gives a disk-backed File with the
 *   original's name, type and lastModified
 * @property {string} model  the model its mask comes from
 * @property {object|null} [settings]  its Settings values (anything structured-cloneable)
 * @property {'queued'|'working'|'done'|'error'|'cancelled'} [state]  'working' is kept as
 *   'queued': after a reload it has to run again
 * @property {any} [edits]  its strokes, e.g. EditHistory's {states, index} (cloneable)
 * @property {Float32Array|Uint8Array|null} [mask]  the model's mask, (H, W) row-major
 * @property {number[]|null} [maskShape]  [H, W] of `mask`
 * @property {{code: string, message: string}|null} [error]  why it failed (state 'error')
 * @property {File|null} [output]  list() only: its current full-size output, disk-backed
 * @property {number} [order]  list() only: the order images were put in
 */

/**
 * The session's storage. Make one with `await SessionStore.open()`.
 *
 * Three object stores, one writer each kind of change: `images` (the record; putImage,
 * updateImage), `masks` (by id), `outputs` (the current output's file, by id; putOutput). The
 * store keeps a copy of what is committed, so that a change is written without reading first:
 * a write started by `pagehide` must issue all its requests before the page goes.
 */
export class SessionStore {
  /**
   * Open (or create) the kept session.
   * @param {object} [options]
   * @param {string} [options.name]  database (and OPFS folder) name; tests use their own
   * @param {number|null} [options.quotaBytes]  accept at most this many bytes of files and
   *   masks, as if the browser's quota ended there: a write past it throws StorageFullError
   *   exactly like a real full quota (for tests, and a debug URL parameter)
   * @param {'auto'|'opfs'|'idb'} [options.prefer]  where the big bytes go ('auto': the
   *   origin-private file system where it can be written, else IndexedDB)
   * @param {number} [options.updateDelayMs]  how long record changes rest before being written
   * @param {(error: Error, id?: string) => void} [options.onError]  a background write failed
   *   (updateImage's); a StorageFullError or StorageFailedError, with a message for people
   * @returns {Promise<SessionStore>}
   * @throws {SessionInUseError}  another tab has it open (one tab keeps the session, until it
   *   closes the store or goes away); this tab then works without keeping its images
   * @throws {import('./storage-errors.js').StorageFailedError}  no IndexedDB here (private
   *   modes of some browsers): the page then works without keeping its session
   */
  static async open({ name = DATABASE, quotaBytes = null, prefer = 'auto', updateDelayMs = UPDATE_DELAY_MS,
    onError = (error) => console.warn(error.message) } = {}) {
    const release = await holdLock(`peel-session:${name}`);
    try {
      const store = await SessionStore.openHeld({ name, quotaBytes, prefer, updateDelayMs, onError });
      store.release = release;
      return store;
    } catch (error) {
      release();
      throw error;
    }
  }

  /** @private open() once it holds the session's lock */
  static async openHeld({ name, quotaBytes, prefer, updateDelayMs, onError }) {
    let db;
    try {
      db = await openDatabase(name, VERSION, (created) => {
        created.createObjectStore(IMAGES, { keyPath: 'id' });
        created.createObjectStore(MASKS);
        created.createObjectStore(OUTPUTS);
        created.createObjectStore('bytes');
      });
    } catch (error) {
      throw toStorageError(error, 'open its database');
    }
    let store;
    try {
      store = new SessionStore(db, await openByteStore(db, prefer, name), { quotaBytes, updateDelayMs, onError });
      await store.load();
    } catch (error) {
      if (store) await store.close().catch(() => {});
      else db.close();
      throw toStorageError(error, 'read the kept session');
    }
    return store;
  }

  /** @private use SessionStore.open() */
  constructor(db, bytes, { quotaBytes, updateDelayMs, onError }) {
    this.db = db;
    this.bytes = bytes;
    /** 'opfs' or 'idb': where the big bytes are. */
    this.backend = bytes.kind;
    this.quotaBytes = quotaBytes;
    this.updateDelayMs = updateDelayMs;
    this.onError = onError;
    /** id -> its committed `images` record. */
    this.records = new Map();
    /** id -> its committed `outputs` entry {key, name, type, size, lastModified}. */
    this.outputs = new Map();
    /** Ids being removed: no change is written for them any more. */
    this.removing = new Set();
    /** Bytes of files and masks kept (and being written), by this store's own count. */
    this.stored = 0;
    this.nextOrder = 0;
    /** id -> the last operation on that image: the next one waits for it. */
    this.chains = new Map();
    /** id -> changes not written yet. */
    this.patches = new Map();
    this.timer = null;
    this.flushing = Promise.resolve();
    /** The big writes, one file at a time: a batch of a hundred must not start a hundred. */
    this.bigWrites = Promise.resolve();
    /** id -> number of its newest putOutput: an older one not yet written is skipped. */
    this.newestOutput = new Map();
    this.outputCount = 0;
    // A reload or a closed tab writes what is pending.
    this.onHide = () => this.flush();
    this.onVisibility = () => document.visibilityState === 'hidden' && this.flush();
    addEventListener('pagehide', this.onHide);
    document.addEventListener('visibilitychange', this.onVisibility);
    db.onversionchange = () => this.close(); // a newer version of the app in another tab
  }

  /** Read what is kept; delete files a crash left without a record. */
  async load() {
    const [records, outputKeys, outputs] = await this.transact([IMAGES, OUTPUTS], 'readonly', 'read the kept session',
      (images, outputs) => Promise.all([requested(images.getAll()), requested(outputs.getAllKeys()), requested(outputs.getAll())]));
    for (const record of records) this.records.set(record.id, record);
    outputKeys.forEach((id, i) => this.outputs.set(id, outputs[i]));
    this.stored = records.reduce((sum, record) => sum + this.bytesOf(record.id), 0);
    this.nextOrder = records.reduce((max, record) => Math.max(max, record.order + 1), 0);
    const named = new Set([...records.map((record) => record.original), ...outputs.map((output) => output.key)]);
    const now = Date.now();
    for (const { key, lastModified } of await this.bytes.entries()) {
      if (!named.has(key) && now - lastModified > ORPHAN_AGE_MS) await this.bytes.delete(key);
    }
  }

  /**
   * Keep a new image: its original file (written once), its mask and its record.
   * @param {ImageRecord} record  `id`, when given, must be new
   * @returns {Promise<string>} its id (record.id when given)
   * @throws {StorageFullError}  nothing of it is kept; what was kept before stays
   * @throws {import('./storage-errors.js').StorageFailedError}
   */
  putImage(record) {
    const { id = newImageId(), file } = record;
    if (!(file instanceof Blob)) throw new TypeError('putImage: record.file must be a File or Blob');
    const mask = record.mask?.slice() ?? null; // a copy: written later, after the original
    const fields = recordFields(record);
    const order = this.nextOrder++;
    return this.after(id, async () => {
      const key = `original-${id}`;
      const size = file.size + (mask?.byteLength ?? 0);
      this.reserve(size);
      try {
        await this.bigWrite(() => this.bytes.write(key, file));
        const kept = {
          id, order, original: key, name: file.name ?? 'image', type: file.type,
          lastModified: file.lastModified ?? Date.now(), size: file.size, maskBytes: mask?.byteLength ?? 0, ...fields,
        };
        await this.transact([IMAGES, MASKS], 'readwrite', 'keep this image', (images, masks) => {
          images.put(kept);
          if (mask) masks.put(mask, id);
        });
        this.records.set(id, kept);
      } catch (error) {
        this.stored -= size;
        await this.bytes.delete(key).catch(() => {});
        throw toStorageError(error, 'keep this image');
      }
      return id;
    });
  }

  /**
   * Change an image's record: merged with the changes before it and written once they rest
   * (or on flush(), or when the page is hidden). Returns at once; a failed write goes to
   * `onError`. An image's changes are written together or not at all (a new mask with its
   * state 'done'). Changes for an image not (or no longer) kept are dropped.
   * @param {string} id
   * @param {Partial<Pick<ImageRecord, 'model'|'settings'|'state'|'edits'|'error'|'mask'|'maskShape'>>} changes
   */
  updateImage(id, changes) {
    for (const field of Object.keys(changes)) {
      if (!CHANGEABLE.has(field)) throw new TypeError(`updateImage: cannot change ${field}`);
    }
    if (changes.state !== undefined) checkState(changes.state);
    // A copy: the caller's mask may be transferred to the worker before this is written.
    if (changes.mask) changes = { ...changes, mask: changes.mask.slice() };
    this.patches.set(id, { ...this.patches.get(id), ...changes });
    this.timer ??= setTimeout(() => this.flush(), this.updateDelayMs);
  }

  /** Write the pending record changes now. @returns {Promise<void>} once written (or failed) */
  flush() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.patches.size) {
      const patches = this.patches;
      this.patches = new Map();
      this.flushing = this.flushing.then(() => this.writePatches(patches));
    }
    return this.flushing;
  }

  async writePatches(patches) {
    // Behind each image's own writes (its putImage may still be writing the original). When
    // nothing waits (a flush on pagehide), every transaction below starts in this same task.
    const waiting = [...patches.keys()].map((id) => this.chains.get(id)).filter(Boolean);
    if (waiting.length) await Promise.all(waiting.map((chain) => chain.catch(() => {})));
    // Those without a new mask share one transaction; each new mask (up to a MB) has its own.
    const plain = [...patches].filter(([, changes]) => !changes.mask);
    const groups = [plain, ...[...patches].filter(([, changes]) => changes.mask).map((one) => [one])];
    await Promise.all(groups.filter((group) => group.length).map((group) => this.writeChanges(group)));
  }

  /** @param {[string, object][]} group  id and changes; written in one transaction */
  async writeChanges(group) {
    let grown = 0;
    const written = [];
    try {
      await this.transact([IMAGES, MASKS], 'readwrite', 'save the latest changes', (images, masks) => {
        for (const [id, { mask, ...changes }] of group) {
          const record = this.records.get(id);
          if (!record || this.removing.has(id)) continue; // removed, or never kept
          const next = { ...record, ...recordFields({ ...record, ...changes }) };
          if (mask) {
            this.reserve(mask.byteLength - record.maskBytes);
            grown += mask.byteLength - record.maskBytes;
            next.maskBytes = mask.byteLength;
            masks.put(mask, id);
          }
          images.put(next);
          written.push(next);
        }
      });
      for (const next of written) if (this.records.has(next.id)) this.records.set(next.id, next);
    } catch (error) {
      this.stored -= grown;
      this.onError(toStorageError(error, 'save the latest changes'), group.length === 1 ? group[0][0] : undefined);
    }
  }

  /**
   * Keep an image's current full-size output: written once, in the background; the previous
   * output's file is deleted once the new one is kept (a File of it read before then becomes
   * unreadable: link the returned one instead).
   * @param {string} id
   * @param {Blob} blob  the output file (e.g. a RemoveResult's blob); drop it once this resolves
   * @param {{name?: string}} [options]  the name the File gets (its download name)
   * @returns {Promise<File|null>} the kept output, disk-backed; null when a newer putOutput for
   *   this image came before this one was written (only the newest is written), or the image
   *   is not kept
   * @throws {StorageFullError}  the previous output stays kept
   * @throws {import('./storage-errors.js').StorageFailedError}
   */
  putOutput(id, blob, { name } = {}) {
    if (!(blob instanceof Blob)) throw new TypeError('putOutput: blob must be a Blob');
    const number = ++this.outputCount;
    this.newestOutput.set(id, number);
    return this.after(id, async () => {
      const kept = () => this.records.has(id) && !this.removing.has(id);
      if (this.newestOutput.get(id) !== number || !kept()) return null;
      const key = `output-${id}-${newImageId()}`;
      this.reserve(blob.size); // the old file stays until the new one is kept
      try {
        const file = await this.bigWrite(() => this.bytes.write(key, blob));
        if (!kept()) throw new RemovedMeanwhile();
        const previous = this.outputs.get(id);
        const output = { key, name: name ?? previous?.name ?? key, type: blob.type, size: blob.size, lastModified: Date.now() };
        await this.transact([OUTPUTS], 'readwrite', 'keep this output', (outputs) => outputs.put(output, id));
        this.outputs.set(id, output);
        if (previous) {
          this.stored -= previous.size;
          await this.bytes.delete(previous.key).catch((error) => this.onError(error, id));
        }
        return asFile(file, output);
      } catch (error) {
        this.stored -= blob.size;
        await this.bytes.delete(key).catch(() => {});
        if (error instanceof RemovedMeanwhile) return null;
        throw toStorageError(error, 'keep this output');
      }
    });
  }

  /**
   * @param {string} id
   * @returns {Promise<File|null>} the image's kept output (disk-backed), null if none
   */
  async getOutput(id) {
    await this.chains.get(id)?.catch(() => {});
    const output = this.outputs.get(id);
    const blob = output && (await this.bytes.read(output.key));
    return blob ? asFile(blob, output) : null;
  }

  /**
   * Everything kept, in the order it was put, with the latest changes.
   * An image whose original file is gone (evicted, a crash mid-write) cannot come back and is
   * left out (and deleted).
   * @returns {Promise<ImageRecord[]>}
   */
  async list() {
    await this.flush();
    await Promise.all([...this.chains.values()].map((chain) => chain.catch(() => {})));
    const masks = await this.transact([MASKS], 'readonly', 'read the kept session', async (store) => {
      const [keys, values] = await Promise.all([requested(store.getAllKeys()), requested(store.getAll())]);
      return new Map(keys.map((key, i) => [key, values[i]]));
    });
    const listed = [];
    for (const record of [...this.records.values()].sort((a, b) => a.order - b.order)) {
      const original = await this.bytes.read(record.original);
      if (!original) {
        await this.remove(record.id);
        continue;
      }
      const output = this.outputs.get(record.id);
      const outputBlob = output && (await this.bytes.read(output.key));
      listed.push({
        id: record.id, order: record.order, model: record.model, settings: record.settings, state: record.state,
        edits: record.edits, error: record.error, mask: masks.get(record.id) ?? null, maskShape: record.maskShape,
        file: asFile(original, record),
        output: outputBlob ? asFile(outputBlob, output) : null,
      });
    }
    return listed;
  }

  /**
   * Forget one image: its record, mask, original and output.
   * @param {string} id
   * @returns {Promise<void>}
   */
  remove(id) {
    this.removing.add(id);
    this.patches.delete(id);
    this.newestOutput.delete(id);
    return this.after(id, async () => {
      try {
        const record = this.records.get(id);
        const output = this.outputs.get(id);
        await this.transact([IMAGES, MASKS, OUTPUTS], 'readwrite', 'forget this image', (...stores) =>
          stores.forEach((store) => store.delete(id)));
        if (!record) return;
        this.stored -= this.bytesOf(id);
        this.records.delete(id);
        this.outputs.delete(id);
        await this.bytes.delete(record.original);
        if (output) await this.bytes.delete(output.key);
      } finally {
        this.removing.delete(id);
      }
    });
  }

  /** "Clear all": forget every image. @returns {Promise<void>} */
  async clear() {
    clearTimeout(this.timer);
    this.timer = null;
    this.patches.clear();
    this.newestOutput.clear();
    await Promise.all([this.flushing, ...[...this.chains.values()].map((chain) => chain.catch(() => {}))]);
    await this.transact([IMAGES, MASKS, OUTPUTS], 'readwrite', 'clear the kept session', (...stores) =>
      stores.forEach((store) => store.clear()));
    this.records.clear();
    this.outputs.clear();
    await this.bytes.clear();
    this.stored = 0;
  }

  /**
   * How much is kept, and how much the browser allows.
   * @returns {Promise<{backend: 'opfs'|'idb', stored: number, quotaBytes: number|null,
   *   usage: number|null, quota: number|null, persisted: boolean}>}  `stored`: this store's
   *   files and masks in bytes; `usage`/`quota`: the browser's estimate for the whole origin
   *   (its caches of the app and runtime included)
   */
  async estimate() {
    const { usage = null, quota = null } = (await navigator.storage?.estimate?.()) ?? {};
    const persisted = (await navigator.storage?.persisted?.()) ?? false;
    return { backend: this.backend, stored: this.stored, quotaBytes: this.quotaBytes, usage, quota, persisted };
  }

  /** Write what is pending and let go of the database. */
  async close() {
    removeEventListener('pagehide', this.onHide);
    document.removeEventListener('visibilitychange', this.onVisibility);
    await this.flush();
    this.db.close();
    this.release?.();
  }

  // ---------------------------------------------------------------- helpers

  /** Run `work` after the operations on image `id` before it (in call order). */
  after(id, work) {
    const task = (this.chains.get(id) ?? Promise.resolve()).catch(() => {}).then(work);
    this.chains.set(id, task);
    const forget = () => this.chains.get(id) === task && this.chains.delete(id);
    task.then(forget, forget);
    return task;
  }

  /** Big bytes one file at a time. */
  bigWrite(write) {
    const task = this.bigWrites.catch(() => {}).then(write);
    this.bigWrites = task;
    return task;
  }

  /** Count `bytes` more as kept, or throw StorageFullError past `quotaBytes`. */
  reserve(bytes) {
    if (this.quotaBytes !== null && bytes > 0 && this.stored + bytes > this.quotaBytes) throw new StorageFullError();
    this.stored += bytes;
  }

  /** Bytes kept for image `id`: its original, mask and output. */
  bytesOf(id) {
    const record = this.records.get(id);
    return record ? record.size + record.maskBytes + (this.outputs.get(id)?.size ?? 0) : 0;
  }

  /**
   * `work(...objectStores)` in one transaction, committed as soon as `work` has issued its
   * requests; resolves with its result once committed. A throw in `work` aborts the whole
   * transaction; every failure comes out typed.
   */
  async transact(names, mode, what, work) {
    try {
      const transaction = this.db.transaction(names, mode);
      const done = committed(transaction);
      let result;
      try {
        result = await work(...names.map((name) => transaction.objectStore(name)));
      } catch (error) {
        done.catch(() => {});
        try {
          transaction.abort();
        } catch {
          // already finished or aborted by the failed request itself
        }
        throw error;
      }
      try {
        transaction.commit?.(); // at once, not at the end of the task: pagehide may not wait
      } catch {
        // no longer active: it commits by itself
      }
      await done;
      return result;
    } catch (error) {
      throw toStorageError(error, what);
    }
  }
}

/**
 * Ask the browser to keep the session's storage from eviction, when the app is installed
 * (a browser tab's storage is best-effort; an installed app is where people expect to find
 * their work again). Call at start and on `appinstalled`.
 * @param {{installed?: boolean}} [options]
 * @returns {Promise<boolean>} whether the storage is persistent now
 */
export async function requestPersistence({ installed = isInstalled() } = {}) {
  const storage = navigator.storage;
  if (!storage?.persist) return false;
  if (await storage.persisted()) return true;
  return installed ? storage.persist() : false;
}

/**
 * SessionStore.open's options from the page's URL, for tests and debugging:
 * `?storage.quota=200000` caps what the store accepts at 200 000 bytes (a full quota, simulated);
 * `?storage.backend=idb` keeps the big bytes in IndexedDB even where the file system works.
 * @param {URLSearchParams} params
 * @returns {{quotaBytes?: number, prefer?: 'opfs'|'idb'}}
 */
export function storageOptions(params) {
  const options = {};
  const quota = Number(params.get('storage.quota'));
  if (params.has('storage.quota') && Number.isFinite(quota) && quota >= 0) options.quotaBytes = quota;
  const backend = params.get('storage.backend');
  if (backend === 'opfs' || backend === 'idb') options.prefer = backend;
  return options;
}

/** Whether the page runs as an installed app (its own window), not in a browser tab. */
export function isInstalled() {
  const modes = ['standalone', 'minimal-ui', 'fullscreen', 'window-controls-overlay'];
  return modes.some((mode) => matchMedia(`(display-mode: ${mode})`).matches) || navigator.standalone === true;
}

/**
 * Hold the Web Lock `name` until the returned function is called (or the page goes away).
 * @returns {Promise<() => void>}
 * @throws {SessionInUseError}  another tab holds it
 */
async function holdLock(name) {
  if (!navigator.locks) return () => {}; // no Web Locks (very old engines): one tab is the rule anyway
  let release;
  const held = new Promise((resolve) => (release = resolve));
  const acquired = await new Promise((resolve) => {
    navigator.locks.request(name, { ifAvailable: true }, (lock) => {
      resolve(Boolean(lock));
      return lock ? held : undefined;
    });
  });
  if (!acquired) throw new SessionInUseError();
  return release;
}

/** The record's own fields from an ImageRecord (a missing field is kept as null). */
function recordFields({ model, settings = null, state = 'queued', edits = null, error = null, maskShape = null }) {
  checkState(state);
  if (typeof model !== 'string') throw new TypeError('an image record needs its model (a string)');
  return { model, settings, state: state === 'working' ? 'queued' : state, edits, error, maskShape };
}

function checkState(state) {
  if (!STATES.has(state)) throw new TypeError(`state must be one of ${[...STATES].join(', ')}, not ${state}`);
}

/** A stored Blob as a File with the given name, type and date: a view of it, not a copy. */
const asFile = (blob, { name, type, lastModified }) => new File([blob], name, { type, lastModified });

/** A new image id for putImage (give it before putImage resolves, to update it meanwhile). */
export const newImageId = () =>
  self.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/** putOutput's image was removed while its file was being written. */
class RemovedMeanwhile extends Error {}
