// The results: one card per image, the selection, and the bar above them (progress, cancel the
// rest, clear all, download all as a ZIP, with a warning when its images differ in settings).
// Only a result that comes to an empty editor opens by itself: later ones are marked new (and
// counted) and wait for the user, so the editor never changes image under a stroke or a zoom.
// An image's state lives in its ImageJob (image-job.js) only; a card shows it (ResultCard.show).

import { ResultCard } from './card.js';
import { outputName, uniqueNames } from './names.js';
import { productNotice } from './product-note.js';
import { createZip } from './zip.js';

/**
 * @param {{list: HTMLElement, bar: HTMLElement, template: HTMLTemplateElement, progress: HTMLElement,
 *          cancelRest: HTMLButtonElement, clearAll: HTMLButtonElement, downloadAll: HTMLButtonElement,
 *          previewBackground: HTMLSelectElement, newCount: HTMLElement, zipWarning: HTMLElement,
 *          previous: HTMLButtonElement, next: HTMLButtonElement}} elements
 * @param {import('./batch.js').Batch} batch
 * @param {{onSelect?: Function, onForget?: Function, onCount?: Function,
 *          looks?: (items: any[]) => number}} [hooks]  an item was selected (opened by the user,
 *   or the first result), an item's card removed, the number of cards, how many different
 *   settings these items were made with
 */
export function createResults(elements, batch,
  { onSelect = () => {}, onForget = () => {}, onCount = () => {}, looks = () => 1 } = {}) {
  const { list, bar, template, progress, cancelRest, clearAll, downloadAll, previewBackground, newCount, zipWarning,
    previous, next } = elements;
  /** @type {Map<import('./image-job.js').ImageJob, ResultCard>} */
  const cards = new Map();
  /** The item in the editor: the one opened, else the first result. */
  let selected = null;
  /** Finished items not opened yet. */
  const unseen = new Set();

  const nameOf = (item) => outputName(item.file.name, item.format);

  function cardOf(item) {
    let card = cards.get(item);
    if (!card) {
      card = new ResultCard(template, item.file, {
        onSelect: () => select(item),
        onStep: (step) => stepFrom(item, step),
        onCancel: () => item.cancel(),
        onRemove: () => forget(item) && showBatch(),
      });
      cards.set(item, card);
      list.append(card.element);
    }
    return card;
  }

  /** @param {import('./image-job.js').ImageJob} item  changed: show it as it now is */
  function show(item) {
    if (!cards.has(item) && !batch.items.includes(item)) return; // removed meanwhile
    const card = cardOf(item);
    const first = item.state === 'done' && !card.result;
    const newOutput = item.state === 'done' && item.result !== card.result;
    card.show(item, nameOf(item));
    if (newOutput) productNotice(item).then((text) => card.showProductNotice(text));
    // Into an empty editor (the first result, or after Clear all) or the image already chosen;
    // else it waits, marked new: the editor never changes image under the user.
    if (first && (!selected || selected === item)) select(item);
    else if (first) unseen.add(item);
    showNew();
    showBatch();
  }

  function forget(item) {
    if (!item.forget()) return false;
    if (selected === item) selected = null;
    unseen.delete(item);
    showNew();
    cards.get(item)?.destroy();
    cards.delete(item);
    onForget(item);
    return true;
  }

  function showBatch() {
    const { total, done, failed, remaining, etaMs } = batch.progress();
    bar.hidden = cards.size === 0;
    if (done === 0) zipWarning.hidden = true;
    onCount(cards.size);
    downloadAll.disabled = done === 0;
    cancelRest.hidden = remaining <= 1;
    const left = remaining && etaMs !== null ? `, about ${Math.max(1, Math.round(etaMs / 1000))} s left` : '';
    const errors = failed ? ` (${failed} failed)` : '';
    progress.textContent = total ? `${done + failed} of ${total} finished${errors}${left}` : '';
  }

  function select(item) {
    if (selected) cards.get(selected)?.setSelected(false);
    selected = item;
    unseen.delete(item);
    showNew();
    cards.get(item)?.setSelected(true);
    onSelect(item);
  }

  /** Open the finished item `step` places from `item` (arrow keys, Previous/Next). */
  function stepFrom(item, step, focusCard = true) {
    const done = batch.items.filter((each) => each.state === 'done' && cards.has(each));
    const at = done.indexOf(item);
    const next = done[at === -1 ? 0 : (at + step + done.length) % done.length];
    if (!next) return;
    select(next);
    if (focusCard) cards.get(next).focus();
  }

  function showNew() {
    for (const [item, card] of cards) card.setNew(unseen.has(item));
    newCount.textContent = unseen.size ? `${unseen.size} new` : '';
    newCount.hidden = !unseen.size;
  }

  /** The ZIP of every finished result; first a warning when they were made with different settings. */
  async function downloadZip(finished) {
    const names = uniqueNames(finished.map(nameOf));
    let zip;
    try {
      zip = await createZip(finished.map((item, i) => ({ name: names[i], blob: item.result.blob })));
    } catch (error) {
      progress.textContent = error.message; // past the ZIP format's limits: say so, make nothing
      return;
    }
    const link = document.createElement('a');
    link.href = URL.createObjectURL(zip);
    link.download = `peel-${new Date().toISOString().slice(0, 10)}.zip`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  }

  previous.addEventListener('click', () => selected && stepFrom(selected, -1, false));
  next.addEventListener('click', () => selected && stepFrom(selected, 1, false));
  cancelRest.addEventListener('click', () => batch.cancelRest());
  clearAll.addEventListener('click', () => {
    for (const item of [...cards.keys()]) forget(item);
    showBatch();
  });
  const finishedItems = () => batch.items.filter((item) => item.state === 'done');
  downloadAll.addEventListener('click', () => {
    const finished = finishedItems();
    const kinds = looks(finished);
    if (kinds > 1) {
      zipWarning.querySelector('.zip-warning-text').textContent = `These ${finished.length} images were made with `
        + `${kinds} different settings (a background or format changed for some only). Choose “All images” next to `
        + 'the settings to make them alike, or download them as they are.';
      zipWarning.hidden = false;
      zipWarning.querySelector('button').focus();
      return;
    }
    downloadZip(finished);
  });
  zipWarning.querySelector('button').addEventListener('click', () => {
    zipWarning.hidden = true;
    downloadZip(finishedItems());
  });
  previewBackground.addEventListener('change', () => (list.dataset.preview = previewBackground.value));

  return {
    show,
    /** The card of an item, for its live previews. */
    card: (item) => cards.get(item),
    /** The selected item, when it is finished (what a settings change re-renders). */
    selectedDone: () => (selected?.state === 'done' ? selected : null),
  };
}
