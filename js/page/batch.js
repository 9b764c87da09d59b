// The page's queue: many images, one at a time through the engine, each cancellable.

/** @typedef {'queued'|'working'|'done'|'error'|'cancelled'} ItemState */

/**
 * @typedef {object} BatchItem
 * @property {number} id
 * @property {File} file
 * @property {ItemState} state
 * @property {any} [result]   what `process` resolved with
 * @property {Error} [error]
 * @property {number} [ms]    how long processing took
 */

export class Batch {
  /**
   * @param {object} hooks
   * @param {(item: BatchItem) => Promise<any>} hooks.process  runs one item (one at a time)
   * @param {(item: BatchItem) => void} hooks.onChange  an item changed state
   * @param {() => void} [hooks.onIdle]  the queue ran dry
   */
  constructor({ process, onChange, onIdle = () => {} }) {
    /** @type {BatchItem[]} */
    this.items = [];
    this.process = process;
    this.onChange = onChange;
    this.onIdle = onIdle;
    this.nextId = 1;
    this.running = false;
  }

  /** @param {Iterable<File>} files  @returns {BatchItem[]} the new items, queued */
  add(files) {
    const added = [...files].map((file) => ({ id: this.nextId++, file, state: 'queued' }));
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

  /** Forget an item that is not running. */
  remove(item) {
    if (item.state === 'working') return false;
    this.cancel(item);
    this.items = this.items.filter((other) => other !== item);
    return true;
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
    if (this.running) return;
    this.running = true;
    for (let item = this.next(); item; item = this.next()) {
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
    return this.items.find((item) => item.state === 'queued');
  }
}
