// The first screen's own parts: the sample photos to try (they ship with the app, so they work
// offline), and the settings, hidden until there is an image, on request before one.

/**
 * @param {{samples: Iterable<HTMLButtonElement>, showSettings: HTMLButtonElement, settings: HTMLElement}} elements
 * @param {(files: File[]) => void} add  adds images as any other way in does
 */
export function wireFirstScreen({ samples, showSettings, settings }, add) {
  for (const button of samples) {
    button.addEventListener('click', async () => {
      button.disabled = true; // one click, one image
      try {
        const response = await fetch(button.dataset.src);
        const blob = await response.blob();
        add([new File([blob], button.dataset.src.split('/').pop(), { type: blob.type || 'image/jpeg' })]);
      } finally {
        button.disabled = false;
      }
    });
  }
  wireSheet(settings.querySelector('.sheet-toggle'), settings);
  showSettings.addEventListener('click', () => {
    document.body.classList.add('settings-asked');
    showSettings.setAttribute('aria-expanded', 'true');
    settings.querySelector('input, select, button')?.focus();
  });
}

/**
 * Say whether there are images: the page lays itself out for them (CSS `has-results`), and the
 * settings, hidden before, appear beside the editor.
 * @param {number} count
 */
export function showHasImages(count) {
  document.body.classList.toggle('has-results', count > 0);
}

/**
 * On a phone the settings are a sheet over the bottom of the editor, opened and closed by its
 * bar (hidden on wider screens, where they sit beside the editor).
 * @param {HTMLButtonElement} toggle
 * @param {HTMLElement} sheet
 */
export function wireSheet(toggle, sheet) {
  toggle.addEventListener('click', () => {
    const open = sheet.classList.toggle('sheet-open');
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? 'Hide settings' : 'Settings';
  });
}
