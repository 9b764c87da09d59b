// Start-up deadlines: no stage of the worker's boot may wait silently forever.
//
// A stage's clock restarts whenever bytes arrive (noteActivity), so a slow network is never
// taken for a hang; only a stage that has seen nothing happen for its whole deadline fails.

import { ErrorCode, PeelError } from '../shared/protocol.js';

/** The boot's stages. */
export const Stage = Object.freeze({
  PYODIDE: 'pyodide',
  PACKAGES: 'packages',
  PEEL: 'peel',
  MODEL: 'model',
  SESSION: 'session',
  /** A person's model file: read, recognised and its session made (js/worker/models.js). */
  MODEL_FILE: 'modelFile',
  /** One run of a model on an image (js/worker/jobs.js). */
  INFERENCE: 'inference',
});

/** Each stage as the error message names it. */
export const STAGE_LABELS = Object.freeze({
  [Stage.PYODIDE]: 'Python (Pyodide)',
  [Stage.PACKAGES]: 'numpy and Pillow',
  [Stage.PEEL]: 'the peel package',
  [Stage.MODEL]: 'the model file',
  [Stage.SESSION]: 'the model (onnxruntime session)',
  [Stage.MODEL_FILE]: 'your model file',
  [Stage.INFERENCE]: 'running the model',
});

/**
 * ms without any progress after which a stage is taken for stuck (2-core machine, cold). The
 * .wasm files stream into the compiler untouched (boot.js: code cache), so only their arrival
 * counts as progress: the stages that download one (Pyodide, the session) get the most time.
 */
export const DEFAULT_DEADLINES_MS = Object.freeze({
  [Stage.PYODIDE]: 90_000,
  [Stage.PACKAGES]: 60_000,
  [Stage.PEEL]: 30_000,
  [Stage.MODEL]: 60_000,
  [Stage.SESSION]: 90_000,
  // Not start-up stages: a person's model may be large and slow (ISNet at 1024 in WASM on two
  // loaded cores took tens of seconds); these only catch a run that will never end.
  [Stage.MODEL_FILE]: 300_000,
  [Stage.INFERENCE]: 600_000,
});

let lastActivity = performance.now();

/** Something arrived (a chunk of a download): every running stage gets its full time again. */
export function noteActivity() {
  lastActivity = performance.now();
}

/**
 * `promise`, or a PeelError STARTUP_TIMEOUT once `ms` passed with no activity while waiting.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} stage  one of Stage
 * @param {string} [message]  the error's message (default: the start-up's "got stuck loading …")
 * @returns {Promise<T>}
 */
export function deadline(promise, ms, stage, message) {
  const started = performance.now();
  let timer;
  const expired = new Promise((_, reject) => {
    const check = () => {
      const idle = performance.now() - Math.max(started, lastActivity);
      if (idle < ms) {
        timer = setTimeout(check, Math.min(1000, ms - idle));
        return;
      }
      reject(new PeelError({
        code: ErrorCode.STARTUP_TIMEOUT,
        message: message ?? `Peel's image engine got stuck loading ${STAGE_LABELS[stage]}: nothing happened for ${Math.round(ms / 1000)} s. ` +
          'Reload the page to try again.',
      }));
    };
    timer = setTimeout(check, Math.min(1000, ms));
  });
  return Promise.race([promise, expired]).finally(() => {
    clearTimeout(timer);
  });
}
