// A stand-in for index.html's settings form, built from its markup, enough for
// js/page/settings-form.js: named controls with default* properties and live values.
import { readFileSync } from 'node:fs';

class Control {
  constructor(tag, attrs) {
    this.tagName = tag.toUpperCase();
    this.name = attrs.name;
    this.type = tag === 'select' ? 'select-one' : attrs.type ?? 'text';
    this.attrs = attrs;
    this.disabled = 'disabled' in attrs;
    this.defaultValue = attrs.value ?? '';
    this.defaultChecked = 'checked' in attrs;
    this.min = attrs.min ?? '';
    this.max = attrs.max ?? '';
    this.dirty = undefined; // what the user set; the default shows until then
  }

  get value() {
    if (this.options) return (this.options.find((o) => o.defaultSelected) ?? this.options[0])?.value ?? '';
    return this.dirty ?? (this.type === 'radio' || this.type === 'checkbox' ? this.attrs.value ?? 'on' : this.defaultValue);
  }

  get checked() {
    return this.dirty ?? this.defaultChecked;
  }

  get valueAsNumber() {
    return this.value === '' ? NaN : Number(this.value);
  }
}

/** The #settings form of index.html, as controls (selects with their options), with the
 * `[data-choices]` boxes that settings-form.js fills with radios through `ownerDocument`. */
export function settingsFormOfIndexHtml(html = readFileSync(new URL('../../index.html', import.meta.url), 'utf8')) {
  const start = html.indexOf('<form class="settings"');
  const body = html.slice(start, html.indexOf('</form>', start));
  const elements = [];
  const add = (control) => {
    elements.push(control);
    const named = elements.filter((element) => element.name === control.name);
    elements[control.name] = named.length === 1 ? named[0] : named;
  };
  const boxes = [];
  let select = null;
  for (const [, tag, rest] of body.matchAll(/<(input|select|option|\/select|span)\b([^>]*)>/g)) {
    const attrs = Object.fromEntries([...rest.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map(([, k, v]) => [k, v ?? '']));
    if (tag === 'span') {
      if ('data-choices' in attrs) boxes.push(choiceBox(attrs['data-choices'], add));
    } else if (tag === 'option' && select) {
      select.options.push({ value: attrs.value, defaultSelected: 'selected' in attrs });
    } else if (tag === '/select') {
      select = null;
    } else if ((tag === 'input' || tag === 'select') && attrs.name) {
      const control = new Control(tag, attrs);
      if (tag === 'select') {
        control.options = [];
        select = control;
      }
      add(control);
    }
  }
  return {
    elements,
    querySelectorAll: (selector) => (selector === '[data-choices]' ? boxes : []),
    ownerDocument: { createElement: (tag) => ({ tagName: tag.toUpperCase(), children: [], append(...nodes) { this.children.push(...nodes); } }) },
  };
}

/** A `[data-choices]` box: the inputs of the labels appended to it become controls. */
function choiceBox(name, add) {
  return {
    dataset: { choices: name },
    labels: [],
    append(label) {
      this.labels.push(label);
      for (const node of label.children) {
        if (node.tagName === 'INPUT') add(new Control('input', { type: node.type, name: node.name, value: node.value }));
      }
    },
  };
}
