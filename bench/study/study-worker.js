// Measures onnxruntime-web (WASM build) on u2netp under one configuration, or an encoder.

const now = () => performance.now();
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function fetchBytes(url) {
  return (await fetch(url)).arrayBuffer();
}

/**
 * config: {model, threads, sessionOptions, runs, input, reference, warmup}
 *  - model: URL of the .onnx file; input/reference: URLs of raw float32 files
 *  - sessionOptions: passed to InferenceSession.create as they are (executionProviders default ['wasm'])
 */
async function inference(config) {
  const t0 = now();
  const ort = await import('../vendor/ort/ort.wasm.min.mjs');
  ort.env.wasm.wasmPaths = new URL('../vendor/ort/', import.meta.url).href;
  ort.env.wasm.numThreads = config.threads;
  ort.env.wasm.proxy = false;
  const memories = [];
  const PlainMemory = WebAssembly.Memory;
  WebAssembly.Memory = new Proxy(PlainMemory, {
    construct(target, args) {
      const memory = Reflect.construct(target, args);
      memories.push(memory);
      return memory;
    },
  });
  const [model, input, reference] = await Promise.all(
    [config.model, config.input, config.reference].map(fetchBytes));
  const t1 = now();
  let session;
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: ['wasm'],
      ...config.sessionOptions,
    });
  } finally {
    WebAssembly.Memory = PlainMemory;
  }
  const createMs = now() - t1;
  const [inputName] = session.inputNames;
  const [outputName] = session.outputNames;
  const tensor = new Float32Array(input);
  const run = async () => {
    const start = now();
    const feeds = { [inputName]: new ort.Tensor('float32', tensor, [1, 3, 320, 320]) };
    const outputs = await session.run(feeds, [outputName]);
    const data = await outputs[outputName].getData();
    outputs[outputName].dispose();
    return { ms: now() - start, data };
  };
  const first = await run();
  const times = [];
  let last = first;
  for (let i = 0; i < config.runs; i++) {
    // An idle gap like the app's (Python works between runs), so spinning threads stop spinning.
    if (config.gapMs) await new Promise((r) => setTimeout(r, config.gapMs));
    last = await run();
    times.push(last.ms);
  }
  const expected = new Float32Array(reference);
  let maxDiff = 0;
  for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(last.data[i] - expected[i]));
  const memoryBytes = Math.max(0, ...memories.filter((m) => m.buffer.byteLength > 65536 * 2)
    .map((m) => m.buffer.byteLength));
  await session.release();
  return {
    loadMs: Math.round(t1 - t0),
    createMs: Math.round(createMs),
    firstMs: Math.round(first.ms),
    medianMs: Math.round(median(times)),
    minMs: Math.round(Math.min(...times)),
    maxMs: Math.round(Math.max(...times)),
    times: times.map(Math.round),
    maxDiff,
    memoryBytes,
  };
}

/** Encode a 12 MP RGBA image (made from a decoded JPEG) as PNG in several ways. */
async function encode(config) {
  const blob = new Blob([await fetchBytes(config.image)]);
  const bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none' });
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  const imageData = context.getImageData(0, 0, width, height);
  // A soft alpha like a cut-out: opaque in the middle, a ramp, transparent outside.
  const { data } = imageData;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r = Math.hypot((x - width / 2) / width, (y - height / 2) / height);
      data[(y * width + x) * 4 + 3] = Math.max(0, Math.min(255, Math.round((0.4 - r) * 2550)));
    }
  }
  const results = {};
  const time = async (name, work) => {
    const samples = [];
    let size = 0;
    for (let i = 0; i < config.runs; i++) {
      const start = now();
      const out = await work();
      samples.push(now() - start);
      size = out.size;
    }
    results[name] = { medianMs: Math.round(median(samples)), bytes: size };
  };
  await time('putImageData+convertToBlob png', async () => {
    context.putImageData(imageData, 0, 0);
    return canvas.convertToBlob({ type: 'image/png' });
  });
  const fresh = new OffscreenCanvas(width, height);
  const freshContext = fresh.getContext('2d');
  await time('putImageData+convertToBlob png (fresh canvas, no willReadFrequently)', async () => {
    freshContext.putImageData(imageData, 0, 0);
    return fresh.convertToBlob({ type: 'image/png' });
  });
  await time('createImageBitmap(ImageData)+bitmaprenderer+convertToBlob png', async () => {
    const bmp = await createImageBitmap(imageData, { premultiplyAlpha: 'none' });
    const target = new OffscreenCanvas(width, height);
    target.getContext('bitmaprenderer').transferFromImageBitmap(bmp);
    return target.convertToBlob({ type: 'image/png' });
  });
  await time('convertToBlob webp q0.9', async () => {
    context.putImageData(imageData, 0, 0);
    return canvas.convertToBlob({ type: 'image/webp', quality: 0.9 });
  });
  await time('JS PNG: filter none + CompressionStream deflate', () => encodePngJs(data, width, height));
  return results;
}

/** A minimal PNG writer (RGBA 8-bit, filter 0 per row) with the browser's deflate. */
async function encodePngJs(rgba, width, height) {
  const stride = width * 4 + 1;
  const raw = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * stride + 1);
  const zlib = await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer();
  const chunk = (type, body) => {
    const out = new Uint8Array(12 + body.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, body.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(body, 8);
    view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
    return out;
  };
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8);
  const signature = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
  return new Blob([signature, chunk('IHDR', header), chunk('IDAT', new Uint8Array(zlib)), chunk('IEND', new Uint8Array())],
    { type: 'image/png' });
}

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

self.onmessage = async ({ data: config }) => {
  try {
    self.postMessage(config.task === 'encode' ? await encode(config) : await inference(config));
  } catch (error) {
    self.postMessage({ error: String(error?.message ?? error) });
  }
};
