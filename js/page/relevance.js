// Only the controls that matter for the choices made are shown: each `[data-when="name=a|b"]`
// box shows while setting `name` is one of the values (a checkbox reads "true"/"false"). Hidden
// controls stay in the form with their values (readSettings reads them; Python ignores what
// the choices make moot). The format's names say what the file will hold with this background.

/** What a format gives over each background. */
const LOOKS = { transparent: 'transparent', color: 'on colour', image: 'on your image', blur: 'on blurred photo' };

/** @param {HTMLFormElement} form  the value of setting `name` as data-when compares it */
function valueOf(form, name) {
  const control = form.elements[name];
  if (!control) return undefined;
  if (control.type === 'checkbox') return String(control.checked);
  return control.value;
}

/**
 * Show the controls relevant now, hide the others; name the formats by what they give.
 * @param {HTMLFormElement} form
 */
export function showRelevant(form) {
  for (const box of form.querySelectorAll('[data-when]')) {
    const [name, wanted] = box.dataset.when.split('=');
    box.hidden = !wanted.split('|').includes(valueOf(form, name));
  }
  const background = valueOf(form, 'background') ?? 'transparent';
  const look = LOOKS[background] ?? background;
  const options = form.elements.format?.options ?? [];
  for (const option of options) {
    if (option.value === 'png') option.textContent = `PNG — ${look}`;
    if (option.value === 'webp') option.textContent = `WebP — ${look}`;
    // JPEG has no transparency: a transparent background becomes the colour (white by default).
    if (option.value === 'jpeg') option.textContent = `JPEG — ${background === 'transparent' ? 'on white' : look}`;
  }
}
