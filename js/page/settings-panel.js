// The settings panel: the form (defaults from the schema), its swatches and background image,
// "Copy settings as a command", and a debounced "settings changed" for the selected result.

import { commandLine } from './command-line.js';
import { applySchema, readSettings, showValues } from './settings-form.js';

/** A slider sends many events: the selected result is rendered again once it rests this long. */
const SETTLE_MS = 150;

/**
 * @param {{form: HTMLFormElement, backgroundImage: HTMLInputElement, copyButton: HTMLElement,
 *          commandOutput: HTMLOutputElement}} elements
 * @param {(name?: string) => void} onChange  the settings changed and rested; `name` of the
 *   control that changed, when known (a model change re-renders nothing: see main.js)
 * @param {{commandOptions?: () => object}} [options]  more options of commandLine() for the
 *   copied command (the editor's hints)
 * @returns {{current: () => {settings: object, background: File|undefined}}}
 */
export function createSettingsPanel({ form, backgroundImage, copyButton, commandOutput }, onChange,
  { commandOptions = () => ({}) } = {}) {
  applySchema(form);
  showValues(form);
  const current = () => ({ settings: readSettings(form), background: backgroundImage.files[0] });

  let pending = null;
  function changed(event) {
    showValues(form);
    form.style.setProperty('--choice-color', form.elements.background_color.value); // the Colour choice's face
    clearTimeout(pending);
    pending = setTimeout(() => onChange(event?.target?.name), SETTLE_MS);
  }
  form.addEventListener('input', changed);
  form.addEventListener('submit', (event) => event.preventDefault()); // Enter in a field
  backgroundImage.addEventListener('change', () => {
    form.elements.background.value = 'image';
    changed();
  });
  for (const swatch of form.querySelectorAll('[data-color]')) {
    swatch.addEventListener('click', () => {
      form.elements.background_color.value = swatch.dataset.color;
      if (form.elements.background.value === 'transparent') form.elements.background.value = 'color';
      changed();
    });
  }
  copyButton.addEventListener('click', async () => {
    const { settings, background } = current();
    const text = commandLine(settings, { backgroundImage: background?.name, ...commandOptions() });
    commandOutput.textContent = text;
    commandOutput.hidden = false;
    try {
      await navigator.clipboard.writeText(text);
      commandOutput.dataset.copied = 'true';
    } catch {
      commandOutput.dataset.copied = 'false'; // clipboard refused: the text is shown to copy by hand
    }
  });
  return { current };
}
