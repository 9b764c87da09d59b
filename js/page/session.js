// The page's images kept as they change, and brought back on the next visit (session-store.js
// does the storing). It listens to the image model: a new image is kept, each change of its
// state, mask, settings and strokes is written once the changes rest, each finished output is
// written to disk and the card then links that file instead of the one in memory, so the tab
// does not grow with the number of finished images. On page start the kept images come back
// into the queue: those with a mask are only rendered again (no model run), the others run
// again. Nothing here touches the network, and nothing here is waited for by a stroke or a
// batch: a write that fails shows its message and changes nothing else.

import { outputName } from './names.js';
import { newImageId, requestPersistence, SessionStore, storageOptions } from './session-store.js';

/**
 * @param {{params: URLSearchParams, notice: HTMLElement, clearAll: HTMLButtonElement,
 *          onOutputKept: (job: import('./image-job.js').ImageJob) => void}} options
 *   `notice`: where a storage problem is said; `onOutputKept`: a job's output is now the kept,
 *   disk-backed file (job.result.blob): link it
 * @returns {{watch: (hooks: object) => object, forget: (job: object) => void, restore: (jobs: object) => Promise<void>}}
 */
export function keepSession({ params, notice, clearAll, onOutputKept }) {
  /** @type {SessionStore|null} null until open, or when this tab cannot keep its images */
  let store = null;
  /** @type {import('./batch.js').Batch|null} */
  let queue = null;
  /** job -> what of it is written (or being written): only what differs is written again. */
  const written = new WeakMap();

  function say(error) {
    notice.textContent = error.message;
    notice.dataset.code = error.code ?? '';
    notice.hidden = false;
  }

  const opened = SessionStore.open({ ...storageOptions(params), onError: say }).then((opened) => (store = opened), (error) => {
    say(error); // another tab keeps the session, or no storage here: this tab works without keeping
    return null;
  });
  requestPersistence().catch(() => {});
  addEventListener('appinstalled', () => requestPersistence({ installed: true }).catch(() => {}));

  const snapshot = (job) => ({
    state: job.state, model: job.model, settings: job.settings, mask: job.mask,
    states: job.edits.states, index: job.edits.index, output: job.result?.blob,
  });

  /** Write what changed of `job` since it was last written. */
  function changed(job) {
    if (!store || !queue?.items.includes(job)) return;
    const before = written.get(job);
    if (!before && job.keptId) return void written.set(job, { ...snapshot(job), output: undefined }); // brought back as it is kept
    const now = snapshot(job);
    if (!before) {
      job.keptId = newImageId();
      store.putImage({ id: job.keptId, file: job.file, model: job.model, settings: job.settings, state: job.state,
        edits: { states: now.states, index: now.index }, mask: job.mask, maskShape: job.maskShape }).catch(say);
    } else {
      const changes = {};
      if (now.state !== before.state) changes.state = now.state;
      if (now.model !== before.model) changes.model = now.model;
      if (now.settings !== before.settings) changes.settings = now.settings;
      if (now.mask !== before.mask) Object.assign(changes, { mask: now.mask, maskShape: job.maskShape });
      if (now.states !== before.states || now.index !== before.index) changes.edits = { states: now.states, index: now.index };
      if (now.state === 'error' && before.state !== 'error') changes.error = { code: job.error?.code, message: job.error?.message };
      if (Object.keys(changes).length) store.updateImage(job.keptId, changes);
    }
    written.set(job, { ...now, output: before?.output });
    if (job.state === 'done' && !job.rendering && now.output && now.output !== before?.output) keepOutput(job, now.output);
  }

  /** Write a finished output; once kept, the job's result is that file and the one in memory can go. */
  function keepOutput(job, blob) {
    written.get(job).output = blob;
    store.putOutput(job.keptId, blob, { name: outputName(job.file.name, job.format) }).then((file) => {
      if (!file || job.result?.blob !== blob) return; // a newer output came meanwhile, or it was forgotten
      job.result.blob = file;
      if (written.has(job)) written.get(job).output = file;
      onOutputKept(job);
    }, say);
  }

  // Each card's image is forgotten by the results' own handler (forget, below); after it, with
  // nothing left (a running image stays, and stays kept), the store is emptied outright.
  clearAll.addEventListener('click', () => setTimeout(async () => {
    await opened;
    if (store && !queue?.items.length) await store.clear().catch(say);
    notice.hidden = true;
  }));

  return {
    /** The queue's hooks, with the session told of every change. */
    watch: (hooks) => ({
      ...hooks,
      onChange: (job) => (hooks.onChange(job), changed(job)),
      onBusy: (job) => (hooks.onBusy(job), changed(job)), // strokes, undo, redo and reset come this way
    }),
    /** A card was removed. */
    forget(job) {
      if (store && job.keptId) store.remove(job.keptId).catch(say);
      written.delete(job);
    },
    /**
     * Bring the kept images back into `jobs` (in the order they came), then keep the images
     * added meanwhile.
     * @param {import('./batch.js').Batch} jobs
     */
    async restore(jobs) {
      await opened;
      const records = store ? await store.list().catch((error) => (say(error), [])) : [];
      queue = jobs; // from now on, changes are written (not before: list() would give the new images too)
      for (const record of records) {
        // A mask (with its shape) is rendered again; without one, the model runs again.
        const mask = record.maskShape ? record.mask : null;
        const state = record.state === 'done' ? 'queued' : record.state; // 'done': its render comes again
        const kept = { id: record.id, mask, maskShape: mask && record.maskShape, settings: record.settings,
          edits: record.edits, error: record.error ?? undefined };
        jobs.add([record.file], { model: record.model, state: state === 'error' && !record.error ? 'queued' : state, kept });
      }
      jobs.items.forEach(changed); // those added while the store opened
    },
  };
}
