// The settings form ⇄ a plain settings object (field names of py/peel/settings.py).

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
