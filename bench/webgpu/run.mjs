// WebGPU check of the served model with onnxruntime-web's own WebGPU build, in Deno (see prepare.py).
import * as ort from "./ort.webgpu.min.mjs";
const dir = new URL(".", import.meta.url);
ort.env.wasm.wasmPaths = dir.href;
ort.env.wasm.numThreads = 1;
const adapter = await navigator.gpu?.requestAdapter({ powerPreference: "high-performance" });
console.log("adapter:", adapter ? JSON.stringify({ ...adapter.info, vendor: adapter.info?.vendor, architecture: adapter.info?.architecture, device: adapter.info?.device, description: adapter.info?.description }) : "none");
const model = await Deno.readFile(new URL("u2netp-320.onnx", dir));
const input = new Float32Array((await Deno.readFile(new URL("input.f32", dir))).buffer);
const reference = new Float32Array((await Deno.readFile(new URL("native.f32", dir))).buffer);
const runs = Number(Deno.args[0] ?? 20);
const out = {};
for (const ep of (Deno.args[1] ?? "webgpu,wasm").split(",")) {
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(model, { executionProviders: [ep], graphOptimizationLevel: "all" });
  const created = performance.now() - t0;
  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", input, [1, 3, 320, 320]) };
  const times = [];
  let data;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const result = await session.run(feeds);
    const tensor = result[session.outputNames[0]];
    data = ep === "webgpu" && tensor.location === "gpu-buffer" ? await tensor.getData() : tensor.data;
    times.push(performance.now() - t);
  }
  let maxDiff = 0;
  for (let i = 0; i < data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(data[i] - reference[i]));
  const sorted = [...times].sort((a, b) => a - b);
  out[ep] = { session_ms: Math.round(created), first_run_ms: Math.round(times[0]), median_ms: +sorted[sorted.length >> 1].toFixed(1), min_ms: +sorted[0].toFixed(1), runs, max_abs_diff_vs_native: maxDiff };
  console.log(ep, JSON.stringify(out[ep]));
}
console.log("RESULT", JSON.stringify(out));
