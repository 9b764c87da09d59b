// numpy and Pillow installed into Pyodide from one archive of their files, without Pyodide's
// loadPackage (docs/architecture.md, "Start-up").
//
// loadPackage begins only once Python is up, unpacks each wheel with Python's zipfile and then
// compiles and instantiates all 25 of their native libraries, one after another, used or not:
// most of start-up's critical path. Here the archive (site-packages.tar.gz, made from the same
// py-compiled wheels by buildtools/sitepackages.py) is fetched and inflated by the browser, on a
// thread of its own, while Pyodide boots; installing is writing files. A native library is loaded when Python first
// imports it (Emscripten's dlopen reads it from the file system), so the ones never imported
// (numpy's test modules, Pillow's Tk and FreeType bindings) cost nothing.

import { readTar } from './untar.js';

/** Inflate workers at work, referenced from here (a Worker only pending promises reach may be
 *  collected by Firefox, its messages lost: see holdNestedWorkers in inference.js). */
const working = new Set();
/**
 * Worker as it is when this module loads (none in Node): while onnxruntime's session starts, inference.js
 * wraps self.Worker to hold (and count) onnxruntime's thread-pool workers, and this one is not.
 */
const PlainWorker = globalThis.Worker;

/**
 * Fetch and inflate the site-packages archive on a thread of its own (inflate-worker.js).
 * @param {string} url
 * @param {string} [integrity]  its Subresource Integrity (fetch checks it)
 * @param {(bytes: number) => void} [onBytes]  compressed bytes arrived
 * @returns {Promise<{path: string, bytes: Uint8Array}[]>}  its files
 */
export function fetchPackages(url, integrity, onBytes = () => {}) {
  const worker = new PlainWorker(new URL('./inflate-worker.js', import.meta.url), { type: 'module', name: 'peel-inflate' });
  working.add(worker);
  return new Promise((resolve, reject) => {
    worker.addEventListener('message', ({ data }) => {
      if (data.loaded) return onBytes(data.loaded);
      if (data.tar) {
        try {
          resolve(readTar(new Uint8Array(data.tar)));
        } catch (error) {
          reject(error);
        }
      } else if (data.network) reject(new TypeError(`Failed to fetch numpy and Pillow (${data.error})`));
      else reject(new Error(`could not load numpy and Pillow (${data.error})`));
    });
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      reject(new Error(`could not load numpy and Pillow (${event.message || 'worker error'})`));
    });
    worker.postMessage({ url, integrity });
  }).finally(() => {
    working.delete(worker);
    worker.terminate();
  });
}

/**
 * Write files into Pyodide's file system under `directory`, and make Python see them.
 * @param {any} pyodide  a loaded Pyodide
 * @param {{path: string, bytes: Uint8Array}[]} files
 * @param {string} directory  site-packages
 */
export function install(pyodide, files, directory) {
  const folders = new Set();
  for (const { path, bytes } of files) {
    const target = `${directory}/${path}`;
    const folder = target.slice(0, target.lastIndexOf('/'));
    if (!folders.has(folder)) pyodide.FS.mkdirTree(folder);
    folders.add(folder);
    pyodide.FS.writeFile(target, bytes);
  }
  pyodide.pyimport('importlib').invalidate_caches(); // Python's path finders cache folder listings
}
