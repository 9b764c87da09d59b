// The editor panel: the selected result, large, with before/after, zoom and pan, and the
// erase/restore brushes whose strokes steer the refinement (py/peel/hints.py).
//
// It owns the panel's DOM; the image it shows is an ImageJob (image-job.js), whose edits it
// changes through the job's methods (addStroke, undo, redo, resetEdits: each rerenders the
// image). main.js tells it what to show (open, showPreview, showResult, showBusy).

import { copyImage } from './clipboard.js';
import { outputName } from './names.js';
import { EditorView } from './editor-view.js';
import { EditHistory, StrokeRecorder } from './strokes.js';

/** @typedef {import('./image-job.js').ImageJob} ImageJob */

/** The keys that step through the images, and the button each presses. */
const STEPS = { ArrowLeft: 'previous', ArrowRight: 'next' };
const BRUSH_STEP = 1.25; // `[` and `]` scale the brush by this
const WHEEL_ZOOM = 0.0015; // zoom factor per wheel delta pixel (exponential)
const ZOOM_STEP = 1.5;

/** `<name>-hints.png`: the file `peel --hints` takes (the name the copied command uses). */
export function hintsName(inputName) {
  return outputName(inputName, 'png').replace(/-nobg\.png$/, '-hints.png');
}

export class Editor {
  /**
   * @param {HTMLElement} root  [data-testid=editor]
   * @param {object} hooks
   * @param {(size: {width: number, height: number}, edits: object) => Promise<Blob>} hooks.hintsPng
   *   the hints PNG of an image's edits
   * @param {HTMLButtonElement} hooks.hintsButton  "Download edits" (under the settings' Advanced)
   */
  constructor(root, { hintsPng, hintsButton }) {
    this.root = root;
    this.hintsPng = hintsPng;
    const $ = (selector) => root.querySelector(selector);
    this.canvas = $('[data-testid=editor-canvas]');
    this.stage = $('.editor-stage');
    this.outline = $('.brush-outline');
    this.link = $('a[data-testid=download]');
    this.copyButton = $('[data-testid=copy]');
    this.note = $('.editor-note'); // how a Copy went
    this.compare = $('input[data-testid=compare]');
    this.brushSize = $('input[name=brush_size]');
    this.snap = $('input[name=snap]');
    this.tools = { erase: $('[data-testid=tool-erase]'), restore: $('[data-testid=tool-restore]') };
    this.buttons = {
      undo: $('[data-testid=undo]'),
      redo: $('[data-testid=redo]'),
      reset: $('[data-testid=reset-edits]'),
      hints: hintsButton,
    };
    this.view = new EditorView(this.canvas);
    this.view.needFull = () => this.loadFull();
    this.view.needBefore = () => this.loadBefore();
    /** @type {ImageJob|null} the image shown */
    this.item = null;
    this.tool = null;
    this.spaceHeld = false;
    /** @type {Map<number, number[]>} pointers down on the canvas (pointerId -> [clientX, clientY]) */
    this.pointers = new Map();
    this.wire($);
  }

  // ------------------------------------------------------------------ what main.js calls

  /** Whether strokes snap to the subject's edges (the editor's control; every image's renders read it). */
  get snapping() {
    return this.snap.checked;
  }

  /**
   * Show this image (a finished result) in the editor.
   * @param {ImageJob} item
   * @param {HTMLAnchorElement} cardLink  as for showResult
   */
  async open(item, cardLink) {
    if (this.item === item) return;
    this.item = item;
    this.root.hidden = false;
    this.root.dataset.name = item.file.name;
    this.root.querySelector('.editor-name').textContent = item.file.name;
    this.view.setSources({ after: null, before: null, full: null });
    this.view.setLayout(null);
    this.loadingBefore = this.loadingFull = null;
    this.view.setOverlay([]);
    this.updateEdits();
    this.showBusy(item);
    if (item.result) this.showResult(item, cardLink);
  }

  /** The original, decoded when the before/after split first shows it (not for every result). */
  async loadBefore() {
    const item = this.item;
    if (!item || this.loadingBefore === item) return;
    this.loadingBefore = item;
    const before = await createImageBitmap(item.file).catch(() => null);
    if (this.item === item) this.view.setSources({ before });
    else before?.close();
  }

  /** Nothing selected any more (its card was removed). */
  close() {
    this.item = null;
    this.root.hidden = true;
    delete this.root.dataset.busy;
    this.view.setSources({ after: null, before: null, full: null });
  }

  /**
   * The look of a render in progress (before its file).
   * @param {ImageJob} item
   * @param {Blob} preview
   * @param {import('../shared/protocol.js').Layout|null} layout  where it shows the original's pixels
   */
  async showPreview(item, preview, layout) {
    if (item !== this.item) return;
    const after = await createImageBitmap(preview);
    if (item !== this.item) return after.close();
    this.view.setSources({ after, full: null });
    this.view.setLayout(layout); // strokes map through the picture shown (an erase may move a product's subject)
    this.view.setOverlay(this.pendingStrokes(), { keepPainting: true }); // the strokes it includes leave the overlay
  }

  /**
   * A finished output of the image: its file, size and preview.
   * @param {ImageJob} item
   * @param {HTMLAnchorElement} cardLink  the card's download link (its blob URL is reused)
   */
  async showResult(item, cardLink) {
    if (item !== this.item || !item.result) return;
    const { blob, preview, width, height } = item.result;
    if (this.fullBlob !== blob) {
      // Cleared now, not after the preview's decode below: a zoom meanwhile may already have
      // decoded this very file (loadFull), and clearing that later left the view on the preview.
      this.fullBlob = blob;
      this.view.setSources({ full: null });
    }
    this.link.href = cardLink.href;
    this.link.download = cardLink.download;
    // The card's words, with the file's name heard (card.js nameControl).
    const card = cardLink.closest('[data-testid=result]');
    this.link.replaceChildren(...[...cardLink.childNodes].map((node) => node.cloneNode(true)));
    this.link.hidden = false;
    const cardCopy = card?.querySelector('[data-testid=copy]');
    if (cardCopy) this.copyButton.replaceChildren(...[...cardCopy.childNodes].map((node) => node.cloneNode(true)));
    this.copyButton.hidden = false;
    this.view.setSize(width, height);
    this.stage.style.setProperty('--aspect', `${width} / ${height}`); // a phone's stage takes its shape
    this.updateEdits();
    const after = await createImageBitmap(preview);
    if (item !== this.item) return after.close();
    this.view.setSources({ after });
    this.view.setLayout(item.result.layout);
    this.view.setOverlay(this.pendingStrokes(), { keepPainting: true });
  }

  /** Whether the image's output is outdated or about to be (data-busy), if it is the one shown. */
  showBusy(item) {
    if (item !== this.item) return;
    const { busy } = item;
    if (busy) this.root.dataset.busy = 'true';
    else delete this.root.dataset.busy;
    this.link.inert = busy; // the file behind it is the old one meanwhile
    this.copyButton.disabled = busy;
  }

  // ------------------------------------------------------------------ edits

  /** Strokes in effect that the picture shown does not include yet (shown as an overlay). */
  pendingStrokes() {
    const rendered = new Set(this.item?.renderedStrokes ?? []);
    return editsOf(this.item).strokes.filter((stroke) => !rendered.has(stroke));
  }

  updateEdits() {
    const history = editsOf(this.item);
    this.root.dataset.edits = String(history.count);
    this.buttons.undo.disabled = !history.canUndo;
    this.buttons.redo.disabled = !history.canRedo;
    this.buttons.reset.disabled = history.count === 0;
    this.buttons.hints.disabled = history.count === 0;
  }

  /** The strokes in effect changed (the job rerenders itself). */
  changed() {
    this.updateEdits();
    this.view.setOverlay(this.pendingStrokes());
  }

  undo() {
    if (this.item?.undo()) this.changed();
  }

  redo() {
    if (this.item?.redo()) this.changed();
  }

  reset() {
    if (this.item?.resetEdits()) this.changed();
  }

  /** @param {'erase'|'restore'|null} tool */
  setTool(tool) {
    this.tool = this.tool === tool ? null : tool;
    for (const [name, button] of Object.entries(this.tools)) button.setAttribute('aria-pressed', String(name === this.tool));
    this.stage.dataset.tool = this.tool ?? 'pan';
    if (!this.tool) this.outline.hidden = true;
  }

  setBrushSize(size) {
    const { min, max } = this.brushSize;
    this.brushSize.value = String(Math.round(Math.min(Number(max), Math.max(Number(min), size))));
    this.showBrushSize();
  }

  showBrushSize() {
    const size = this.brushSize.valueAsNumber;
    this.root.querySelector('output[data-for=brush_size]').textContent = `${size} px`;
    this.outline.style.width = this.outline.style.height = `${size}px`;
  }

  /** Copy the output to the clipboard, as a card's Copy does (clipboard.js), and say how it went. */
  async copy() {
    const item = this.item;
    if (!item?.result) return;
    const said = await copyImage(item.result.blob); // the kept, disk-backed File once stored
    if (item === this.item) this.note.textContent = said;
  }

  async downloadHints() {
    if (!this.item) return;
    const { width, height, layout } = this.item.result;
    // Strokes are in the original's pixels: a product canvas's size is not the original's.
    const [sourceWidth, sourceHeight] = layout?.source ?? [width, height];
    const blob = await this.hintsPng({ width: sourceWidth, height: sourceHeight }, this.item.editsNow);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = hintsName(this.item.file.name);
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  }

  /** The result file decoded, for zooms where the preview would be blown up. */
  async loadFull() {
    const blob = this.fullBlob;
    if (!blob || this.loadingFull === blob) return;
    this.loadingFull = blob;
    const full = await createImageBitmap(blob).catch(() => null);
    if (this.fullBlob === blob) this.view.setSources({ full });
    else full?.close();
  }

  // ------------------------------------------------------------------ input

  wire($) {
    this.tools.erase.addEventListener('click', () => this.setTool('erase'));
    this.tools.restore.addEventListener('click', () => this.setTool('restore'));
    this.buttons.undo.addEventListener('click', () => this.undo());
    this.buttons.redo.addEventListener('click', () => this.redo());
    this.buttons.reset.addEventListener('click', () => this.reset());
    this.buttons.hints.addEventListener('click', () => this.downloadHints());
    this.copyButton.addEventListener('click', () => this.copy());
    this.brushSize.addEventListener('input', () => this.showBrushSize());
    this.snap.addEventListener('change', () => this.item?.edits.count && this.item.rerender());
    this.compare.addEventListener('input', () => this.view.setCompare(this.compare.valueAsNumber));
    $('[data-testid=zoom-fit]').addEventListener('click', () => this.view.zoomFit());
    $('[data-testid=zoom-100]').addEventListener('click', () => this.view.zoom100());
    const centre = () => [this.canvas.clientWidth / 2, this.canvas.clientHeight / 2];
    $('[data-testid=zoom-in]').addEventListener('click', () => this.view.zoomAt(ZOOM_STEP, ...centre()));
    $('[data-testid=zoom-out]').addEventListener('click', () => this.view.zoomAt(1 / ZOOM_STEP, ...centre()));
    this.canvas.addEventListener('wheel', (event) => {
      event.preventDefault();
      const rect = this.canvas.getBoundingClientRect();
      const delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
      this.view.zoomAt(Math.exp(-delta * WHEEL_ZOOM), event.clientX - rect.left, event.clientY - rect.top);
    }, { passive: false });
    this.wirePointers();
    document.addEventListener('keydown', (event) => this.onKey(event));
    document.addEventListener('keyup', (event) => {
      if (event.code === 'Space') this.spaceHeld = false;
    });
    this.showBrushSize();
    this.setTool(null);
  }

  /**
   * One pointer: paint with the active tool (pan without one, or with space held). Two: pinch to
   * zoom and pan (a stroke begun by the first finger is dropped).
   */
  wirePointers() {
    const pointers = this.pointers;
    let stroke = null;
    let strokeItem = null; // the image under the pointer when the stroke began: it gets the stroke
    let gesture = null; // {distance, middle} of two pointers
    const canvas = this.canvas;
    const rectOf = () => canvas.getBoundingClientRect();
    const pair = () => {
      const [[x1, y1], [x2, y2]] = [...pointers.values()];
      const rect = rectOf();
      return { distance: Math.hypot(x2 - x1, y2 - y1), middle: [(x1 + x2) / 2 - rect.left, (y1 + y2) / 2 - rect.top] };
    };
    canvas.addEventListener('pointerdown', (event) => {
      if (!this.item || (event.pointerType === 'mouse' && event.button !== 0)) return;
      canvas.setPointerCapture(event.pointerId);
      canvas.focus({ preventScroll: true }); // off a slider: the keys (arrows, Ctrl+Z) go to the editor
      pointers.set(event.pointerId, [event.clientX, event.clientY]);
      if (pointers.size === 2) {
        stroke = null; // two fingers: a gesture, not paint
        this.view.setOverlay(this.pendingStrokes());
        gesture = pair();
      } else if (pointers.size === 1 && this.tool && !this.spaceHeld) {
        // In the original's pixels, also on a product canvas (its layout maps them).
        const radius = this.brushSize.valueAsNumber / 2 / this.view.sourceScale;
        stroke = new StrokeRecorder(this.tool, radius, this.view.toSource(event));
        strokeItem = this.item;
        this.view.setOverlay([...this.pendingStrokes(), stroke]);
      }
      this.moveOutline(event);
      event.preventDefault();
    });
    canvas.addEventListener('pointermove', (event) => {
      this.moveOutline(event);
      const last = pointers.get(event.pointerId);
      if (!last) return;
      pointers.set(event.pointerId, [event.clientX, event.clientY]);
      if (gesture && pointers.size === 2) {
        const now = pair();
        // The image point between the fingers stays between them, wherever they move.
        this.view.zoomAt(now.distance / Math.max(1, gesture.distance), ...gesture.middle, now.middle);
        gesture = now;
      } else if (stroke) {
        for (const each of event.getCoalescedEvents?.() ?? [event]) stroke.add(this.view.toSource(each));
        this.view.setOverlay([...this.pendingStrokes(), stroke]);
      } else if (pointers.size === 1) {
        this.view.panBy(event.clientX - last[0], event.clientY - last[1]);
      }
    });
    const end = (event) => {
      if (!pointers.delete(event.pointerId)) return;
      if (pointers.size < 2) gesture = null;
      if (stroke && pointers.size === 0) {
        const [finished, item] = [stroke.finish(), strokeItem];
        stroke = strokeItem = null;
        if (event.type !== 'pointercancel') item.addStroke(finished); // it rerenders itself
        if (event.type !== 'pointercancel' && item === this.item) this.changed();
        else this.view.setOverlay(this.pendingStrokes());
      }
      if (event.pointerType === 'touch') this.outline.hidden = true;
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    canvas.addEventListener('pointerleave', (event) => event.pointerType !== 'touch' && (this.outline.hidden = true));
  }

  /**
   * Whether Left/Right step to another image: focus in the editor (or on nothing), not in a
   * control the arrows move (a slider, a radio), and no pointer down (a stroke or a pan under way).
   */
  stepsWithArrows(target) {
    const onPage = target === document.body || target === document.documentElement;
    return (onPage || this.root.contains(target)) && !target.closest('input:not([type=checkbox]), select, textarea')
      && this.pointers.size === 0;
  }

  /** The brush outline follows the pointer while a tool is active. */
  moveOutline(event) {
    if (!this.tool) return;
    const rect = this.stage.getBoundingClientRect();
    this.outline.hidden = false;
    this.outline.style.transform = `translate(${event.clientX - rect.left}px, ${event.clientY - rect.top}px) translate(-50%, -50%)`;
  }

  onKey(event) {
    if (!this.item || this.root.hidden) return;
    const target = event.target;
    const typing = target.closest?.('input:not([type=range]):not([type=checkbox]):not([type=radio]), textarea, select, [contenteditable]');
    if (typing) return;
    const command = event.ctrlKey || event.metaKey;
    const key = event.key.toLowerCase();
    if (command && key === 'z') {
      if (event.shiftKey) this.redo();
      else this.undo();
    } else if (command && key === 'y') {
      this.redo();
    } else if (command || event.altKey) {
      return;
    } else if (event.key === '[' || event.key === ']') {
      this.setBrushSize(this.brushSize.valueAsNumber * (event.key === ']' ? BRUSH_STEP : 1 / BRUSH_STEP));
    } else if (event.code === 'Space' && !target.closest?.('button, a, input, summary')) {
      this.spaceHeld = true; // space + drag pans
    } else if (STEPS[event.key] && !event.shiftKey && !event.defaultPrevented && this.stepsWithArrows(target)) {
      this.root.querySelector(`[data-testid=${STEPS[event.key]}]`).click(); // as ‹ › do (results.js)
    } else {
      return;
    }
    event.preventDefault();
  }
}

const NO_EDITS = new EditHistory();
/** The image's edit history (none while no image is shown). */
const editsOf = (item) => item?.edits ?? NO_EDITS;
