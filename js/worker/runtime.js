// The worker's runtime: answers the page's requests, one image job at a time, once boot.js has
// started Pyodide and onnxruntime. It takes `post` as an argument instead of using
// self.postMessage, so that a test or another host can drive it (see worker.js for the real
// wiring).

import { boot } from './boot.js';
import { hints, remove, render, renderRegion } from './jobs.js';
import { addModelFile, ensureModel } from './models.js';
import { ErrorCode, Event, PeelError, Request, toWireError } from '../shared/protocol.js';

/**
 * @param {(message: object, transfer?: Transferable[]) => void} post
 * @param {{boot?: typeof boot}} [hooks]  boot: what INIT starts (a test passes a fake bridge and
 *   fake inference here; the real one loads Pyodide and onnxruntime)
 * @returns {(message: {id: number, type: string, payload: any}) => void}  the message handler
 */
export function startRuntime(post, { boot: start = boot } = {}) {
  /** @type {Promise<Runtime>|null} */
  let runtime = null;
  const cancelled = new Set();
  let queue = Promise.resolve(); // one job at a time

  /** Run jobs one at a time, each with a checkpoint that throws once it was cancelled. */
  const schedule = (id, job) => {
    const run = queue.then(async () => {
      if (!runtime) throw new PeelError({ code: ErrorCode.RUNTIME_FAILED, message: 'The runtime was not started.' });
      const checkpoint = () => {
        if (cancelled.delete(id)) throw new DOMException('Cancelled', 'AbortError');
      };
      return job(await runtime, checkpoint);
    });
    queue = run.catch(() => {});
    return run;
  };
  const previewOf = (id) => (preview) => post({ type: Event.PREVIEW, payload: { id, ...preview } });
  const reply = (id, work) =>
    work.then(
      ({ result, transfer = [] }) => post({ id, ok: true, result }, transfer),
      (error) => post({ id, ok: false, error: toWireError(error) }),
    );

  return ({ id, type, payload }) => {
    switch (type) {
      case Request.INIT:
        runtime ??= start(payload, (progress) => post({ type: Event.PROGRESS, payload: progress }));
        reply(id, runtime.then((r) => ({ result: r.info })));
        break;
      case Request.REMOVE:
        reply(id, schedule(id, (r, checkpoint) => remove(r, payload, checkpoint, previewOf(id),
          (progress) => post({ type: Event.PROGRESS, payload: progress }))));
        break;
      case Request.RENDER:
        reply(id, schedule(id, (r, checkpoint) => render(r, payload, checkpoint, previewOf(id))));
        break;
      case Request.RENDER_REGION:
        reply(id, schedule(id, (r, checkpoint) => renderRegion(r, payload, checkpoint, previewOf(id))));
        break;
      case Request.HINTS:
        reply(id, schedule(id, (r) => hints(r, payload)));
        break;
      case Request.LOAD_MODEL: // beside the job queue, not in it: see protocol.js
        reply(id, (runtime ?? Promise.reject(new Error('not started'))).then((r) =>
          ensureModel(r, payload.model, (progress) => post({ type: Event.PROGRESS, payload: progress })))
          .then(() => ({ result: null })));
        break;
      case Request.ADD_MODEL: // in the queue: it needs Python, which may be in a job's middle
        reply(id, schedule(id, (r) => addModelFile(r, payload,
          (progress) => post({ type: Event.PROGRESS, payload: progress }))).then((result) => ({ result })));
        break;
      case Request.FORGET_MODEL:
        reply(id, schedule(id, (r) => r.inference.release(payload.model)).then(() => ({ result: null })));
        break;
      case Request.CANCEL:
        cancelled.add(payload.id);
        reply(id, Promise.resolve({ result: null }));
        break;
      case Request.PING: // answered at once, even mid-job: proof of life for the watchdog
        reply(id, Promise.resolve({ result: null }));
        break;
      default:
        reply(id, Promise.reject(new PeelError({ code: ErrorCode.INTERNAL, message: `Unknown request ${type}` })));
    }
  };
}

/**
 * @typedef {object} Runtime
 * @property {import('../shared/protocol.js').RuntimeInfo} info
 * @property {any} bridge  the Python module peel.bridge
 * @property {Awaited<ReturnType<typeof import('./inference.js').createInference>>} inference
 * @property {() => (Object<string, number>|undefined)} memory  bytes of each WASM heap now, when measured
 * @property {{files: Object<string, number>, models?: Object<string, string[]>}} manifest  build.json
 * @property {Object<string, number>} [deadlines]  ms per stage (js/worker/deadline.js), with the page's overrides
 */
