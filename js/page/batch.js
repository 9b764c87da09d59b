// The page's queue: many images, one at a time through the engine, each cancellable. Its items
// are the page's ImageJobs (image-job.js); the queue writes only the fields of BatchItem.

/** @typedef {'queued'|'working'|'done'|'error'|'cancelled'} ItemState */

/**
 * @typedef {object} BatchItem
 * @property {number} id
 * @property {File} file
 * @property {ItemState} state
 * @property {any} [result]   what `process` resolved with
 * @property {Error} [error]
 * @property {number} [ms]    how long processing took
 * @property {boolean} [rendering]  a finished item whose output is being made again (new settings)
 * @property {Error} [renderError]  why the last re-render failed (the item keeps its output)
 */

export class Batch {
  /**
   * @param {object} hooks
   * @param {(item: BatchItem) => Promise<any>} hooks.process  runs one item (one at a time)
   * @param {(item: BatchItem) => void} hooks.onChange  an item changed state
   * @param {() => void} [hooks.onIdle]  the queue ran dry
   * @param {(item: BatchItem) => boolean} [hooks.isReady]  whether a queued item can run now (its
   *   model may still wait for a download); the others wait, and run() runs them once ready
   * @param {(fields: BatchItem) => BatchItem} [hooks.create]  makes a new item from its fields
   */
  constructor({ process, onChange, onIdle = () => {}, isReady = () => true, create = (fields) => fields }) {
    /** @type {BatchItem[]} */
    this.items = [];
    this.process = process;
    this.onChange = onChange;
    this.onIdle = onIdle;
    this.isReady = isReady;
    this.create = create;
    this.nextId = 1;
    this.running = false;
    this.held = false;
  }

  /** Keep new items queued (while the engine starts); `release` runs them. */
  hold() {
    this.held = true;
  }

  release() {
    this.held = false;
    this.run();
  }

  /**
   * @param {Iterable<File>} files
   * @param {object} [extra]  more properties for each new item (e.g. its model; its state, for
   *   an image brought back in the state it was kept in)
   * @returns {BatchItem[]} the new items, queued (unless `extra` says otherwise)
   */
  add(files, extra = {}) {
    const added = [...files].map((file) => this.create({ state: 'queued', ...extra, id: this.nextId++, file }));
    this.items.push(...added);
    added.forEach((item) => this.onChange(item));
    this.run();
    return added;
  }

  /** Take a queued item out of the queue; running and finished items are not affected. */
  cancel(item) {
    if (item.state !== 'queued') return;
    item.state = 'cancelled';
    this.onChange(item);
  }

  /** Cancel every queued item; the one running finishes. */
  cancelRest() {
    this.items.filter((item) => item.state === 'queued').forEach((item) => this.cancel(item));
  }

  /** Queue a finished (or failed) item again, e.g. to run it with another model. */
  requeue(item) {
    if (item.state === 'working' || item.state === 'queued') return;
    item.state = 'queued';
    delete item.ms;
    this.onChange(item);
    this.run();
  }

  /** Forget an item that is not running. */
  remove(item) {
    if (item.state === 'working') return false;
    this.cancel(item);
    this.items = this.items.filter((other) => other !== item);
    return true;
  }

  /**
   * Make a finished item's output again, e.g. with new settings; it stays done (and counted as
   * done) meanwhile, with `rendering` set.
   * @param {BatchItem} item
   * @param {(item: BatchItem) => Promise<object>} render  resolves with fields to set on the item
   */
  async rerender(item, render) {
    if (item.state !== 'done' || !this.items.includes(item)) return; // e.g. removed meanwhile
    item.rendering = true;
    item.renderError = undefined;
    this.onChange(item);
    try {
      Object.assign(item, await render(item));
    } catch (error) {
      item.renderError = error;
    }
    item.rendering = false;
    this.onChange(item);
  }

  /** Counts and an estimate of the time left, from the average of the finished items. */
  progress() {
    const count = (state) => this.items.filter((item) => item.state === state).length;
    const finished = this.items.filter((item) => item.ms !== undefined);
    const average = finished.reduce((sum, item) => sum + item.ms, 0) / (finished.length || 1);
    const remaining = count('queued') + count('working');
    return {
      total: this.items.length - count('cancelled'),
      done: count('done'),
      failed: count('error'),
      remaining,
      etaMs: finished.length ? Math.round(average * remaining) : null,
    };
  }

  async run() {
    if (this.running || this.held) return;
    this.running = true;
    for (let item = this.next(); item && !this.held; item = this.next()) {
      item.state = 'working';
      this.onChange(item);
      const started = performance.now();
      try {
        item.result = await this.process(item);
        item.state = 'done';
      } catch (error) {
        item.error = error;
        item.state = 'error';
      }
      item.ms = performance.now() - started;
      this.onChange(item);
    }
    this.running = false;
    this.onIdle();
  }

  next() {
    return this.items.find((item) => item.state === 'queued' && this.isReady(item));
  }
}
