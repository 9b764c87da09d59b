// The UI: owns the DOM, queues files, shows each result. All image work goes through peel.js.

import { createRemover } from './peel.js';
import { ErrorCode } from './protocol.js';
import { outputName, uniqueNames } from './names.js';
import {
  downloadForOffline,
  missingForOffline,
  needsIsolationReload,
  startServiceWorker,
  takeSharedFiles,
} from './sw-client.js';
import { createZip } from './zip.js';

const params = new URLSearchParams(location.search);
const options = {
  backend: params.get('backend') ?? 'auto', // 'wasm' | 'webgpu' | 'auto'
  threads: Number(params.get('threads')) || undefined,
};

const status = document.querySelector('[data-testid=app-status]');
const statusText = status.querySelector('.status-text');
const statusProgress = status.querySelector('.status-progress');
const dropZone = document.getElementById('drop-zone');
const fileInput = document.getElementById('file-input');
const results = document.getElementById('results');
const resultsBar = document.querySelector('.results-bar');
const downloadAll = document.querySelector('[data-testid=download-all]');
const template = document.getElementById('result-template');
const updateBanner = document.querySelector('[data-testid=update-available]');
const offlineStatus = document.querySelector('[data-testid=offline-status]');
const makeOffline = document.querySelector('[data-testid=make-offline]');
const offlineProgress = document.querySelector('.offline-progress');

/** @type {{file: File, card: HTMLElement}[]} */
const queue = [];
/** Finished results, in card order: the ZIP's contents. */
const finished = new Map();
let draining = false;
/** @type {import('./protocol.js').RuntimeInfo|null} */
let runtimeInfo = null;

await startServiceWorker({ onUpdate: offerUpdate });
if (needsIsolationReload()) location.reload(); // the service worker now adds COOP/COEP
let remover = start();

function start() {
  const starting = createRemover({ ...options, onProgress: showProgress });
  starting.then(
    ({ info }) => {
      runtimeInfo = info;
      status.dataset.ready = 'true';
      status.dataset.version = info.version;
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
  if (!available) {
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
}

function showProgress({ message, loaded, total }) {
  statusText.textContent = `${message}… ${formatMB(loaded)} of ${formatMB(total)}`;
  statusProgress.value = total ? loaded / total : 0;
}

const formatMB = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const formatSeconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** @param {Iterable<File>} files */
function addFiles(files) {
  for (const file of files) {
    const card = template.content.firstElementChild.cloneNode(true);
    card.dataset.name = file.name;
    card.querySelector('.result-name').textContent = file.name;
    card.querySelector('img').alt = `${file.name} with the background removed`;
    results.append(card);
    queue.push({ file, card });
  }
  resultsBar.hidden = results.children.length === 0;
  drain();
}

async function drain() {
  if (draining) return;
  draining = true;
  while (queue.length) {
    const { file, card } = queue.shift();
    setState(card, 'working', 'Removing the background…');
    try {
      const result = await (await remover).remove(file);
      showResult(card, file, result);
    } catch (error) {
      showError(card, error);
      if (error.code === ErrorCode.WORKER_DIED) remover = start(); // a fresh engine for the rest
    }
  }
  draining = false;
  if (runtimeInfo) showOfflineAvailability(runtimeInfo.backendId); // storage may have been evicted
}

function setState(card, state, text) {
  card.dataset.state = state;
  card.querySelector('.result-state').textContent = text;
}

function showResult(card, file, { blob, width, height, backend, timings }) {
  const url = URL.createObjectURL(blob);
  const name = outputName(file.name);
  card.querySelector('img').src = url;
  card.querySelector('[data-testid=backend]').textContent = backend;
  const time = card.querySelector('.result-time');
  time.textContent = `· ${formatSeconds(timings.total)} (model ${formatSeconds(timings.inference)})`;
  time.title = Object.entries(timings).map(([stage, ms]) => `${stage}: ${ms} ms`).join('\n');
  card.dataset.timings = JSON.stringify(timings);
  const link = card.querySelector('[data-testid=download]');
  link.href = url;
  link.download = name;
  link.hidden = false;
  setState(card, 'done', `${width} × ${height} px`);
  finished.set(card, { name, blob });
  downloadAll.disabled = false;
}

function showError(card, error) {
  const box = card.querySelector('[data-testid=error]');
  box.textContent = error.message;
  box.dataset.code = error.code ?? ErrorCode.INTERNAL;
  box.hidden = false;
  setState(card, 'error', 'Could not remove the background');
}

downloadAll.addEventListener('click', async () => {
  const entries = [...finished.values()];
  const names = uniqueNames(entries.map((entry) => entry.name));
  const zip = await createZip(entries.map((entry, i) => ({ name: names[i], blob: entry.blob })));
  const link = document.createElement('a');
  link.href = URL.createObjectURL(zip);
  link.download = `peel-${new Date().toISOString().slice(0, 10)}.zip`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
});

fileInput.addEventListener('change', () => {
  addFiles(fileInput.files);
  fileInput.value = ''; // choosing the same file again still fires change
});
dropZone.addEventListener('dragover', (event) => {
  event.preventDefault();
  dropZone.classList.add('dragging');
});
dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dragging'));
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  dropZone.classList.remove('dragging');
  addFiles(event.dataTransfer.files);
});
document.addEventListener('paste', (event) => {
  const files = [...(event.clipboardData?.files ?? [])];
  if (files.length) addFiles(files.map((file, i) => pastedFile(file, i)));
});

// Images shared to the installed app (manifest share_target) or opened with it (file_handlers).
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
