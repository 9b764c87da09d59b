// Ways in: picker, folder picker, drop (files and folders), paste, share target, file handler.

import { acceptDrops } from './drop.js';
import { isImageFile } from './files.js';
import { takeSharedFiles } from './sw-client.js';

/**
 * @param {object} elements
 * @param {HTMLInputElement[]} elements.fileInputs
 * @param {HTMLElement} elements.dropZone  marked while files are dragged over the window
 * @param {URLSearchParams} elements.params
 * @param {EventTarget} [elements.dropTarget]  takes dropped files: the whole window by default
 * @param {HTMLElement|null} [elements.dropOverlay]  shown meanwhile ([data-testid=drop-overlay])
 * @param {(files: Iterable<File>) => void} addFiles
 */
export function listenForImages({
  fileInputs, dropZone, params, dropTarget = document, dropOverlay = document.querySelector('[data-testid=drop-overlay]'),
}, addFiles) {
  for (const input of fileInputs) {
    input.addEventListener('change', () => {
      const fromFolder = input.hasAttribute('webkitdirectory');
      addFiles(fromFolder ? [...input.files].filter(isImageFile) : input.files);
      input.value = ''; // choosing the same files again still fires change
    });
  }
  acceptDrops({ target: dropTarget, overlay: dropOverlay, dropZone }, addFiles);
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
}

/** Pasted images are all called "image.png": give them distinct, dated names. */
export function pastedFile(file, index, now = new Date()) {
  const stamp = now.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const extension = file.type.split('/')[1] ?? 'png';
  return new File([file], `pasted-${stamp}${index ? `-${index + 1}` : ''}.${extension}`, { type: file.type });
}
