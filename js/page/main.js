// The UI: owns the DOM and wires the pieces. All image work goes through peel.js.

import { Batch } from './batch.js';
import { ResultCard } from './card.js';
import { collectFiles, isImageFile } from './files.js';
import { outputName, uniqueNames } from './names.js';
import { createRemover } from './peel.js';
import { readSettings, showValues } from './settings-form.js';
import { commandLine } from './command-line.js';
import { ErrorCode } from '../shared/protocol.js';
import {
  downloadForOffline,
  missingForOffline,
  needsIsolationReload,
  startServiceWorker,
  takeSharedFiles,
} from './sw-client.js';
import { createZip } from './zip.js';
import { Editor, hintsName } from './editor.js';

const params = new URLSearchParams(location.search);
const options = {
  backend: params.get('backend') ?? 'auto', // 'wasm' | 'webgpu' | 'auto'
  threads: Number(params.get('threads')) || undefined,
  stallTimeoutMs: Number(params.get('stall')) || undefined,
};

const $ = (selector) => document.querySelector(selector);
const status = $('[data-testid=app-status]');
const statusText = status.querySelector('.status-text');
const statusProgress = status.querySelector('.status-progress');
const dropZone = $('#drop-zone');
const results = $('#results');
const resultsBar = $('.results-bar');
const batchProgress = $('[data-testid=batch-progress]');
const cancelRest = $('[data-testid=cancel-rest]');
const downloadAll = $('[data-testid=download-all]');
const template = $('#result-template');
const updateBanner = $('[data-testid=update-available]');
const offlineStatus = $('[data-testid=offline-status]');
const makeOffline = $('[data-testid=make-offline]');
const offlineProgress = $('.offline-progress');
const settingsForm = $('#settings');
const backgroundImage = $('#background-image');
const editor = new Editor($('[data-testid=editor]'), {
  onEdit: (item) => scheduleRender(item),
  hintsPng: async (size, edits) => (await remover).hints(size, edits),
});

const formatMB = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/** @type {Map<import('./batch.js').BatchItem, ResultCard>} */
const cards = new Map();
/** @type {import('../shared/protocol.js').RuntimeInfo|null} */
let runtimeInfo = null;
/** The card that setting changes apply to at once: the one clicked, else the latest result. */
let selected = null;

/** The settings of the form, and the background image they may need. */
function currentSettings() {
  return { settings: readSettings(settingsForm), background: backgroundImage.files[0] };
}

const batch = new Batch({
  process: async (item) => {
    try {
      const { settings, background } = currentSettings();
      const onPreview = ({ preview }) => cards.get(item)?.showPreview(preview);
      const result = await (await remover).remove(item.file, { settings, background, onPreview });
      item.mask = result.mask; // kept: any later setting change costs no model run
      item.format = settings.format;
      item.productLayout = settings.product;
      return result;
    } catch (error) {
      if (error.code === ErrorCode.WORKER_DIED) remover = start(); // a fresh engine for the rest
      throw error;
    }
  },
  onChange: showItem,
  onIdle: () => runtimeInfo && showOfflineAvailability(runtimeInfo.backendId), // storage may be evicted
});

await startServiceWorker({ onUpdate: offerUpdate });
if (needsIsolationReload()) location.reload(); // the service worker now adds COOP/COEP
let remover = start();

function start() {
  delete status.dataset.ready;
  const starting = createRemover({ ...options, onProgress: showProgress });
  starting.then(
    ({ info }) => {
      runtimeInfo = info;
      status.dataset.ready = 'true';
      status.dataset.readyAt = String(Math.round(performance.now())); // ms since navigation, for the bench
      status.dataset.version = info.version;
      status.dataset.timings = JSON.stringify(info.timings); // the worker's start-up stages
      delete status.dataset.failed;
      const single = self.crossOriginIsolated ? '' : ' (one thread: this host does not allow cross-origin isolation)';
      statusText.textContent = `Ready — ${info.backend}${single}, started in ${(info.timings.total / 1000).toFixed(1)} s.`;
      showOfflineAvailability(info.backendId);
    },
    (error) => {
      status.dataset.failed = 'true';
      statusText.textContent = error.message;
    },
  );
  return starting;
}

function showProgress({ message, loaded, total }) {
  statusText.textContent = `${message}… ${formatMB(loaded)} of ${formatMB(total)}`;
  statusProgress.value = total ? loaded / total : 0;
}

/** @param {Iterable<File>} files */
function addFiles(files) {
  batch.add(files);
}

/** @param {import('./batch.js').BatchItem} item */
function showItem(item) {
  let card = cards.get(item);
  if (!card) {
    card = new ResultCard(template, item.file, {
      onSelect: () => {
        select(item);
        if (item.state === 'done') editor.root.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      },
      onCancel: () => batch.cancel(item),
      onRemove: () => {
        if (batch.remove(item)) {
          if (selected === item) unselect();
          cards.get(item).destroy();
          cards.delete(item);
          showBatch();
        }
      },
    });
    cards.set(item, card);
    results.append(card.element);
  }
  card.setState(item.state);
  if (item.state === 'done') {
    card.showResult(item.result, outputName(item.file.name, item.format));
    const shown = editor.item === item;
    select(item); // opens it in the editor, or…
    if (shown) editor.showResult(item, card.link); // …shows its new result there
  }
  if (item.state === 'error') card.showError(item.error);
  showBatch();
}

function showBatch() {
  const { total, done, failed, remaining, etaMs } = batch.progress();
  resultsBar.hidden = cards.size === 0;
  document.body.classList.toggle('has-results', cards.size > 0); // the drop zone steps aside
  downloadAll.disabled = done === 0;
  cancelRest.hidden = remaining <= 1;
  const left = remaining && etaMs !== null ? `, about ${Math.max(1, Math.round(etaMs / 1000))} s left` : '';
  const errors = failed ? ` (${failed} failed)` : '';
  batchProgress.textContent = total ? `${done + failed} of ${total} finished${errors}${left}` : '';
}

function select(item) {
  if (selected) cards.get(selected)?.setSelected(false);
  selected = item;
  cards.get(item)?.setSelected(true);
  if (item.state === 'done') editor.open(item, cards.get(item).link);
}

function unselect() {
  selected = null;
  editor.close();
}

/**
 * Render a finished image again with the current settings and its edits. One render per image
 * at a time: changes made meanwhile (strokes, controls) all go into the next one.
 */
async function scheduleRender(item) {
  item.renderWanted = true;
  editor.setBusy(item, true);
  if (item.rendering) return;
  item.rendering = true;
  while (item.renderWanted && cards.has(item)) {
    item.renderWanted = false;
    await renderAgain(item);
  }
  item.rendering = false;
  editor.setBusy(item, false);
}

/** Apply the current settings and edits to a finished image: its kept mask, no model run. */
async function renderAgain(item) {
  const card = cards.get(item);
  if (!card) return; // removed meanwhile
  const { settings, background } = currentSettings();
  const edits = editor.editsOf(item);
  card.setState('working', 'Applying the settings…');
  try {
    const onPreview = ({ preview }) => {
      card.showPreview(preview);
      item.renderedStrokes = edits.strokes;
      editor.showPreview(item, preview);
    };
    item.result = { ...item.result, ...(await (await remover).render(item.file, item.mask, {
      settings, background, imageId: item.result.imageId, edits, onPreview,
    })) };
    item.format = settings.format;
    item.productLayout = settings.product;
    item.renderedStrokes = edits.strokes;
    card.setState('done');
    card.showResult(item.result, outputName(item.file.name, item.format));
    editor.showResult(item, card.link);
  } catch (error) {
    card.setState('done', 'The settings could not be applied');
    card.showError(error);
  }
}

let pendingRender = null;
function settingsChanged() {
  showValues(settingsForm);
  settingsForm.style.setProperty('--choice-color', settingsForm.elements.background_color.value);
  clearTimeout(pendingRender);
  // A slider sends many events: render once it rests (the editor says at once that one is due).
  const item = selected;
  if (item?.state === 'done') editor.setBusy(item, true);
  pendingRender = setTimeout(() => {
    if (item?.state === 'done' && item === selected) scheduleRender(item);
    else if (item && !item.rendering) editor.setBusy(item, false);
  }, 150);
}
settingsForm.addEventListener('input', settingsChanged);
settingsForm.addEventListener('submit', (event) => event.preventDefault()); // Enter in a field
backgroundImage.addEventListener('change', () => {
  settingsForm.elements.background.value = 'image';
  settingsChanged();
});
for (const swatch of settingsForm.querySelectorAll('[data-color]')) {
  swatch.addEventListener('click', () => {
    settingsForm.elements.background_color.value = swatch.dataset.color;
    if (settingsForm.elements.background.value === 'transparent') settingsForm.elements.background.value = 'color';
    settingsChanged();
  });
}
$('[data-testid=apply-all]').addEventListener('click', async () => {
  for (const item of batch.items.filter((each) => each.state === 'done')) await scheduleRender(item);
});
$('[data-testid=copy-command]').addEventListener('click', async () => {
  const { settings, background } = currentSettings();
  const edits = selected?.state === 'done' ? editor.editsOf(selected) : null;
  const hints = edits?.strokes.length ? { name: hintsName(selected.file.name), snap: edits.snap } : undefined;
  const text = commandLine(settings, { backgroundImage: background?.name, hints });
  const shown = $('[data-testid=command-line]');
  shown.textContent = text;
  shown.hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    shown.dataset.copied = 'true';
  } catch {
    shown.dataset.copied = 'false'; // clipboard refused: the text is shown to copy by hand
  }
});
$('[data-testid=preview-background]').addEventListener('change', (event) => {
  results.dataset.preview = event.target.value;
  editor.view.setBackdrop(event.target.value);
});
showValues(settingsForm);

cancelRest.addEventListener('click', () => batch.cancelRest());
$('[data-testid=clear-all]').addEventListener('click', () => {
  for (const [item, card] of cards) {
    if (batch.remove(item)) {
      if (selected === item) unselect();
      card.destroy();
      cards.delete(item);
    }
  }
  showBatch();
});

downloadAll.addEventListener('click', async () => {
  const finished = batch.items.filter((item) => item.state === 'done');
  const names = uniqueNames(finished.map((item) => outputName(item.file.name, item.format)));
  const zip = await createZip(finished.map((item, i) => ({ name: names[i], blob: item.result.blob })));
  const link = document.createElement('a');
  link.href = URL.createObjectURL(zip);
  link.download = `peel-${new Date().toISOString().slice(0, 10)}.zip`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
});

function offerUpdate(apply) {
  updateBanner.hidden = false;
  updateBanner.querySelector('button').addEventListener('click', apply, { once: true });
}

/** The runtime files this backend needs, from the build's manifest (read once). */
let manifest = null;
async function runtimeFiles(backendId) {
  manifest ??= fetch('build.json').then((response) => response.json());
  const { files, runtime } = await manifest;
  const paths = [...runtime.common, ...runtime[backendId]];
  return { paths, sizes: Object.fromEntries(paths.map((path) => [path, files[path]])) };
}

async function showOfflineAvailability(backendId) {
  const { paths, sizes } = await runtimeFiles(backendId);
  const missing = await missingForOffline(paths);
  if (missing === null) {
    offlineStatus.textContent = 'Offline use is not available in this browser window.';
    return;
  }
  const available = missing.length === 0;
  offlineStatus.dataset.available = String(available);
  offlineStatus.textContent = available ? '✓ Available offline' : '';
  makeOffline.hidden = available;
  if (available) return;
  const bytes = missing.reduce((sum, path) => sum + sizes[path], 0);
  makeOffline.textContent = `Make available offline (${formatMB(bytes)})`;
  makeOffline.onclick = async () => {
    makeOffline.disabled = true;
    offlineProgress.hidden = false;
    navigator.storage?.persist?.(); // ask the browser not to evict the cache under pressure
    try {
      await downloadForOffline(missing, (loaded) => (offlineProgress.value = loaded / bytes));
    } catch (error) {
      offlineStatus.textContent = `Could not download everything for offline use (${error.message}). Try again when online.`;
    } finally {
      makeOffline.disabled = false;
      offlineProgress.hidden = true;
    }
    showOfflineAvailability(backendId);
  };
}

// Ways in: picker, folder picker, drop (files and folders), paste, share target, file handler.
for (const input of [$('#file-input'), $('#folder-input')]) {
  input.addEventListener('change', () => {
    const fromFolder = input.hasAttribute('webkitdirectory');
    addFiles(fromFolder ? [...input.files].filter(isImageFile) : input.files);
    input.value = ''; // choosing the same files again still fires change
  });
}
dropZone.addEventListener('dragover', (event) => {
  event.preventDefault();
  dropZone.classList.add('dragging');
});
dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dragging'));
dropZone.addEventListener('drop', async (event) => {
  event.preventDefault();
  dropZone.classList.remove('dragging');
  addFiles(await collectFiles(event.dataTransfer));
});
document.addEventListener('paste', (event) => {
  const files = [...(event.clipboardData?.files ?? [])];
  if (files.length) addFiles(files.map((file, i) => pastedFile(file, i)));
});
if (params.has('shared')) {
  history.replaceState(null, '', location.pathname);
  takeSharedFiles().then((files) => files.length && addFiles(files));
}
if ('launchQueue' in self) {
  self.launchQueue.setConsumer(async ({ files }) => {
    if (files?.length) addFiles(await Promise.all(files.map((handle) => handle.getFile())));
  });
}

/** Pasted images are all called "image.png": give them distinct, dated names. */
function pastedFile(file, index) {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const extension = file.type.split('/')[1] ?? 'png';
  return new File([file], `pasted-${stamp}${index ? `-${index + 1}` : ''}.${extension}`, { type: file.type });
}
