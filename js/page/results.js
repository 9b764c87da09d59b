// The results: one card per image, the selection, and the bar above them (progress, cancel the
// rest, clear all, download all as a ZIP).
// An image's state lives in its ImageJob (image-job.js) only; a card shows it (ResultCard.show).

import { ResultCard } from './card.js';
import { outputName, uniqueNames } from './names.js';
import { createZip } from './zip.js';

/**
 * @param {{list: HTMLElement, bar: HTMLElement, template: HTMLTemplateElement, progress: HTMLElement,
 *          cancelRest: HTMLButtonElement, clearAll: HTMLButtonElement, downloadAll: HTMLButtonElement,
 *          previewBackground: HTMLSelectElement}} elements
 * @param {import('./batch.js').Batch} batch
 * @param {{onSelect?: Function, onForget?: Function, onCount?: Function}} [hooks]  an item was
 *   selected (clicked, or the latest result), an item's card removed, the number of cards
 */
export function createResults(elements, batch, { onSelect = () => {}, onForget = () => {}, onCount = () => {} } = {}) {
  const { list, bar, template, progress, cancelRest, clearAll, downloadAll, previewBackground } = elements;
  /** @type {Map<import('./image-job.js').ImageJob, ResultCard>} */
  const cards = new Map();
  /** The item that setting changes apply to at once: the one clicked, else the latest result. */
  let selected = null;

  const nameOf = (item) => outputName(item.file.name, item.format);

  function cardOf(item) {
    let card = cards.get(item);
    if (!card) {
      card = new ResultCard(template, item.file, {
        onSelect: () => select(item),
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
    card.show(item, nameOf(item));
    if (first) select(item);
    showBatch();
  }

  function forget(item) {
    if (!item.forget()) return false;
    if (selected === item) selected = null;
    cards.get(item)?.destroy();
    cards.delete(item);
    onForget(item);
    return true;
  }

  function showBatch() {
    const { total, done, failed, remaining, etaMs } = batch.progress();
    bar.hidden = cards.size === 0;
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
    cards.get(item)?.setSelected(true);
    onSelect(item);
  }

  cancelRest.addEventListener('click', () => batch.cancelRest());
  clearAll.addEventListener('click', () => {
    for (const item of [...cards.keys()]) forget(item);
    showBatch();
  });
  downloadAll.addEventListener('click', async () => {
    const finished = batch.items.filter((item) => item.state === 'done');
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
