// The page's side of the service worker (sw.js): registration, cross-origin isolation on plain
// hosts, the user-confirmed update flow, and offline availability.

import { countedBody } from '../shared/download.js';

const ISOLATION_RELOAD = 'peel-isolation-reload';
const CONTROL_TIMEOUT_MS = 10_000;
const UPDATE_CHECK_MS = 60 * 60 * 1000;
/** Shared images wait here for the page (the same name as in sw.js). */
export const SHARE_CACHE = 'peel-share';

/**
 * Register sw.js and wait (briefly) until it controls the page, so that the runtime the page
 * is about to load goes through it and is cached for offline use.
 * @param {{onUpdate: (apply: () => void) => void}} handlers  onUpdate: a new version waits
 * @returns {Promise<ServiceWorkerRegistration|null>}  null where service workers are unavailable
 */
export async function startServiceWorker({ onUpdate }) {
  if (!('serviceWorker' in navigator)) return null;
  try {
    const registration = await navigator.serviceWorker.register(new URL('../../sw.js', import.meta.url), {
      updateViaCache: 'none',
    });
    offerUpdates(registration, onUpdate);
    setInterval(() => registration.update().catch(() => {}), UPDATE_CHECK_MS);
    await controlled();
    return registration;
  } catch {
    return null; // e.g. private windows that disallow service workers: Peel still works online
  }
}

function controlled() {
  if (navigator.serviceWorker.controller) return Promise.resolve();
  return new Promise((resolve) => {
    navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true });
    setTimeout(resolve, CONTROL_TIMEOUT_MS);
  });
}

/**
 * Whether to reload once so the service worker can add the COOP/COEP headers this host does not
 * send. Never twice in a row: a browser that still refuses isolation runs on one thread.
 */
export function needsIsolationReload() {
  if (self.crossOriginIsolated || !navigator.serviceWorker?.controller) {
    sessionStorage.removeItem(ISOLATION_RELOAD);
    return false;
  }
  if (sessionStorage.getItem(ISOLATION_RELOAD)) return false;
  sessionStorage.setItem(ISOLATION_RELOAD, '1');
  return true;
}

/** A new version installs in the background and waits; the user decides when it takes over. */
function offerUpdates(registration, onUpdate) {
  const offer = (worker) => {
    if (!worker || !navigator.serviceWorker.controller) return; // first install: nothing to update
    onUpdate(() => {
      navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
      worker.postMessage({ type: 'skip-waiting' });
    });
  };
  offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => worker.state === 'installed' && offer(worker));
  });
}

/**
 * Which of these runtime files the service worker has not cached yet.
 * @param {string[]} paths  relative to the app's root
 * @returns {Promise<string[]|null>}  null when no service worker controls the page
 */
export function missingForOffline(paths) {
  const worker = navigator.serviceWorker?.controller;
  if (!worker) return Promise.resolve(null);
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = ({ data }) => resolve(data.missing);
    worker.postMessage({ type: 'status', payload: { paths } }, [channel.port2]);
  });
}

/**
 * Download files through the service worker, which caches them.
 * @param {string[]} paths
 * @param {(loaded: number) => void} onProgress  bytes so far
 */
export async function downloadForOffline(paths, onProgress) {
  let loaded = 0;
  for (const path of paths) {
    const response = await fetch(new URL(`../../${path}`, import.meta.url));
    if (!response.ok) throw new Error(`HTTP ${response.status} for ${path}`);
    // Read to the end (the service worker caches it on the way) and dropped: nothing kept here.
    await countedBody(response, (bytes) => onProgress((loaded += bytes))).pipeTo(new WritableStream());
  }
}

/** Images shared to the installed app (see sw.js receiveShare), removed once taken. */
export async function takeSharedFiles() {
  const cache = await caches.open(SHARE_CACHE);
  const files = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    const name = decodeURIComponent(response.headers.get('X-File-Name') ?? 'shared-image');
    files.push(new File([await response.blob()], name, { type: response.headers.get('Content-Type') ?? '' }));
    await cache.delete(request);
  }
  return files;
}
