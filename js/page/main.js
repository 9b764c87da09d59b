// The page's controller: finds the elements and wires the pieces; it owns nothing else (each
// piece's job: docs/architecture.md, "The map").

import { createEngine } from './engine.js';
import { showHasImages, wireFirstScreen } from './first-screen.js';
import { debugOptions } from './debug.js';
import { Editor, hintsName } from './editor.js';
import { createJobQueue } from './image-job.js';
import { listenForImages } from './inputs.js';
import { modelFiles } from './manifest.js';
import { ModelChoice, usedModels } from './model-choice.js';
import { createOfflinePanel, offerUpdate } from './offline-panel.js';
import { createResults } from './results.js';
import { createScope } from './scope.js';
import { keepSession } from './session.js';
import { createSettingsPanel } from './settings-panel.js';
import { needsIsolationReload, startServiceWorker } from './sw-client.js';

const params = new URLSearchParams(location.search);
const $ = (selector) => document.querySelector(selector);

/** The selected result, large, with its brushes; its strokes travel with each rerender. */
const editor = new Editor($('[data-testid=editor]'), {
  hintsPng: async (size, edits) => (await engine.remover).hints(size, edits), hintsButton: $('[data-testid=download-hints]'),
});
const settings = createSettingsPanel({ form: $('#settings'), backgroundImage: $('#background-image'),
  copyButton: $('[data-testid=copy-command]'), commandOutput: $('[data-testid=command-line]'),
  productNote: $('[data-testid=product-note]') }, (changed) => {
  if (changed === 'model') modelChoice.update(); // a model not here yet: its images wait for its download
  scope.apply();
}, {
  // "Copy settings as a command" adds the editor's hints PNG when the selected image has edits.
  commandOptions: () => {
    const job = results.selectedDone();
    return job?.edits.count ? { hints: { name: hintsName(job.file.name), snap: editor.snapping } } : {};
  },
});
// A settings change rerenders once the control rests: the editor says at once that one is due.
$('#settings').addEventListener('input', (event) => event.target.name !== 'scope' && scope.expect());

const showOfflineAvailability = createOfflinePanel({ status: $('[data-testid=offline-status]'),
  button: $('[data-testid=make-offline]'), progress: $('.offline-progress') }, usedModels);
/** Which models can run now; the people model's download on demand. */
const modelChoice = new ModelChoice($('#settings'), {
  remover: () => engine.remover, filesOf: modelFiles, imagesOf: (model) => jobs.items.filter((job) => job.model === model).length,
  onReady: (model) => {
    scope.modelReady(model);
    jobs.items.filter((job) => job.state === 'queued').forEach(jobs.onChange);
    jobs.run();
    if (runtimeInfo) showOfflineAvailability(runtimeInfo.backendId); // now with the model's file
  },
});
let runtimeInfo = /** @type {import('../shared/protocol.js').RuntimeInfo|null} */ (null);
// A first visit on a host that isolates the page starts the engine before the service worker
// controls it (about 0.5 s sooner); the service worker gets its files once the engine is ready.
const startsBeforeServiceWorker = self.crossOriginIsolated && !navigator.serviceWorker?.controller;
const engine = createEngine($('[data-testid=app-status]'), debugOptions(params), (info) => {
  runtimeInfo = info;
  if (startsBeforeServiceWorker) serviceWorkerStarted.then(() => showOfflineAvailability(info.backendId, { fillIn: true }));
  else showOfflineAvailability(info.backendId);
  jobs.release(); // the images queued meanwhile start now
}, {
  onStart: () => jobs.hold(), // images added while the engine starts wait, queued
  onFailed: () => jobs.release(), // they get the start-up error on their cards
  queued: () => jobs.items.filter((job) => job.state === 'queued').length,
});

/** Every image kept in this browser as it changes, and brought back on the next visit. */
const session = keepSession({ params, notice: $('[data-testid=storage-notice]'), clearAll: $('[data-testid=clear-all]'),
  onOutputKept: (job) => (results.card(job)?.useFile(job.result.blob),
    job === editor.item && editor.showResult(job, results.card(job).link)) });
const jobs = createJobQueue(session.watch({
  remover: () => modelChoice.engine(), settings: () => settings.current(), snap: () => editor.snapping,
  isModelReady: (model) => modelChoice.isReady(model),
  onChange: (job) => {
    const shown = job === editor.item; // else results.show opens it in the editor if it is selected
    results.show(job);
    if (shown && job.state === 'done' && !job.rendering) editor.showResult(job, results.card(job).link);
  },
  onPreview: (job, preview, layout) => {
    results.card(job)?.showPreview(preview);
    if (job.state === 'done') editor.showPreview(job, preview, layout); // a rerender's (a new image is not in it)
  },
  onBusy: (job) => editor.showBusy(job),
  onIdle: () => runtimeInfo && showOfflineAvailability(runtimeInfo.backendId), // storage may be evicted
  onEngineDied: () => engine.restart(),
}));
jobs.hold(); // until the engine is ready
const results = createResults({ list: $('#results'), bar: $('.results-bar'), template: $('#result-template'),
  progress: $('[data-testid=batch-progress]'), cancelRest: $('[data-testid=cancel-rest]'),
  clearAll: $('[data-testid=clear-all]'), downloadAll: $('[data-testid=download-all]'),
  previewBackground: $('[data-testid=preview-background]'), newCount: $('[data-testid=new-count]'),
  zipWarning: $('[data-testid=zip-warning]'), previous: $('[data-testid=previous]'), next: $('[data-testid=next]') }, jobs, {
  onSelect: (job) => {
    if (job.state !== 'done') return;
    if (scope.scope() === 'image' && job.look) settings.show(job.look.settings); // the form shows its own
    editor.open(job, results.card(job).link);
  },
  onForget: (job) => (session.forget(job), job === editor.item && editor.close()),
  onCount: (count) => (showHasImages(count), scope.showCount()),
  looks: (items) => scope.looks(items),
});
const scope = createScope({ form: $('#settings'), count: $('[data-testid=scope-count]') }, jobs, {
  selected: () => results.selectedDone(), current: () => settings.current(), isModelReady: (model) => modelChoice.isReady(model),
});
$('[data-testid=preview-background]').onchange = (event) => editor.view.setBackdrop(event.target.value);

// Open from the first moment: images that come during start-up wait in the queue.
const addImages = (files) => (jobs.add(modelChoice.files.takeModelFiles(files), { model: settings.current().settings.model }), engine.refresh());
listenForImages({ fileInputs: [$('#file-input'), $('#camera-input'), $('#folder-input')], dropZone: $('#drop-zone'), params }, addImages);
wireFirstScreen({ samples: document.querySelectorAll('[data-testid=sample]'), showSettings: $('[data-testid=show-settings]'),
  settings: $('#settings') }, addImages);
session.restore(jobs);
if (startsBeforeServiceWorker) engine.restart();
const serviceWorkerStarted = startServiceWorker({ onUpdate: (apply) => offerUpdate($('[data-testid=update-available]'), apply) });
await serviceWorkerStarted;
if (needsIsolationReload()) location.reload(); // the service worker now adds COOP/COEP
if (!startsBeforeServiceWorker) engine.restart();
modelChoice.update(); // now that the service worker can say what this device has
