// Settings → the equivalent `peel` command line (py/peel/desktop/cli.py): same names, same defaults.

import { SETTINGS } from '../shared/contract.js';

/**
 * Defaults of py/peel/settings.py's Settings, from its schema. A setting equal to its default is
 * left out of the command.
 */
export const DEFAULTS = Object.freeze(Object.fromEntries(
  Object.entries(SETTINGS).map(([name, { default: value }]) => [name, value])));

/** A word for a POSIX shell: as is when safe, else in single quotes. */
export function shellQuote(word) {
  const text = String(word);
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * @param {object} settings  from readSettings (only the fields the form has)
 * @param {{backgroundImage?: string, hints?: {name: string, snap: boolean}}} [options]
 *   the background image's file name, if any; the hints PNG of the editor's strokes, if any
 *   (the file "Download edits" saves), and whether they snap to edges
 * @returns {string}  e.g. `peel --feather 3 --format jpeg`
 */
export function commandLine(settings, { backgroundImage, hints } = {}) {
  const words = ['peel'];
  for (const [name, fallback] of Object.entries(DEFAULTS)) {
    const value = settings[name];
    if (value === undefined || value === null || Number.isNaN(value) || value === fallback) continue;
    const flag = `--${name.replace(/_/g, '-')}`;
    if (typeof fallback === 'boolean') words.push(value ? flag : `--no-${flag.slice(2)}`);
    else words.push(flag, shellQuote(value));
  }
  if (settings.background === 'image') words.push('--background-image', shellQuote(backgroundImage || 'BACKGROUND.jpg'));
  if (hints) words.push('--hints', shellQuote(hints.name), ...(hints.snap ? [] : ['--no-snap']));
  return words.join(' ');
}
