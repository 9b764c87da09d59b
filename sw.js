// Peel's service worker: the app offline, cross-origin isolation on any static host, and the
// share target. Same-origin GET requests only; it never touches another origin.
//
// Two caches, versioned separately from the bytes they hold (build.py writes BUILD):
//   peel-shell-<v>    the app's own files, precached at install
//   peel-runtime-<v>  Pyodide, onnxruntime, the model: cached on first use (or on request),
//                     tens of MB that a UI change must not download again
// Every file is fetched with its build-time hash as Subresource Integrity, so a page can never
// run an old shell with a new runtime or the reverse: a mismatched byte fails the fetch.
'use strict';

/**
 * @type {{version: string, shellCache: string, runtimeCache: string,
 *         shell: Object<string, string>, runtime: Object<string, string>,
 *         headers: Object<string, string>}}
 *   shell/runtime: path (relative to the scope) → SRI integrity
 */
const BUILD = /* build.py writes this */ null;

const PREFIX = 'peel-';
const SHARE_CACHE = 'peel-share';
const SCOPE = self.registration.scope;
const INDEX = 'index.html';

self.addEventListener('install', (event) => event.waitUntil(install()));
self.addEventListener('activate', (event) => event.waitUntil(activate()));
self.addEventListener('message', (event) => event.waitUntil(onMessage(event)));
self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (!request.url.startsWith(SCOPE)) return; // other origins: not ours to answer
  const path = pathOf(request.url);
  if (request.method === 'POST' && path === 'share-target') {
    event.respondWith(receiveShare(request));
  } else if (request.method === 'GET') {
    event.respondWith(respond(request, path).then(withIsolationHeaders));
  }
});

async function install() {
  const shell = await caches.open(BUILD.shellCache);
  // no-cache: a stale HTTP cache must not poison a new version (integrity would reject it).
  await Promise.all(
    Object.entries(BUILD.shell).map(async ([path, integrity]) => {
      const response = await fetch(new URL(path, SCOPE), { cache: 'no-cache', integrity });
      if (!response.ok) throw new Error(`precaching ${path}: HTTP ${response.status}`);
      await shell.put(new URL(path, SCOPE), withIsolationHeaders(response));
    }),
  );
  await carryOverRuntime();
}

/**
 * When the runtime changed, get the new one for the files the device already had, before the
 * update is offered: an app that worked offline keeps working offline after updating. Files
 * whose bytes did not change are copied from the old cache instead of downloaded again.
 */
async function carryOverRuntime() {
  const previous = (await caches.keys()).filter(
    (name) => name.startsWith(`${PREFIX}runtime-`) && name !== BUILD.runtimeCache,
  );
  const cache = await caches.open(BUILD.runtimeCache);
  for (const name of previous) {
    const old = await caches.open(name);
    for (const request of await old.keys()) {
      const path = pathOf(request.url);
      if (!(path in BUILD.runtime) || (await cache.match(request.url))) continue;
      const response = await old.match(request);
      const bytes = await response.clone().arrayBuffer();
      if ((await integrityOf(bytes)) === BUILD.runtime[path]) await cache.put(request.url, withIsolationHeaders(response));
      else await fromRuntimeCache(path);
    }
  }
}

async function integrityOf(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return `sha256-${btoa(String.fromCharCode(...digest))}`;
}

const pathOf = (url) => new URL(url).pathname.slice(new URL(SCOPE).pathname.length);

async function activate() {
  const keep = new Set([BUILD.shellCache, BUILD.runtimeCache, SHARE_CACHE]);
  const names = await caches.keys();
  // Only Peel's own outdated caches: other apps on this origin keep theirs.
  await Promise.all(names.filter((n) => n.startsWith(PREFIX) && !keep.has(n)).map((n) => caches.delete(n)));
  await self.clients.claim();
}

/** @returns {Promise<Response>} */
async function respond(request, path) {
  if (request.mode === 'navigate' && (path === '' || path === INDEX)) {
    return (await (await caches.open(BUILD.shellCache)).match(new URL(INDEX, SCOPE))) ?? fetch(request);
  }
  if (path in BUILD.shell) {
    return (await (await caches.open(BUILD.shellCache)).match(new URL(path, SCOPE))) ?? fetch(request);
  }
  if (path in BUILD.runtime) return fromRuntimeCache(path);
  return fetch(request);
}

/**
 * A runtime file from the cache, fetched and cached first if it is not there yet. Even a file
 * just fetched is answered from the cache: the browser keeps compiled WebAssembly (and
 * JavaScript) beside a cache entry only when the entry itself answered the request, so the
 * next start after a browser restart finds Pyodide and onnxruntime compiled (docs/architecture.md,
 * "Start-up").
 */
async function fromRuntimeCache(path) {
  const cache = await caches.open(BUILD.runtimeCache);
  const url = new URL(path, SCOPE);
  const hit = await cache.match(url);
  if (hit) return hit;
  const integrity = BUILD.runtime[path];
  const response = await fetch(url, { integrity });
  if (!response.ok) return response;
  await cache.put(url, withIsolationHeaders(response));
  return (await cache.match(url)) ?? fetch(url, { integrity });
}

/**
 * COOP/COEP make the page cross-origin isolated (threads for WASM) on hosts that cannot send
 * headers; the CSP keeps the privacy guarantee there too. Files are cached with these headers,
 * so that a cached file is answered as it is: a response rebuilt on every request loses the
 * compiled code the browser keeps beside the cache entry.
 */
function withIsolationHeaders(response) {
  if (response.type === 'opaque' || response.type === 'error' || response.status === 0) return response;
  if (Object.entries(BUILD.headers).every(([name, value]) => response.headers.get(name) === value)) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(BUILD.headers)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** Images shared to the installed app: kept in a cache until the page picks them up. */
async function receiveShare(request) {
  const form = await request.formData();
  const cache = await caches.open(SHARE_CACHE);
  const files = form.getAll('images').filter((file) => file instanceof File);
  await Promise.all(
    files.map((file, i) =>
      cache.put(new URL(`shared/${Date.now()}-${i}`, SCOPE), new Response(file, {
        headers: { 'Content-Type': file.type, 'X-File-Name': encodeURIComponent(file.name) },
      })),
    ),
  );
  return Response.redirect(new URL('./?shared=1', SCOPE).href, 303);
}

/** Requests from the page (js/page/sw-client.js): {type, payload}; replies on the message port. */
async function onMessage(event) {
  const { type, payload } = event.data ?? {};
  const reply = (result) => event.ports[0]?.postMessage(result);
  if (type === 'skip-waiting') {
    await self.skipWaiting();
  } else if (type === 'status') {
    const runtime = await caches.open(BUILD.runtimeCache);
    const missing = [];
    for (const path of payload.paths) {
      if (!(path in BUILD.runtime) || !(await runtime.match(new URL(path, SCOPE)))) missing.push(path);
    }
    reply({ version: BUILD.version, missing });
  }
}
