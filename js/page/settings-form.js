// The settings form ⇄ a plain settings object (field names of py/peel/settings.py). The form's
// defaults, ranges, units and choices come from the one schema (Settings.schema(), in
// contract.js), the Model radios from the models' declarations; index.html gives only the
// layout, the labels and the steps.

import { DEFAULT_MODEL, MODELS, SETTINGS } from '../shared/contract.js';
import { formatMB } from './engine.js';

/**
 * Give each control named after a setting its default and range, as if index.html had them in
 * its markup (default* properties: a value the browser restored, e.g. on reload, is kept), and
 * fill each `[data-choices=NAME]` box with a radio per choice of setting NAME. Called once,
 * before the form is read. That radios and selects offer exactly the schema's choices is a
 * test's job (tests/unit/test_command_line.py, tests/js/settings.test.js).
 * @param {HTMLFormElement} form
 * @param {Record<string, {type: string, default: unknown, min?: number, max?: number}>} [schema]
 */
export function applySchema(form, schema = SETTINGS) {
  addChoices(form, schema);
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
    if (!name || element.disabled || NOT_SETTINGS.has(name)) continue;
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

/** Controls of the form that are not Settings fields (what a change applies to: scope.js). */
const NOT_SETTINGS = new Set(['scope']);

/**
 * Put settings into the form (the inverse of readSettings), e.g. an image's own when it is
 * opened with the scope "This image". Fields the form lacks are skipped.
 * @param {HTMLFormElement} form
 * @param {object} settings
 */
export function writeSettings(form, settings) {
  for (const element of form.elements) {
    const { name, type } = element;
    if (!name || NOT_SETTINGS.has(name) || !(name in settings)) continue;
    const value = settings[name];
    if (type === 'radio') element.checked = element.value === String(value);
    else if (type === 'checkbox') element.checked = Boolean(value);
    else element.value = String(value);
  }
}

/** How a value reads beside its control, by the unit its setting declares. */
const UNITS = {
  fraction: (value) => `${Math.round(value * 100)} %`,
  px: (value) => `${value} px`,
};

/**
 * Show each range's value beside it, in its setting's unit.
 * @param {HTMLFormElement} form
 * @param {Record<string, {unit?: string}>} [schema]
 */
export function showValues(form, schema = SETTINGS) {
  for (const output of form.querySelectorAll('output[data-for]')) {
    const { name, valueAsNumber } = form.elements[output.dataset.for];
    output.textContent = (UNITS[schema[name]?.unit] ?? String)(valueAsNumber);
  }
}

/**
 * One radio per choice of the setting each `[data-choices]` box names, labelled by
 * {@link choiceText}.
 * @param {HTMLFormElement} form
 * @param {Record<string, {choices?: string[]}>} schema
 */
function addChoices(form, schema) {
  for (const box of form.querySelectorAll('[data-choices]')) {
    const name = box.dataset.choices;
    for (const value of schema[name].choices) {
      const label = form.ownerDocument.createElement('label');
      const input = form.ownerDocument.createElement('input');
      Object.assign(input, { type: 'radio', name, value });
      label.append(input, ` ${choiceText(name, value)}`);
      box.append(label);
    }
  }
}

/** What a generated choice reads: a model's label, with its download size unless it is built in. */
export function choiceText(name, value) {
  const model = name === 'model' ? MODELS[value] : undefined;
  if (!model) return value;
  return value === DEFAULT_MODEL ? model.label : `${model.label}, ${formatMB(model.bytes)}`;
}
