// Settings → the equivalent `peel` command line (py/peel/cli.py): same names, same defaults.

/**
 * Defaults of py/peel/settings.py's Settings (tests/unit/test_command_line.py keeps them equal).
 * A setting equal to its default is left out of the command.
 */
export const DEFAULTS = Object.freeze({
  format: 'png',
  quality: 0.9,
  feather: 0,
  refine: 'matte',
  threshold: 'auto',
  threshold_low: 0.1,
  threshold_high: 0.9,
  decontaminate: 1,
  background: 'transparent',
  background_color: '#ffffff',
  background_blur: 20,
  product: false,
  product_size: 2000,
  product_aspect: '1:1',
  product_margin: 0.1,
  product_shadow: false,
  product_shadow_strength: 0.5,
});

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
