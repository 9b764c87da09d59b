// The settings panel: the form (defaults from the schema), its swatches and background image,
// the controls relevant to the choices (relevance.js), product mode's white canvas, "Copy
// settings as a command", and a debounced "settings changed" for the images in scope.

import { commandLine } from './command-line.js';
import { showRelevant } from './relevance.js';
import { applySchema, readSettings, showValues, writeSettings } from './settings-form.js';

/** A slider sends many events: the selected result is rendered again once it rests this long. */
const SETTLE_MS = 150;

/**
 * @param {{form: HTMLFormElement, backgroundImage: HTMLInputElement, copyButton: HTMLElement,
 *          commandOutput: HTMLOutputElement, productNote: HTMLElement}} elements
 * @param {(name?: string) => void} onChange  the settings changed and rested; `name` of the
 *   control that changed, when known (a model change re-renders nothing: see main.js)
 * @param {{commandOptions?: () => object}} [options]  more options of commandLine() for the
 *   copied command (the editor's hints)
 * @returns {{current: () => {settings: object, background: File|undefined}, show: (settings: object) => void}}
 */
export function createSettingsPanel({ form, backgroundImage, copyButton, commandOutput, productNote }, onChange,
  { commandOptions = () => ({}) } = {}) {
  applySchema(form);
  showValues(form);
  showRelevant(form);
  const current = () => ({ settings: readSettings(form), background: backgroundImage.files[0] });

  let pending = null;
  function changed(event) {
    const name = event?.target?.name;
    if (name === 'scope' && event.target.value !== 'all') return; // "This image": nothing changes yet
    if (name === 'background') productNote.hidden = true;
    if (name === 'background' && event.target.value === 'image' && !backgroundImage.files.length) {
      pickBackground(); // "Image" without an image: the picker opens
    }
    if (name === 'product' && event.target.checked && form.elements.background.value === 'transparent') {
      // Shops want a white canvas unless asked otherwise: give it, and say so (one click back).
      form.elements.background.value = 'color';
      form.elements.background_color.value = '#ffffff';
      productNote.hidden = false;
    }
    showValues(form);
    showRelevant(form);
    form.style.setProperty('--choice-color', form.elements.background_color.value); // the Colour choice's face
    clearTimeout(pending);
    pending = setTimeout(() => onChange(name), SETTLE_MS);
  }
  function pickBackground() {
    try {
      backgroundImage.showPicker();
    } catch {
      backgroundImage.click(); // no showPicker, or not from a user's gesture
    }
  }
  productNote.querySelector('button').addEventListener('click', () => {
    form.elements.background.value = 'transparent';
    productNote.hidden = true;
    changed();
  });
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
  return {
    current,
    /** Show these settings (an image's own, opened with the scope "This image"). */
    show(settings) {
      writeSettings(form, settings);
      showValues(form);
      showRelevant(form);
    },
  };
}
