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

const params = new URLSearchParams(location.search);
const options = {
  backend: params.get('backend') ?? 'auto', // 'wasm' | 'webgpu' | 'auto'
  threads: Number(params.get('threads')) || undefined,
  stallTimeoutMs: Number(params.get('stall')) || undefined,
};
const $ = (selector) => document.querySelector(selector);

const settings = createSettingsPanel({
  form: $('#settings'),
  backgroundImage: $('#background-image'),
  copyButton: $('[data-testid=copy-command]'),
  commandOutput: $('[data-testid=command-line]'),
}, (changed) => {
  if (changed === 'model') {
    modelChoice.update(); // the model applies to new images, and to the others with "Apply to all"
    return;
  }
  const item = results.selectedDone();
  if (item) batch.rerender(item, renderAgain);
});
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
const engine = createEngine($('[data-testid=app-status]'), options, (info) => {
  runtimeInfo = info;
  showOfflineAvailability(info.backendId);
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
  const rendered = await (await engine.remover).render(item.file, item.mask, {
    settings: values, background, imageId: item.result.imageId, maskShape: item.maskShape,
    onPreview: ({ preview }) => results.card(item)?.showPreview(preview),
  });
  return { result: { ...item.result, ...rendered }, format: values.format };
}

const batch = new Batch({
  process,
  onChange: (item) => {
    item.waitingForModel = item.state === 'queued' && !modelChoice.isReady(item.model);
    results.show(item);
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
}, batch);
$('[data-testid=apply-all]').addEventListener('click', async () => {
  const { model } = settings.current().settings;
  for (const item of batch.items.filter((each) => each.state === 'done')) {
    if (item.model === model) {
      await batch.rerender(item, renderAgain);
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
await startServiceWorker({ onUpdate: (apply) => offerUpdate($('[data-testid=update-available]'), apply) });
if (needsIsolationReload()) location.reload(); // the service worker now adds COOP/COEP
engine.restart();
modelChoice.update(); // now that the service worker can say what this device has
