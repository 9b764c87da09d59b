// The page's controller: finds the elements, wires the pieces, owns nothing else. The engine is
// in engine.js (image work goes through peel.js), each item's state in the Batch, its view in
// results.js and card.js, the form in settings-panel.js, the ways in in inputs.js.

import { Batch } from './batch.js';
import { createEngine } from './engine.js';
import { listenForImages } from './inputs.js';
import { createOfflinePanel, offerUpdate } from './offline-panel.js';
import { createResults } from './results.js';
import { createSettingsPanel } from './settings-panel.js';
import { ModelChoice, usedModels } from './model-choice.js';
import { needsIsolationReload, startServiceWorker } from './sw-client.js';
import { ErrorCode } from '../shared/protocol.js';
import { Editor, hintsName } from './editor.js';

const params = new URLSearchParams(location.search);
const options = {
  backend: params.get('backend') ?? 'auto', // 'wasm' | 'webgpu' | 'auto'
  threads: Number(params.get('threads')) || undefined,
  stallTimeoutMs: Number(params.get('stall')) || undefined,
  // ?deadline.session=500: a start-up stage's deadline in ms (js/worker/deadline.js), for tests
  deadlines: Object.fromEntries([...params].filter(([k]) => k.startsWith('deadline.')).map(([k, v]) => [k.slice(9), Number(v)])),
};
const $ = (selector) => document.querySelector(selector);

/** The selected result, large, with its brushes (editor.js); its strokes travel with each render. */
const editor = new Editor($('[data-testid=editor]'), {
  onEdit: (item) => rerender(item),
  hintsPng: async (size, edits) => (await engine.remover).hints(size, edits),
});
const settings = createSettingsPanel({
  form: $('#settings'),
  backgroundImage: $('#background-image'),
  copyButton: $('[data-testid=copy-command]'),
  commandOutput: $('[data-testid=command-line]'),
}, (changed) => {
  const item = results.selectedDone();
  if (changed === 'model') {
    modelChoice.update(); // the model applies to new images, and to the others with "Apply to all"
    if (item) editor.setBusy(item, Boolean(item.renderLoop));
    return;
  }
  if (item) rerender(item);
}, {
  // "Copy settings as a command" adds the editor's hints PNG when the selected image has edits.
  commandOptions: () => {
    const item = results.selectedDone();
    const edits = item && editor.editsOf(item);
    return edits?.strokes.length ? { hints: { name: hintsName(item.file.name), snap: edits.snap } } : {};
  },
});
// A settings change renders once the control rests: the editor says at once that one is due.
$('#settings').addEventListener('input', () => {
  const item = results.selectedDone();
  if (item) editor.setBusy(item, true);
});

/**
 * Render a finished image again. One render per image at a time: changes made meanwhile
 * (strokes, controls) all go into the next one, never a queue of renders; the card takes the
 * file of the last one (each shows its preview as it comes).
 */
async function rerender(item) {
  item.renderWanted = true;
  editor.setBusy(item, true);
  if (item.renderLoop) return;
  item.renderLoop = true;
  await batch.rerender(item, async () => {
    let rendered;
    while (item.renderWanted && batch.items.includes(item)) {
      item.renderWanted = false;
      rendered = await renderAgain(item);
      item.result = rendered.result; // the next render's imageId
    }
    return rendered;
  });
  item.renderLoop = false;
  editor.setBusy(item, false);
}
const showOfflineAvailability = createOfflinePanel({
  status: $('[data-testid=offline-status]'),
  button: $('[data-testid=make-offline]'),
  progress: $('.offline-progress'),
}, usedModels);
/** Which models can run now; the people model's download on demand. */
const modelChoice = new ModelChoice($('#settings'), {
  remover: () => engine.remover,
  filesOf: async (model) => {
    const { files, models = {} } = await (await fetch('build.json')).json();
    const paths = models[model] ?? [];
    return { paths, bytes: paths.reduce((sum, path) => sum + files[path], 0) };
  },
  onReady: () => {
    batch.items.filter((item) => item.state === 'queued').forEach(batch.onChange);
    batch.run();
    if (runtimeInfo) showOfflineAvailability(runtimeInfo.backendId); // now with the model's file
  },
});
/** @type {import('../shared/protocol.js').RuntimeInfo|null} */
let runtimeInfo = null;
// A first visit on a host that isolates the page itself starts the engine at once instead of
// after the service worker has installed and taken control (about 0.5 s); its files then go
// past the service worker, which gets them once the engine is ready.
const startsBeforeServiceWorker = self.crossOriginIsolated && !navigator.serviceWorker?.controller;
const engine = createEngine($('[data-testid=app-status]'), options, (info) => {
  runtimeInfo = info;
  if (startsBeforeServiceWorker) serviceWorkerStarted.then(() => showOfflineAvailability(info.backendId, { fillIn: true }));
  else showOfflineAvailability(info.backendId);
  batch.release(); // the images queued meanwhile start now
}, {
  onStart: () => batch.hold(), // images added while the engine starts wait, queued
  onFailed: () => batch.release(), // they get the start-up error on their cards
  queued: () => batch.items.filter((item) => item.state === 'queued').length,
});

/** A new image: the model, then the output with the current settings. */
async function process(item) {
  try {
    const { settings: values, background } = settings.current();
    values.model = item.model; // the model chosen when the image came (or with "Apply to all")
    const onPreview = ({ preview }) => results.card(item)?.showPreview(preview);
    const result = await (await engine.remover).remove(item.file, { settings: values, background, onPreview });
    item.mask = result.mask; // kept: any later setting change costs no model run
    item.maskShape = result.maskShape;
    item.format = values.format;
    item.productLayout = values.product;
    return result;
  } catch (error) {
    if (error.code === ErrorCode.WORKER_DIED) engine.restart(); // a fresh engine for the rest
    throw error;
  }
}

/** A finished image with the current settings: its kept mask, no model run. */
async function renderAgain(item) {
  const { settings: values, background } = settings.current();
  values.model = item.model; // its mask is that model's
  const edits = editor.editsOf(item);
  const onPreview = ({ preview }) => {
    results.card(item)?.showPreview(preview);
    item.renderedStrokes = edits.strokes;
    editor.showPreview(item, preview);
  };
  const rendered = await (await engine.remover).render(item.file, item.mask, {
    settings: values, background, imageId: item.result.imageId, maskShape: item.maskShape, edits, onPreview,
  });
  return { result: { ...item.result, ...rendered }, format: values.format, productLayout: values.product,
    renderedStrokes: edits.strokes };
}

const batch = new Batch({
  process,
  onChange: (item) => {
    item.waitingForModel = item.state === 'queued' && !modelChoice.isReady(item.model);
    const shown = item === editor.item; // else results.show opens it in the editor if it is selected
    results.show(item);
    if (shown && item.state === 'done' && !item.rendering) editor.showResult(item, results.card(item).link);
  },
  isReady: (item) => modelChoice.isReady(item.model), // the people model may not be downloaded yet
  onIdle: () => runtimeInfo && showOfflineAvailability(runtimeInfo.backendId), // storage may be evicted
});
batch.hold(); // until the engine is ready
const results = createResults({
  list: $('#results'),
  bar: $('.results-bar'),
  template: $('#result-template'),
  progress: $('[data-testid=batch-progress]'),
  cancelRest: $('[data-testid=cancel-rest]'),
  clearAll: $('[data-testid=clear-all]'),
  downloadAll: $('[data-testid=download-all]'),
  previewBackground: $('[data-testid=preview-background]'),
}, batch, {
  onSelect: (item) => item.state === 'done' && editor.open(item, results.card(item).link),
  onForget: (item) => item === editor.item && editor.close(),
  onCount: (count) => document.body.classList.toggle('has-results', count > 0), // the drop zone steps aside
});
$('[data-testid=preview-background]').addEventListener('change', (event) => editor.view.setBackdrop(event.target.value));
$('[data-testid=apply-all]').addEventListener('click', async () => {
  const { model } = settings.current().settings;
  for (const item of batch.items.filter((each) => each.state === 'done')) {
    if (item.model === model) {
      await rerender(item);
    } else {
      item.model = model; // another model: run it again (once that model is ready)
      batch.requeue(item);
    }
  }
});

// Open from the first moment: images that come during start-up wait in the queue.
listenForImages({ fileInputs: [$('#file-input'), $('#folder-input')], dropZone: $('#drop-zone'), params }, (files) => {
  batch.add(files, { model: settings.current().settings.model });
  engine.refresh();
});
if (startsBeforeServiceWorker) engine.restart();
const serviceWorkerStarted = startServiceWorker({ onUpdate: (apply) => offerUpdate($('[data-testid=update-available]'), apply) });
await serviceWorkerStarted;
if (needsIsolationReload()) location.reload(); // the service worker now adds COOP/COEP
if (!startsBeforeServiceWorker) engine.restart();
modelChoice.update(); // now that the service worker can say what this device has
