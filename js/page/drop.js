// The whole window takes dropped files and folders: an overlay says so while files are dragged
// over it, and the browser never opens a dropped file in the tab instead.

import { collectFiles } from './files.js';

/** The overlay hides when no `dragover` came for this long: the spec fires one at least every 350 ± 200 ms. */
const DRAG_GONE_MS = 1000;

/**
 * @param {object} parts
 * @param {EventTarget} parts.target  what takes drops (the document: anywhere in the window)
 * @param {HTMLElement|null} parts.overlay  shown while files are dragged over the window
 * @param {HTMLElement|null} parts.dropZone  marked `.dragging` meanwhile
 * @param {(files: File[]) => void} addFiles
 */
export function acceptDrops({ target, overlay, dropZone }, addFiles) {
  let fromPage = false; // a drag that began here (a result's image, a link): never added, never opened
  let depth = 0; // dragenter minus dragleave: 0 once the drag has left the window
  let gone = 0;
  const show = (shown) => {
    if (overlay) overlay.hidden = !shown;
    dropZone?.classList.toggle('dragging', shown);
    clearTimeout(gone);
    if (shown) gone = setTimeout(() => show(false), DRAG_GONE_MS); // a missed dragleave
    else depth = 0;
  };
  // Only drags that carry files are ours: text dragged into a field keeps its own behaviour.
  const carriesFiles = (event) => [...(event.dataTransfer?.types ?? [])].includes('Files');
  // A file input takes a drop itself (the background image, a user's model).
  const ownDrop = (event) => event.target instanceof HTMLInputElement && event.target.type === 'file';

  target.addEventListener('dragstart', () => (fromPage = true));
  target.addEventListener('dragend', () => (fromPage = false));
  const over = (event) => {
    if (!carriesFiles(event)) return;
    if (ownDrop(event)) return show(false); // the overlay would promise what this drop does not do
    event.preventDefault(); // else the browser opens the file in the tab
    event.dataTransfer.dropEffect = fromPage ? 'none' : 'copy';
    if (!fromPage) show(true);
  };
  target.addEventListener('dragenter', (event) => {
    depth += 1;
    over(event);
  });
  target.addEventListener('dragover', over);
  target.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) show(false);
  });
  target.addEventListener('drop', async (event) => {
    show(false);
    if (!carriesFiles(event) || ownDrop(event)) return;
    event.preventDefault();
    if (!fromPage) addFiles(await collectFiles(event.dataTransfer));
  });
}
