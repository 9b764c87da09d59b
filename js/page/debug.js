// The page's debug option: URL parameters that tests, the bench and a curious user pass to the
// engine. Parsed here and nowhere else; each one is optional.
//
//   ?backend=wasm|webgpu|auto   which onnxruntime backend (default auto: WebGPU on a real GPU)
//   ?threads=2                  WASM threads (default: the cores, capped)
//   ?stall=4000                 ms of worker silence after which the engine counts as dead
//   ?deadline.session=500       a start-up stage's deadline in ms (js/worker/deadline.js)
//   ?memory                     the worker's WebAssembly heaps in each card's data-memory (bench/memory.py)

/**
 * @param {URLSearchParams} params  the page's query
 * @returns {{backend: 'auto'|'wasm'|'webgpu', threads?: number, stallTimeoutMs?: number,
 *            deadlines: Object<string, number>, measureMemory: boolean}}  createRemover's options (peel.js)
 */
export function debugOptions(params) {
  return {
    backend: /** @type {any} */ (params.get('backend') ?? 'auto'),
    threads: Number(params.get('threads')) || undefined,
    stallTimeoutMs: Number(params.get('stall')) || undefined,
    deadlines: Object.fromEntries([...params]
      .filter(([name]) => name.startsWith('deadline.'))
      .map(([name, value]) => [name.slice('deadline.'.length), Number(value)])),
    measureMemory: params.has('memory'),
  };
}
