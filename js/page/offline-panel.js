// The offline panel ("✓ Available offline" / "Make available offline") and the update banner.

import { downloadForOffline, missingForOffline } from './sw-client.js';
import { formatMB } from './engine.js';
import { readManifest } from './manifest.js';

/**
 * @param {{status: HTMLElement, button: HTMLButtonElement, progress: HTMLProgressElement}} elements
 * @param {() => string[]} [usedModels]  on-demand models used here: their files count too
 * @returns {(backendId: string, options?: {fillIn?: boolean}) => Promise<void>}  shows what
 *   offline use of this backend needs; fillIn: get what is missing at once, without asking (the
 *   engine started before the service worker controlled the page, so nothing went through it;
 *   the files come from the HTTP cache, revalidated, not downloaded again)
 */
export function createOfflinePanel({ status, button, progress }, usedModels = () => []) {
  /** The runtime files this backend needs, from the build's manifest. */
  async function runtimeFiles(backendId) {
    const { files, runtime, models = {} } = await readManifest();
    const paths = [...runtime.common, ...runtime[backendId], ...usedModels().flatMap((name) => models[name] ?? [])];
    return { paths, sizes: Object.fromEntries(paths.map((path) => [path, files[path]])) };
  }

  return async function showOfflineAvailability(backendId, { fillIn = false } = {}) {
    const { paths, sizes } = await runtimeFiles(backendId);
    const missing = await missingForOffline(paths);
    if (missing === null) {
      status.textContent = 'Offline use is not available in this browser window.';
      return;
    }
    const available = missing.length === 0;
    status.dataset.available = String(available);
    status.textContent = available ? '✓ Available offline' : '';
    button.hidden = available;
    if (available) return;
    const bytes = missing.reduce((sum, path) => sum + sizes[path], 0);
    button.textContent = `Make available offline (${formatMB(bytes)})`;
    const download = async () => {
      button.hidden = false; // shown, disabled, while a fill-in runs too
      button.disabled = true;
      progress.hidden = false;
      navigator.storage?.persist?.(); // ask the browser not to evict the cache under pressure
      try {
        await downloadForOffline(missing, (loaded) => (progress.value = loaded / bytes));
      } catch (error) {
        status.textContent = `Could not download everything for offline use (${error.message}). Try again when online.`;
      } finally {
        button.disabled = false;
        progress.hidden = true;
      }
      showOfflineAvailability(backendId);
    };
    button.onclick = download;
    if (fillIn) download();
  };
}

/** "A new version is available": the user decides when to take it. */
export function offerUpdate(banner, apply) {
  banner.hidden = false;
  banner.querySelector('button').addEventListener('click', apply, { once: true });
}
