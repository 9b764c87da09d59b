// One fresh worker per configuration: onnxruntime-web's numThreads and WASM instance are
// per-worker globals, and the first run after session creation is itself a measurement.

/**
 * @param {object} config  see study-worker.js
 * @returns {Promise<object>}  timings and checks, or {error}
 */
window.study = (config) =>
  new Promise((resolve) => {
    const worker = new Worker(new URL('study-worker.js', import.meta.url), { type: 'module' });
    const done = (result) => {
      worker.terminate();
      resolve(result);
    };
    worker.onmessage = ({ data }) => done(data);
    worker.onerror = (event) => done({ error: event.message || 'worker error' });
    worker.postMessage(config);
  });

/** Encoders for a 12 MP RGBA image, measured on the page's own thread pool-free worker. */
window.encodeStudy = (config) => window.study({ ...config, task: 'encode' });
window.studyReady = true;
