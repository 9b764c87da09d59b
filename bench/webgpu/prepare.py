"""Lay out a WebGPU check of the served model for a machine with a real GPU but no browser.

    .venv/bin/python bench/webgpu/prepare.py OUT_DIR

writes into OUT_DIR: onnxruntime-web's own WebGPU build and its wasm (from dist/), the served
model, the astronaut fixture's input tensor and native onnxruntime's output for it, and
`run.mjs`. On the GPU machine, with Deno (npm `@deno/linux-x64-glibc`, a 42 MB binary that
has WebGPU on Vulkan; Debian's chromium does not fit a 64 MiB transfer):

    XDG_RUNTIME_DIR=/tmp deno run -A OUT_DIR/run.mjs 50 webgpu,wasm

prints each backend's session time, first run, median and the max |difference| from native
onnxruntime. On this project's CPU machine (llvmpipe adapter) the difference was 4e-5.
Numbers only, no assertions: this is a bench, not a test.
"""

import shutil
import sys
from pathlib import Path

import numpy as np
import onnxruntime
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "py"))
from peel.preprocess import prepare_input  # noqa: E402

ORT_FILES = ("ort.webgpu.min.mjs", "ort-wasm-simd-threaded.asyncify.mjs", "ort-wasm-simd-threaded.asyncify.wasm")
MODEL = ROOT / "dist" / "models" / "u2netp-320.onnx"


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in ORT_FILES:
        shutil.copyfile(ROOT / "dist" / "vendor" / "ort" / name, out / name)
    shutil.copyfile(MODEL, out / MODEL.name)
    shutil.copyfile(Path(__file__).with_name("run.mjs"), out / "run.mjs")
    rgba = np.asarray(Image.open(ROOT / "tests" / "fixtures" / "astronaut.png").convert("RGBA"))
    tensor = prepare_input(rgba).astype(np.float32)
    session = onnxruntime.InferenceSession(str(MODEL), providers=["CPUExecutionProvider"])
    native = session.run(None, {session.get_inputs()[0].name: tensor})[0].astype(np.float32)
    tensor.tofile(out / "input.f32")
    native.tofile(out / "native.f32")
    print(f"laid out in {out}; run: XDG_RUNTIME_DIR=/tmp deno run -A {out}/run.mjs 50 webgpu,wasm")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
