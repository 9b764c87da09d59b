// File names for downloads: safe on every OS, and unique inside one ZIP.

import { OUTPUT_SUFFIX } from '../shared/contract.js';

/**
 * `<name>-nobg.<ext>` (or `<name>-mask.png`) from an input file name, without paths or control
 * characters.
 * @param {string} inputName
 * @param {'png'|'webp'|'jpeg'|'mask'} [format='png']
 */
export function outputName(inputName, format = 'png') {
  const base = (inputName.split(/[\\/]/).pop() ?? '')
    .replace(/\.[^.]*$/, '')
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .replace(/^[.\s]+|[.\s]+$/g, '')
    .slice(0, 120);
  return `${base || 'image'}${OUTPUT_SUFFIX[format]}`;
}

/**
 * The same names, made unique by appending " (2)", " (3)"… before the extension.
 * @param {string[]} names
 * @returns {string[]}
 */
export function uniqueNames(names) {
  const taken = new Set();
  return names.map((name) => {
    let candidate = name;
    for (let n = 2; taken.has(candidate.toLowerCase()); n++) {
      candidate = name.replace(/(\.[^.]*)?$/, (ext) => ` (${n})${ext}`);
    }
    taken.add(candidate.toLowerCase());
    return candidate;
  });
}
