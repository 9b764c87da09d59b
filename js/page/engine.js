// The image engine as the page sees it: start it (again after a crash) and show its status.

import { createRemover } from './peel.js';

const formatMB = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * @param {HTMLElement} status  [data-testid=app-status]
 * @param {object} options  createRemover's options (backend, threads, stallTimeoutMs)
 * @param {(info: import('../shared/protocol.js').RuntimeInfo) => void} onReady
 */
export function createEngine(status, options, onReady) {
  const text = status.querySelector('.status-text');
  const progress = status.querySelector('.status-progress');
  const showProgress = ({ message, loaded, total }) => {
    text.textContent = `${message}… ${formatMB(loaded)} of ${formatMB(total)}`;
    progress.value = total ? loaded / total : 0;
  };

  function start() {
    delete status.dataset.ready;
    const starting = createRemover({ ...options, onProgress: showProgress });
    starting.then(
      ({ info }) => {
        status.dataset.ready = 'true';
        status.dataset.readyAt = String(Math.round(performance.now())); // ms since navigation, for the bench
        status.dataset.version = info.version;
        status.dataset.timings = JSON.stringify(info.timings); // the worker's start-up stages
        delete status.dataset.failed;
        const single = self.crossOriginIsolated ? '' : ' (one thread: this host does not allow cross-origin isolation)';
        text.textContent = `Ready — ${info.backend}${single}, started in ${(info.timings.total / 1000).toFixed(1)} s.`;
        onReady(info);
      },
      (error) => {
        status.dataset.failed = 'true';
        text.textContent = error.message;
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
  };
}

export { formatMB };
