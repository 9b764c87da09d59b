// The image engine as the page sees it: start it (again after a crash) and show its status.

import { ErrorCode } from '../shared/protocol.js';
import { createRemover } from './peel.js';

const formatMB = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * @param {HTMLElement} status  [data-testid=app-status]
 * @param {object} options  createRemover's options (backend, threads, deadlines, stallTimeoutMs)
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
    const { message, loaded, total, waitingFor = [] } = update;
    status.dataset.waitingFor = waitingFor.join(' '); // what start-up still waits for
    const bytes = total && loaded < total ? ` ${formatMB(loaded)} of ${formatMB(total)}` : '';
    const waiting = queued();
    const images = waiting ? ` — ${waiting} image${waiting > 1 ? 's' : ''} queued, starting as soon as it is ready` : '';
    text.textContent = `${message}…${bytes}${images}`;
    progress.value = total ? loaded / total : 0;
  };

  /**
   * A worker that goes silent while it starts is taken for dead by the watchdog; the stages' own
   * deadlines cannot fire then (onnxruntime waits for its thread pool synchronously, and in
   * Firefox under heavy load a pool worker's first message can be lost). One thread needs no
   * pool: start once more with one, and say so, rather than fail.
   */
  function createWithFallback(startOptions) {
    return createRemover(startOptions).catch((error) => {
      if (error.code !== ErrorCode.WORKER_DIED || startOptions.threads === 1) throw error;
      showProgress({ message: 'The engine did not answer while starting its threads; starting again with one thread' });
      return createRemover({ ...startOptions, threads: 1 });
    });
  }

  function start() {
    delete status.dataset.ready;
    onStart();
    const workerAt = Math.round(performance.now());
    const starting = createWithFallback({ ...options, onProgress: showProgress });
    starting.then(
      ({ info }) => {
        status.dataset.ready = 'true';
        status.dataset.readyAt = String(Math.round(performance.now())); // ms since navigation, for the bench
        status.dataset.version = info.version;
        // The worker's start-up stages (ms since it started), and when the page started it.
        status.dataset.timings = JSON.stringify({ ...info.timings, workerAt });
        Object.assign(status.dataset, { backend: info.backend, threads: info.threads, poolWorkers: info.poolWorkers });
        delete status.dataset.failed;
        const single = self.crossOriginIsolated ? '' : ' (one thread: this host does not allow cross-origin isolation)';
        // Plain words; the engine's own name and the start-up time are details, in the tooltip.
        const threads = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
        const where = info.backendId === 'webgpu' ? 'graphics card' : `processor (${threads})`;
        text.textContent = `Ready — running on this device's ${where}${single}.`;
        status.title = `${info.backend}, started in ${(info.timings.total / 1000).toFixed(1)} s`;
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
