// The page's handle on the worker: request ids, pending replies, events, failure.

import { ErrorCode, PeelError, Request } from './protocol.js';

export class WorkerClient {
  /**
   * @param {URL} url  module worker script
   * @param {(type: string, payload: any) => void} onEvent  worker events (no id)
   */
  constructor(url, onEvent) {
    /** @type {Map<number, {resolve: Function, reject: Function}>} */
    this.pending = new Map();
    this.nextId = 1;
    this.dead = null;
    this.worker = new Worker(url, { type: 'module', name: 'peel' });
    this.worker.addEventListener('message', ({ data }) => {
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
      this.fail(`The image engine stopped unexpectedly (${event.message || 'worker error'}).`);
    });
  }

  /**
   * @param {string} type  one of protocol.Request
   * @param {any} payload
   * @param {Transferable[]} [transfer]
   * @returns {{id: number, promise: Promise<any>}}
   */
  request(type, payload, transfer = []) {
    const id = this.nextId++;
    const promise = new Promise((resolve, reject) => {
      if (this.dead) {
        reject(this.dead);
        return;
      }
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, payload }, transfer);
    });
    return { id, promise };
  }

  /** Ask the worker to abandon request `id`; its promise then rejects with an AbortError. */
  cancel(id) {
    if (this.pending.has(id)) this.request(Request.CANCEL, { id });
  }

  /** Reject every pending call and refuse new ones. */
  fail(message) {
    this.dead = new PeelError({ code: ErrorCode.WORKER_DIED, message });
    for (const { reject } of this.pending.values()) reject(this.dead);
    this.pending.clear();
  }

  terminate() {
    this.worker.terminate();
    this.fail('The image engine was closed.');
  }
}
