// What can go wrong when the session is kept in the browser's storage, as typed errors with a
// message for people. Each engine names a full quota differently; they all end up here.

import { ErrorCode, PeelError } from '../shared/protocol.js';

/** The storage quota is used up: nothing more can be kept; what is kept stays intact. */
export class StorageFullError extends PeelError {
  /** @param {unknown} [cause]  the browser's own error, if any */
  constructor(cause) {
    super({
      name: 'StorageFullError',
      code: ErrorCode.STORAGE_FULL,
      message: 'Storage is full: download your results and clear them to make room. ' +
        'The images already kept in this browser are safe.',
    });
    this.cause = cause;
  }
}

/** The browser refused or lost a write for another reason (private mode, storage disabled…). */
export class StorageFailedError extends PeelError {
  /**
   * @param {string} what  what could not be done, e.g. "keep this image"
   * @param {unknown} [cause]
   */
  constructor(what, cause) {
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause ?? '');
    super({
      name: 'StorageFailedError',
      code: ErrorCode.STORAGE_FAILED,
      message: `The browser's storage could not ${what}${detail ? ` (${detail})` : ''}. ` +
        'Your results stay here until you close the tab: download the ones you need.',
    });
    this.cause = cause;
  }
}

/** Another tab of the app has the session open: only one tab keeps it, or they would overwrite
 *  each other's images (and one tab's "Clear all" would empty the other's). */
export class SessionInUseError extends PeelError {
  constructor() {
    super({
      name: 'SessionInUseError',
      code: ErrorCode.SESSION_IN_USE,
      message: 'Peel is open in another tab, which keeps its images. The images of this tab are ' +
        'not kept: download your results before closing it.',
    });
  }
}

/**
 * Whether a browser error means "out of quota": Chromium, Firefox and WebKit throw a
 * DOMException named QuotaExceededError from IndexedDB and from the origin-private file system
 * (legacy code 22; Firefox's old storage APIs NS_ERROR_DOM_QUOTA_REACHED).
 * @param {unknown} error
 */
export function isQuotaError(error) {
  const name = /** @type {any} */ (error)?.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' ||
    /** @type {any} */ (error)?.code === 22;
}

/**
 * The one place where a storage failure becomes a typed error.
 * @param {unknown} error
 * @param {string} what  for StorageFailedError's message
 * @returns {StorageFullError|StorageFailedError}
 */
export function toStorageError(error, what) {
  if (error instanceof StorageFullError || error instanceof StorageFailedError) return error;
  return isQuotaError(error) ? new StorageFullError(error) : new StorageFailedError(what, error);
}

/**
 * toStorageError for a write of `bytes` that failed. An error that is not a quota error is still
 * a full quota when the bytes could not have fitted: Chromium now and then reports a write to
 * the origin-private file system that ran out of room as the NotReadableError of reading the
 * blob it was writing (tests/browser/test_model_file.py met it with a 50 MB file and 2 MB left).
 * @param {unknown} error
 * @param {string} what  for StorageFailedError's message
 * @param {number} bytes  the size of what was being written
 * @returns {Promise<StorageFullError|StorageFailedError>}
 */
export async function toWriteError(error, what, bytes) {
  const typed = toStorageError(error, what);
  if (typed instanceof StorageFullError) return typed;
  const estimate = await globalThis.navigator?.storage?.estimate?.().catch(() => null);
  const full = estimate && Number.isFinite(estimate.quota) && (estimate.usage ?? 0) + bytes > estimate.quota;
  return full ? new StorageFullError(error) : typed;
}
