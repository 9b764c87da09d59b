// What a settings change applies to (js/page/scope.js): every finished image, or the one in the
// editor; a model not on this device is left for later; how many different settings a set has.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DEFAULT_SCOPE, createScope } from '../../js/page/scope.js';

function setup({ ready = () => true } = {}) {
  const used = [];
  const job = (name, state = 'done', lookKey = 'a') => ({
    name, state, lookKey, model: 'u2netp',
    useSettings: (look) => used.push([name, look.settings]),
    expectRerender: () => used.push([name, 'expect']),
  });
  const jobs = { items: [job('one'), job('two'), job('queued', 'queued'), job('three', 'done', 'b')] };
  const form = { elements: { scope: { value: '' } } };
  const count = { textContent: '' };
  const values = { format: 'webp', model: 'u2netp' };
  const scope = createScope({ form, count }, jobs, {
    selected: () => jobs.items[1], current: () => ({ settings: { ...values } }), isModelReady: ready,
  });
  return { scope, form, count, used, jobs, values };
}

test('"All images" is the default and gives every finished image the settings; the count says how many', () => {
  const { scope, form, count, used } = setup();
  assert.equal(DEFAULT_SCOPE, 'all');
  assert.equal(form.elements.scope.value, 'all');
  scope.apply();
  assert.deepEqual(used.map(([name]) => name), ['one', 'two', 'three']);
  scope.showCount();
  assert.equal(count.textContent, '(3)');
});

test('"This image" gives them to the image in the editor only', () => {
  const { scope, form, used } = setup();
  form.elements.scope.value = 'image';
  scope.apply();
  scope.expect();
  assert.deepEqual(used.map(([name]) => name), ['two', 'two']);
});

test('a model not on this device is not applied, until it is ready', () => {
  const ready = new Set(['u2netp']);
  const { scope, used, values } = setup({ ready: (model) => ready.has(model) });
  values.model = 'modnet';
  scope.apply();
  assert.ok(used.every(([, settings]) => !('model' in settings)), 'the other settings, not the model');
  used.length = 0;
  ready.add('modnet');
  scope.modelReady('modnet');
  assert.deepEqual(used.map(([name, settings]) => [name, settings.model]),
    [['one', 'modnet'], ['two', 'modnet'], ['three', 'modnet']]);
});

test('looks counts the different settings a set of images was made with', () => {
  const { scope, jobs } = setup();
  assert.equal(scope.looks(jobs.items.slice(0, 2)), 1);
  assert.equal(scope.looks(jobs.items), 2);
});
