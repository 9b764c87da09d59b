// Files out of a drop: plain files as they are, folders walked recursively (images only).

import { IMAGE_EXTENSIONS } from '../shared/contract.js';

/** Whether a file inside a folder is worth a card: images by type or by name (as the `peel` command). */
export function isImageFile(file) {
  const dot = file.name.lastIndexOf('.');
  return file.type.startsWith('image/') || (dot >= 0 && IMAGE_EXTENSIONS.includes(file.name.slice(dot).toLowerCase()));
}

/**
 * @param {DataTransfer} dataTransfer
 * @returns {Promise<File[]>}
 */
export async function collectFiles(dataTransfer) {
  const entries = [...dataTransfer.items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  if (!entries.some((entry) => entry.isDirectory)) return [...dataTransfer.files];
  const files = [];
  for (const entry of entries) {
    if (entry.isFile) files.push(await fileOf(entry));
    else files.push(...(await filesInFolder(entry)).filter(isImageFile));
  }
  return files;
}

const fileOf = (entry) => new Promise((resolve, reject) => entry.file(resolve, reject));

async function filesInFolder(folder) {
  const reader = folder.createReader();
  const files = [];
  // readEntries returns the entries in chunks (100 in Chromium) until it returns none.
  for (let chunk = await readChunk(reader); chunk.length; chunk = await readChunk(reader)) {
    for (const entry of chunk) {
      if (entry.isFile) files.push(await fileOf(entry));
      else files.push(...(await filesInFolder(entry)));
    }
  }
  return files;
}

const readChunk = (reader) => new Promise((resolve, reject) => reader.readEntries(resolve, reject));
