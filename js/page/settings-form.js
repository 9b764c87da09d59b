// The settings form ⇄ a plain settings object (field names of py/peel/settings.py). The form's
// defaults, ranges and choices come from the one schema (Settings.schema(), in contract.js);
// index.html gives only the layout, the labels and the steps.

import { SETTINGS } from '../shared/contract.js';

/**
 * Give each control named after a setting its default and range, as if index.html had them in
 * its markup (default* properties: a value the browser restored, e.g. on reload, is kept).
 * Called once, before the form is read. That radios and selects offer exactly the schema's
 * choices is a test's job (tests/unit/test_command_line.py).
 * @param {HTMLFormElement} form
 * @param {Record<string, {type: string, default: unknown, min?: number, max?: number}>} [schema]
 */
export function applySchema(form, schema = SETTINGS) {
  for (const element of form.elements) {
    const field = schema[element.name];
    if (!field) continue;
    const { type } = element;
    if (type === 'radio' || type === 'checkbox') {
      element.defaultChecked = type === 'radio' ? element.value === field.default : field.default === true;
    } else if (element.options) {
      for (const option of element.options) option.defaultSelected = option.value === String(field.default);
    } else {
      if (field.min !== undefined) element.min = String(field.min);
      if (field.max !== undefined) element.max = String(field.max);
      element.defaultValue = String(field.default);
    }
  }
}

/**
 * @param {HTMLFormElement} form
 * @returns {object}  only the fields the form has; Python fills in the rest with its defaults
 */
export function readSettings(form) {
  const settings = {};
  for (const element of form.elements) {
    const { name, type } = element;
    if (!name || element.disabled) continue;
    if (type === 'radio') {
      if (element.checked) settings[name] = element.value;
    } else if (type === 'checkbox') {
      settings[name] = element.checked;
    } else if (type === 'range' || type === 'number') {
      settings[name] = element.valueAsNumber;
    } else {
      settings[name] = element.value;
    }
  }
  return settings;
}

/** Show each range's value beside it (in the unit that reads best). */
export function showValues(form) {
  for (const output of form.querySelectorAll('output[data-for]')) {
    const input = form.elements[output.dataset.for];
    const value = input.valueAsNumber;
    output.textContent = input.max <= 1 ? `${Math.round(value * 100)} %` : `${value} px`;
  }
}
