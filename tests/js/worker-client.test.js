// The page's handle on the worker (js/page/worker-client.js), driven with a fake Worker.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';

import { WorkerClient } from '../../js/page/worker-client.js';
import { ErrorCode, Event, PeelError, Request } from '../../js/shared/protocol.js';

/** A Worker that records what the page posts and lets the test answer. */
class FakeWorker {
  static last = null;

  constructor(url, options) {
    this.url = url;
    this.options = options;
    this.posted = [];
    this.listeners = { message: [], error: [] };
    this.terminated = false;
    FakeWorker.last = this;
  }

  addEventListener(type, listener) {
    this.listeners[type].push(listener);
  }

  postMessage(message) {
    this.posted.push(message);
  }

  terminate() {
    this.terminated = true;
  }

  /** The worker says something. */
  reply(data) {
    this.listeners.message.forEach((listener) => listener({ data }));
  }

  crash(message) {
    const event = { message, preventDefault: () => (event.prevented = true) };
    this.listeners.error.forEach((listener) => listener(event));
    return event;
  }
}

const clients = [];
beforeEach(() => {
  globalThis.Worker = FakeWorker;
});
afterEach(() => {
  for (const made of clients.splice(0)) {
    clearInterval(made.watchdog); // stop its watchdog; calls left pending are dropped, not rejected
    made.pending.clear();
  }
  delete globalThis.Worker;
});

function client(options) {
  const events = [];
  const made = new WorkerClient(new URL('file:///worker.js'), (type, payload) => events.push({ type, payload }), options);
  clients.push(made);
  return { client: made, worker: FakeWorker.last, events };
}

test('requests get ids; replies resolve or reject the matching call with a PeelError', async () => {
  const { client: c, worker } = client();
  assert.deepEqual(worker.options, { type: 'module', name: 'peel' });
  const first = c.request(Request.INIT, { backend: 'wasm' });
  const second = c.request(Request.REMOVE, { blob: null });
  assert.notEqual(first.id, second.id);
  assert.deepEqual(worker.posted, [
    { id: first.id, type: Request.INIT, payload: { backend: 'wasm' } },
    { id: second.id, type: Request.REMOVE, payload: { blob: null } },
  ]);
  worker.reply({ id: second.id, ok: false, error: { name: 'PeelError', code: 'too-large', message: 'Too big.' } });
  worker.reply({ id: first.id, ok: true, result: { backend: 'WASM ×2' } });
  assert.deepEqual(await first.promise, { backend: 'WASM ×2' });
  await assert.rejects(second.promise, (error) => error instanceof PeelError && error.code === 'too-large');
});

test('events without an id go to onEvent; previews to the request that asked', async () => {
  const { client: c, worker, events } = client();
  const previews = [];
  const call = c.request(Request.REMOVE, {}, { onPreview: (p) => previews.push(p) });
  worker.reply({ type: Event.PROGRESS, payload: { loaded: 1, total: 2 } });
  worker.reply({ type: Event.PREVIEW, payload: { id: call.id, width: 3 } });
  worker.reply({ type: Event.PREVIEW, payload: { id: 999, width: 4 } });
  assert.deepEqual(events, [{ type: Event.PROGRESS, payload: { loaded: 1, total: 2 } }]);
  assert.deepEqual(previews, [{ id: call.id, width: 3 }]);
});

test('a crashed worker rejects every pending call and every later one with worker-died', async () => {
  const { client: c, worker } = client();
  const pending = c.request(Request.REMOVE, {});
  const event = worker.crash('boom');
  assert.ok(event.prevented && worker.terminated);
  const isDead = (error) => error.code === ErrorCode.WORKER_DIED && /boom/.test(error.message);
  await assert.rejects(pending.promise, isDead);
  await assert.rejects(c.request(Request.PING, null).promise, isDead);
});

test('a silent worker is pinged, then given up on after the stall timeout', async () => {
  const { client: c, worker } = client({ stallTimeoutMs: 80 });
  const pending = c.request(Request.REMOVE, {});
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(worker.posted.some((message) => message.type === Request.PING), 'pinged while waiting');
  await assert.rejects(pending.promise, (error) => error.code === ErrorCode.WORKER_DIED && /stopped responding/.test(error.message));
  assert.ok(worker.terminated);
});

test("a call with patience (a person's slow model) keeps a silent worker alive that long, then gives up", async () => {
  const { client: c, worker } = client({ stallTimeoutMs: 40 });
  const pending = c.request(Request.REMOVE, {}, { patienceMs: 200 });
  await new Promise((resolve) => setTimeout(resolve, 120)); // three stall timeouts of silence
  assert.equal(c.dead, null);
  await assert.rejects(pending.promise, (error) => error.code === ErrorCode.WORKER_DIED);
  assert.ok(worker.terminated);
});

test('an idle worker is never taken for dead', async () => {
  const { client: c, worker } = client({ stallTimeoutMs: 40 });
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.equal(c.dead, null);
  assert.equal(worker.terminated, false);
});

test('cancel asks the worker to abandon a pending request only', () => {
  const { client: c, worker } = client();
  const call = c.request(Request.REMOVE, {});
  c.cancel(call.id);
  c.cancel(12345);
  const cancels = worker.posted.filter((message) => message.type === Request.CANCEL);
  assert.deepEqual(cancels.map((message) => message.payload), [{ id: call.id }]);
});
