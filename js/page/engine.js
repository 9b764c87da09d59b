// The image engine as the page sees it: start it (again after a crash) and show its status.

import { createRemover } from './peel.js';

const formatMB = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * @param {HTMLElement} status  [data-testid=app-status]
 * @param {object} options  createRemover's options (backend, threads, stallTimeoutMs)
 * @param {(info: import('../shared/protocol.js').RuntimeInfo) => void} onReady
 * @param {{onStart?: () => void, onFailed?: () => void, queued?: () => number}} [hooks]
 *   onStart: a (re)start begins; onFailed: it failed; queued: images waiting, for the status
 */
export function createEngine(status, options, onReady, { onStart = () => {}, onFailed = () => {}, queued = () => 0 } = {}) {
  const text = status.querySelector('.status-text');
  const progress = status.querySelector('.status-progress');
  /** @type {import('../shared/protocol.js').Progress|null} */
  let last = null;
  /** What start-up does and waits for, and how many images wait for it. */
  const showProgress = (update) => {
    last = update;
    const { message, loaded, total } = update;
    const bytes = total && loaded < total ? ` ${formatMB(loaded)} of ${formatMB(total)}` : '';
    const waiting = queued();
    const images = waiting ? ` — ${waiting} image${waiting > 1 ? 's' : ''} queued, starting as soon as it is ready` : '';
    text.textContent = `${message}…${bytes}${images}`;
    progress.value = total ? loaded / total : 0;
  };

  function start() {
    delete status.dataset.ready;
    onStart();
    const workerAt = Math.round(performance.now());
    const starting = createRemover({ ...options, onProgress: showProgress });
    starting.then(
      ({ info }) => {
        status.dataset.ready = 'true';
        status.dataset.readyAt = String(Math.round(performance.now())); // ms since navigation, for the bench
        status.dataset.version = info.version;
        // The worker's start-up stages (ms since it started), and when the page started it.
        status.dataset.timings = JSON.stringify({ ...info.timings, workerAt });
        delete status.dataset.failed;
        const single = self.crossOriginIsolated ? '' : ' (one thread: this host does not allow cross-origin isolation)';
        text.textContent = `Ready — ${info.backend}${single}, started in ${(info.timings.total / 1000).toFixed(1)} s.`;
        onReady(info);
      },
      (error) => {
        status.dataset.failed = 'true';
        text.textContent = error.message;
        onFailed();
      },
    );
    return starting;
  }

  let remover = null;
  return {
    /** The remover, once started. */
    get remover() {
      return remover;
    },
    /** Start the engine, or a fresh one in place of one that died. */
    restart() {
      remover = start();
      return remover;
    },
    /** Show the start-up status again (e.g. images were queued meanwhile). */
    refresh() {
      if (last && !status.dataset.ready && !status.dataset.failed) showProgress(last);
    },
  };
}

export { formatMB };
