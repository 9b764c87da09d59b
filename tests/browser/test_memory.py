"""Long batches keep the worker's memory bounded: WASM heaps do not grow image after image."""

#: 15 photo-like 12 MP JPEGs made in the page, cut out one after the other by one engine.
BATCH = """async (count) => {
  const { createRemover } = await import('./js/page/peel.js');
  const remover = await createRemover({ backend: 'wasm', measureMemory: true });
  const heaps = [];
  for (let i = 0; i < count; i++) {
    const canvas = new OffscreenCanvas(4000, 3000);
    const context = canvas.getContext('2d');
    const sky = context.createLinearGradient(0, 0, 4000, 3000);
    sky.addColorStop(0, `hsl(${i * 24}, 60%, 80%)`);
    sky.addColorStop(1, '#334');
    context.fillStyle = sky;
    context.fillRect(0, 0, 4000, 3000);
    context.fillStyle = `hsl(${i * 24 + 180}, 70%, 40%)`;
    context.beginPath();
    context.ellipse(2000, 1700, 900 + i * 20, 1200, 0, 0, 2 * Math.PI);
    context.fill();
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
    const { width, height, memory } = await remover.remove(blob);
    if (width !== 4000 || height !== 3000) throw new Error(`size ${width}x${height}`);
    heaps.push(memory);
  }
  remover.close();
  return heaps;
}"""


def test_wasm_heaps_stay_flat_over_15_images_of_12_mp(app):
    heaps = app.evaluate(BATCH, 15)
    python = [h["python"] for h in heaps]
    onnxruntime = [h["onnxruntime"] for h in heaps]
    mb = lambda values: [round(v / 2**20) for v in values]  # noqa: E731
    print(f"\nPyodide heap MB per image: {mb(python)}\nonnxruntime heap MB per image: {mb(onnxruntime)}")
    # After the first image the heaps hold what a 12 MP job needs; later images reuse it.
    assert python[-1] - python[0] <= 64 * 2**20, mb(python)
    assert onnxruntime[-1] - onnxruntime[0] <= 16 * 2**20, mb(onnxruntime)
