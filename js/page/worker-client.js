// The page's handle on the worker: request ids, pending replies, events, failure.

import { ErrorCode, Event, PeelError, Request } from '../shared/protocol.js';

/** A worker that answers nothing for this long while work is pending is taken for dead. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;
/**
 * While it starts, the worker may be busy for longer without a break (onnxruntime waits for its
 * thread pool synchronously): under heavy load a Firefox start-up went more than 30 s without
 * answering a ping (bench/README.md, "Figures behind choices in the code"). The stages' own
 * deadlines (js/worker/deadline.js) cover every wait that is not such a busy stretch.
 */
export const START_STALL_TIMEOUT_MS = 90_000;
/**
 * onnxruntime's WASM run holds the worker's thread until it ends: a person's own model file
 * (ISNet at 1024: tens of seconds on two loaded cores) may keep it silent for longer than the
 * stall timeout. A call made with this patience is given up only after it (a model's run has
 * its own deadline, js/worker/deadline.js `inference`).
 */
export const LONG_RUN_STALL_TIMEOUT_MS = 600_000;

export class WorkerClient {
  /**
   * @param {URL} url  module worker script
   * @param {(type: string, payload: any) => void} onEvent  worker events (no id)
   * @param {{stallTimeoutMs?: number}} [options]
   */
  constructor(url, onEvent, { stallTimeoutMs = DEFAULT_STALL_TIMEOUT_MS } = {}) {
    /** @type {Map<number, {type: string, resolve: Function, reject: Function, onPreview?: Function, patienceMs?: number}>} */
    this.pending = new Map();
    this.nextId = 1;
    this.dead = null;
    this.worker = new Worker(url, { type: 'module', name: 'peel' });
    this.lastHeard = performance.now();
    this.worker.addEventListener('message', ({ data }) => {
      this.lastHeard = performance.now();
      if (data.type === Event.PREVIEW) {
        this.pending.get(data.payload.id)?.onPreview?.(data.payload);
        return;
      }
      if (data.id === undefined) {
        onEvent(data.type, data.payload);
        return;
      }
      const call = this.pending.get(data.id);
      if (!call) return;
      this.pending.delete(data.id);
      if (data.ok) call.resolve(data.result);
      else call.reject(new PeelError(data.error));
    });
    this.worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.worker.terminate();
      this.fail(`The image engine stopped unexpectedly (${event.message || 'worker error'}).`);
    });
    this.watchdog = setInterval(() => this.checkPulse(stallTimeoutMs), stallTimeoutMs / 4);
  }

  /**
   * A crashed worker (out of memory, killed) sends no error event: while calls are pending, ping
   * it, and give up on it when it has said nothing for `stallTimeoutMs`.
   */
  checkPulse(stallTimeoutMs) {
    if (this.dead) return;
    const calls = [...this.pending.values()];
    const starting = calls.some((call) => call.type === Request.INIT);
    const patience = Math.max(stallTimeoutMs, starting ? START_STALL_TIMEOUT_MS : 0, ...calls.map((call) => call.patienceMs ?? 0));
    if (this.pending.size === 0) {
      this.lastHeard = performance.now();
    } else if (performance.now() - this.lastHeard > patience) {
      this.worker.terminate();
      this.fail('The image engine stopped responding (it may have run out of memory). It was restarted.');
    } else {
      this.worker.postMessage({ id: this.nextId++, type: Request.PING, payload: null });
    }
  }

  /**
   * @param {string} type  one of protocol.Request
   * @param {any} payload
   * @param {{onPreview?: (preview: {preview: Blob, width: number, height: number}) => void, patienceMs?: number}} [options]
   *   onPreview: the request's Event.PREVIEW, if the worker sends one; patienceMs: silence
   *   allowed while this call is pending, when longer than the stall timeout
   * @returns {{id: number, promise: Promise<any>}}
   */
  request(type, payload, { onPreview, patienceMs } = {}) {
    const id = this.nextId++;
    const promise = new Promise((resolve, reject) => {
      if (this.dead) {
        reject(this.dead);
        return;
      }
      this.pending.set(id, { type, resolve, reject, onPreview, patienceMs });
      this.worker.postMessage({ id, type, payload });
    });
    return { id, promise };
  }

  /** Ask the worker to abandon request `id`; its promise then rejects with an AbortError. */
  cancel(id) {
    if (this.pending.has(id)) this.request(Request.CANCEL, { id });
  }

  /** Reject every pending call and refuse new ones. */
  fail(message) {
    clearInterval(this.watchdog);
    this.dead = new PeelError({ code: ErrorCode.WORKER_DIED, message });
    for (const { reject } of this.pending.values()) reject(this.dead);
    this.pending.clear();
  }

  terminate() {
    this.worker.terminate();
    this.fail('The image engine was closed.');
  }
}
