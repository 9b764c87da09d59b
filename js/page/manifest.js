// The build's manifest (dist/build.json: every served file's size, the runtime's files per
// backend, each model's files), read once by the page.

/** @type {Promise<{files: Object<string, number>, runtime: Object<string, string[]>, models?: Object<string, string[]>}>|null} */
let manifest = null;

/** The manifest (fetched on first use). */
export function readManifest() {
  manifest ??= fetch('build.json').then((response) => response.json());
  return manifest;
}

/**
 * The files a model needs, and their size.
 * @param {string} model
 * @returns {Promise<{paths: string[], bytes: number}>}
 */
export async function modelFiles(model) {
  const { files, models = {} } = await readManifest();
  const paths = models[model] ?? [];
  return { paths, bytes: paths.reduce((sum, path) => sum + files[path], 0) };
}
