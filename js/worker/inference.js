// The onnxruntime-web bridge: picks a backend, owns the session, runs the model.
// Only one onnxruntime build is loaded: the 14 MB CPU build, or the 27 MB WebGPU one when
// WebGPU will be used.

import { MODEL_SIZE } from '../shared/contract.js';
import { DEFAULT_MODEL } from '../shared/protocol.js';

const VENDOR = new URL('../../vendor/ort/', import.meta.url).href;

/**
 * Whether this browser exposes a real GPU through WebGPU. Software adapters (SwiftShader,
 * "fallback") are slower than our WASM build, so they never count.
 * @returns {Promise<boolean>}
 */
export async function hasRealGpu() {
  if (!('gpu' in navigator)) return false;
  try {
    // An adapter request that never settles (seen in engines with half-done WebGPU) means no GPU.
    const noAnswer = new Promise((resolve) => setTimeout(resolve, 5000, null));
    const adapter = await Promise.race([navigator.gpu.requestAdapter(), noAnswer]);
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
 * @param {number} options.threads  WASM threads asked for (also used by the WebGPU build for CPU ops)
 * @param {ArrayBuffer|Promise<ArrayBuffer>} options.model  the default model as served (may still
 *   be downloading while onnxruntime's module loads)
 * @param {number} [options.instance]  > 0: a separate copy of onnxruntime (its own WASM module),
 *   for a second try after a first one got stuck: a module that failed to start cannot retry
 * @param {boolean} [options.measureMemory]  watch for onnxruntime's WebAssembly memory (bench only)
 * @param {(stage: string) => (value: any) => any} [options.onStage]  notes when a stage ends
 * @returns {Promise<{label: string, backend: 'wasm'|'webgpu', threads: number,
 *                    memoryBytes: () => number, has: (name: string) => boolean,
 *                    labelOf: (name: string) => string,
 *                    load: (name: string, model: ArrayBuffer|Uint8Array, options?: {cpuOnly?: boolean, replace?: boolean}) => Promise<void>,
 *                    release: (name: string) => Promise<void>,
 *                    run: (tensor: Float32Array, dims?: number[], name?: string) => Promise<Float32Array>}>}
 */
export async function createInference({ backend, threads, model, instance = 0, measureMemory = false,
  onStage = () => (value) => value }) {
  const build = backend === 'webgpu' ? 'ort.webgpu.min.mjs' : 'ort.wasm.min.mjs';
  const ort = await import(`${VENDOR}${build}${instance ? `?instance=${instance}` : ''}`).then(onStage('ortImport'));
  ort.env.wasm.wasmPaths = VENDOR;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false; // we already are in a worker
  const open = (bytes, provider = backend) => ort.InferenceSession.create(bytes, {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
  });
  /** @type {Map<string, any>} one session per model, made when first needed */
  const sessions = new Map();
  const memories = measureMemory ? watchSharedMemories() : { list: [], stop() {} };
  const workers = holdNestedWorkers(); // the thread pool starts with the first session
  try {
    sessions.set(DEFAULT_MODEL, await open(await model));
  } finally {
    memories.stop();
    workers.stop();
  }
  // onnxruntime sets numThreads to 1 when it cannot share memory with workers: the real count.
  const running = ort.env.wasm.numThreads;
  const cpuLabel = `WASM ×${running}`;
  /** @type {Map<string, string>} model -> what runs it, for people ('WebGPU', 'WASM ×2') */
  const labels = new Map([[DEFAULT_MODEL, backend === 'webgpu' ? 'WebGPU' : cpuLabel]]);

  return {
    backend,
    threads: running,
    label: labels.get(DEFAULT_MODEL),
    labelOf: (name) => labels.get(name) ?? labels.get(DEFAULT_MODEL),
    /** onnxruntime's thread-pool workers: referenced here for as long as the sessions live. */
    workers: workers.list,
    /** Bytes of onnxruntime's WebAssembly memory now (it never shrinks: this is its peak); 0 unmeasured. */
    memoryBytes: () => Math.max(0, ...memories.list.map((memory) => memory.buffer.byteLength)),
    has: (name) => sessions.has(name),
    /**
     * Add a model's session (the same onnxruntime instance and memory).
     * @param {{cpuOnly?: boolean, replace?: boolean}} [options]  cpuOnly: the WASM (CPU) provider
     *   even in the WebGPU build; replace: make it anew when `name` has one (a person's file
     *   kept under that name may be another file now), releasing the old one
     */
    async load(name, bytes, { cpuOnly = false, replace = false } = {}) {
      if (sessions.has(name) && !replace) return;
      const provider = cpuOnly ? 'wasm' : backend;
      const session = await open(bytes, provider);
      await sessions.get(name)?.release();
      sessions.set(name, session);
      labels.set(name, provider === 'webgpu' ? 'WebGPU' : cpuLabel);
    },
    /** Let go of a model's session (a person's file that was removed); never the default's. */
    async release(name) {
      if (name === DEFAULT_MODEL) return;
      await sessions.get(name)?.release();
      sessions.delete(name);
      labels.delete(name);
    },
    /** (1,3,h,w) float32 in → (1,1,h,w) float32 raw output of model `name` out. */
    async run(tensor, dims = [1, 3, MODEL_SIZE, MODEL_SIZE], name = DEFAULT_MODEL) {
      const session = sessions.get(name);
      if (!session) throw new Error(`the ${name} model is not loaded`);
      const input = new ort.Tensor('float32', tensor, dims);
      const [inputName] = session.inputNames;
      const [outputName] = session.outputNames;
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

/**
 * Keep a reference to every Worker made until stop(): onnxruntime's thread pool.
 *
 * Emscripten keeps its pool workers in a list that, while the session is being created, only
 * pending promises reach. Firefox then may collect such a nested Worker object under load, and
 * the `loaded` message its thread posts is never delivered: InferenceSession.create() never
 * settles: without this hold, some fresh Firefox start-ups hung; with it, none did
 * (bench/README.md, "Figures behind choices in the code").
 * @returns {{list: Worker[], stop: () => void}}
 */
function holdNestedWorkers() {
  const list = [];
  const PlainWorker = self.Worker;
  if (!PlainWorker) return { list, stop: () => {} };
  self.Worker = new Proxy(PlainWorker, {
    construct(target, args, newTarget) {
      const worker = Reflect.construct(target, args, newTarget);
      list.push(worker);
      return worker;
    },
  });
  return { list, stop: () => (self.Worker = PlainWorker) };
}
