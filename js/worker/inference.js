// The onnxruntime-web bridge: picks a backend, owns the session, runs the model.
// Only one onnxruntime build is loaded: the 14 MB CPU build, or the 27 MB WebGPU one when
// WebGPU will be used.

const VENDOR = new URL('../../vendor/ort/', import.meta.url).href;
export const MODEL_SIZE = 320;

/**
 * Whether this browser exposes a real GPU through WebGPU. Software adapters (SwiftShader,
 * "fallback") are slower than our WASM build, so they never count.
 * @returns {Promise<boolean>}
 */
export async function hasRealGpu() {
  if (!('gpu' in navigator)) return false;
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return false;
    const info = adapter.info ?? {};
    const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
    return !fallback && info.architecture !== 'swiftshader';
  } catch {
    return false;
  }
}

/** WASM threads: all cores up to 4 (more gives nothing on this model), 1 without isolation. */
export function defaultThreads() {
  if (!self.crossOriginIsolated) return 1;
  return Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 4));
}

/**
 * @param {object} options
 * @param {'wasm'|'webgpu'} options.backend
 * @param {number} options.threads  WASM threads (also used by the WebGPU build for CPU ops)
 * @param {ArrayBuffer} options.model  the prepared u2netp model
 * @returns {Promise<{label: string, backend: 'wasm'|'webgpu', threads: number,
 *                    memoryBytes: () => number,
 *                    run: (tensor: Float32Array) => Promise<Float32Array>}>}
 */
export async function createInference({ backend, threads, model }) {
  const ort = await import(backend === 'webgpu' ? `${VENDOR}ort.webgpu.min.mjs` : `${VENDOR}ort.wasm.min.mjs`);
  ort.env.wasm.wasmPaths = VENDOR;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false; // we already are in a worker
  const memories = watchSharedMemories();
  let session;
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: [backend],
      graphOptimizationLevel: 'all',
    });
  } finally {
    memories.stop();
  }
  const [inputName] = session.inputNames;
  const [outputName] = session.outputNames;
  const shape = [1, 3, MODEL_SIZE, MODEL_SIZE];

  return {
    backend,
    threads,
    label: backend === 'webgpu' ? 'WebGPU' : `WASM ×${threads}`,
    /** Bytes of onnxruntime's WebAssembly memory now (it never shrinks: this is its peak). */
    memoryBytes: () => Math.max(0, ...memories.list.map((memory) => memory.buffer.byteLength)),
    /** (1,3,320,320) float32 in → (1,1,320,320) float32 raw prediction out. */
    async run(tensor) {
      const input = new ort.Tensor('float32', tensor, shape);
      const outputs = await session.run({ [inputName]: input }, [outputName]);
      const output = outputs[outputName];
      try {
        return /** @type {Float32Array} */ (await output.getData());
      } finally {
        output.dispose();
      }
    },
  };
}

/**
 * Measurement only: onnxruntime-web keeps its WebAssembly.Memory to itself, so note every
 * shared memory made until stop() (its threaded build makes one when the session starts;
 * Pyodide's, made meanwhile in the same worker, is not shared).
 * @returns {{list: WebAssembly.Memory[], stop: () => void}}
 */
function watchSharedMemories() {
  const list = [];
  const PlainMemory = WebAssembly.Memory;
  WebAssembly.Memory = new Proxy(PlainMemory, {
    construct(target, args, newTarget) {
      const memory = Reflect.construct(target, args, newTarget);
      if (args[0]?.shared) list.push(memory);
      return memory;
    },
  });
  return { list, stop: () => (WebAssembly.Memory = PlainMemory) };
}
