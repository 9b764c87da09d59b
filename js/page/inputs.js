// Ways in: picker, folder picker, drop (files and folders), paste, share target, file handler.

import { collectFiles, isImageFile } from './files.js';
import { takeSharedFiles } from './sw-client.js';

/**
 * @param {{fileInputs: HTMLInputElement[], dropZone: HTMLElement, params: URLSearchParams}} elements
 * @param {(files: Iterable<File>) => void} addFiles
 */
export function listenForImages({ fileInputs, dropZone, params }, addFiles) {
  for (const input of fileInputs) {
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
}

/** Pasted images are all called "image.png": give them distinct, dated names. */
export function pastedFile(file, index, now = new Date()) {
  const stamp = now.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const extension = file.type.split('/')[1] ?? 'png';
  return new File([file], `pasted-${stamp}${index ? `-${index + 1}` : ''}.${extension}`, { type: file.type });
}
