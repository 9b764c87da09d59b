"""How fast is u2netp in onnxruntime-web (WASM) under each session option and model variant?

    .venv/bin/python bench/ort_study.py [--runs 10] [--only NAME ...] [--encode]

A study, not part of `build.py bench`: it runs each configuration in a fresh worker of a
scratch page (bench/study/) served next to a copy of dist/'s onnxruntime files, on one fixed
input tensor (the astronaut fixture as Peel prepares it), and prints first-run and steady-state
medians, session creation time, onnxruntime's WASM memory, and the largest difference of the
output from native onnxruntime on the upstream model. Models pre-optimised offline by native
onnxruntime (`optimized_model_filepath`) are made here too. Results: bench/results/ort-study.json.
Needs dist/ (`python3 build.py build`) and Chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py"), str(ROOT / "bench")]

from buildtools.paths import DIST, SERVED_MODEL, upstream_model  # noqa: E402
from buildtools.server import make_server  # noqa: E402
from peel.preprocess import prepare_input  # noqa: E402
from tests.browser.helpers import CHROMIUM_ARGS  # noqa: E402

import load as bench_load  # noqa: E402
from load import ForeignLoad, wait_quiet  # noqa: E402  (bench/load.py)

OUTPUT = "1959"
#: A configuration measured while other processes used this many cores is measured again.
BUSY_CORES = 0.1
LEVELS = {"basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
          "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
          "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL}


def configurations(threads_all: int) -> list[tuple[str, dict]]:
    """(name, config) pairs; config keys go to study-worker.js. The app's own setting is first."""
    app = {"model": "derived", "threads": threads_all, "sessionOptions": {"graphOptimizationLevel": "all"}}

    def variant(**changes):
        options = {**app["sessionOptions"], **changes.pop("sessionOptions", {})}
        return {**app, **changes, "sessionOptions": options}

    spin_off = {"extra": {"session": {"intra_op": {"allow_spinning": "0"}}}}
    return [
        ("app (derived, all, 2 thr)", app),
        ("threads 1", variant(threads=1)),
        ("threads 3", variant(threads=3)),
        ("threads 4", variant(threads=4)),
        ("level disabled", variant(sessionOptions={"graphOptimizationLevel": "disabled"})),
        ("level basic", variant(sessionOptions={"graphOptimizationLevel": "basic"})),
        ("level extended", variant(sessionOptions={"graphOptimizationLevel": "extended"})),
        ("level layout", variant(sessionOptions={"graphOptimizationLevel": "layout"})),
        ("cpu mem arena on", variant(sessionOptions={"enableCpuMemArena": True})),
        ("mem pattern on", variant(sessionOptions={"enableMemPattern": True})),
        ("arena + mem pattern on", variant(sessionOptions={"enableCpuMemArena": True, "enableMemPattern": True})),
        ("executionMode parallel", variant(sessionOptions={"executionMode": "parallel"})),
        ("allow_spinning 0", variant(sessionOptions=spin_off)),
        ("allow_spinning 0, 150 ms gaps", variant(sessionOptions=spin_off, gapMs=150)),
        ("app, 150 ms gaps", variant(gapMs=150)),
        ("denormal as zero", variant(sessionOptions={"extra": {"session": {"set_denormal_as_zero": "1"}}})),
        ("model upstream", variant(model="upstream")),
        ("model offline basic", variant(model="offline-basic")),
        ("model offline extended", variant(model="offline-extended")),
        ("model offline extended, level disabled",
         variant(model="offline-extended", sessionOptions={"graphOptimizationLevel": "disabled"})),
        ("model offline all (NCHWc)", variant(model="offline-all")),
        ("model int8 (dynamic quantisation)", variant(model="int8-dynamic")),
        ("xnnpack EP", variant(sessionOptions={"executionProviders": ["xnnpack", "wasm"]})),
        ("threads 1, arena + mem pattern",
         variant(threads=1, sessionOptions={"enableCpuMemArena": True, "enableMemPattern": True})),
        ("threads 1, model upstream", variant(threads=1, model="upstream")),
    ]


def prepare_folder(folder: Path) -> dict:
    """Copy the onnxruntime files and the study page; write models, input and reference."""
    shutil.copytree(DIST / "vendor" / "ort", folder / "vendor" / "ort")  # immune to a rebuild
    shutil.copytree(ROOT / "bench" / "study", folder / "study")
    models = folder / "models"
    models.mkdir()
    shutil.copyfile(upstream_model(), models / "upstream.onnx")
    shutil.copyfile(SERVED_MODEL, models / "derived.onnx")
    for name, level in LEVELS.items():
        options = ort.SessionOptions()
        options.graph_optimization_level = level
        options.optimized_model_filepath = str(models / f"offline-{name}.onnx")
        ort.InferenceSession(str(models / "derived.onnx"), options, providers=["CPUExecutionProvider"])

    try:  # int8 weights and activations: faster kernels, different numbers (see max diff)
        from onnxruntime.quantization import QuantType, quantize_dynamic
        quantize_dynamic(str(models / "derived.onnx"), str(models / "int8-dynamic.onnx"),
                         weight_type=QuantType.QUInt8)
    except Exception as error:  # noqa: BLE001 (a study: report and go on)
        print(f"no int8 model: {error}")

    with Image.open(ROOT / "tests" / "fixtures" / "astronaut.png") as image:
        rgba = np.asarray(image.convert("RGBA"))
    tensor = np.ascontiguousarray(prepare_input(rgba), dtype=np.float32)
    tensor.tofile(folder / "input.bin")
    upstream = ort.InferenceSession(str(models / "upstream.onnx"), providers=["CPUExecutionProvider"])
    reference = upstream.run([OUTPUT], {upstream.get_inputs()[0].name: tensor})[0]
    reference.astype(np.float32).tofile(folder / "reference.bin")

    native = {}
    wait_quiet()
    for name in ("upstream", "derived", "offline-extended"):
        for threads in (1, 2):
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            session = ort.InferenceSession(str(models / f"{name}.onnx"), options, providers=["CPUExecutionProvider"])
            feed = {session.get_inputs()[0].name: tensor}
            session.run(None, feed)
            samples = []
            for _ in range(10):
                t0 = time.perf_counter()
                session.run([session.get_outputs()[0].name], feed)
                samples.append((time.perf_counter() - t0) * 1000)
            native[f"{name}, {threads} thr"] = round(float(np.median(samples)), 1)
    return {"native_ms": native,
            "model_bytes": {p.stem: p.stat().st_size for p in sorted(models.glob("*.onnx"))}}


def make_encode_image(folder: Path) -> None:
    with Image.open(ROOT / "tests" / "fixtures" / "astronaut.png") as image:
        big = image.convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
    big.save(folder / "study" / "12mp.jpg", quality=90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="steady-state runs after the first")
    parser.add_argument("--rounds", type=int, default=2, help="passes over all configurations")
    parser.add_argument("--only", nargs="*", help="run only configurations whose name contains one of these")
    parser.add_argument("--encode", action="store_true", help="also compare PNG encoders at 12 MP")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ort-study.json")
    bench_load.add_arguments(parser)
    args = parser.parse_args()
    bench_load.configure(args)
    threads_all = os.cpu_count() or 1

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        folder = Path(tmp)
        report = {"date": time.strftime("%Y-%m-%d %H:%M"), "cpus": threads_all, **prepare_folder(folder)}
        if args.encode:
            make_encode_image(folder)
        server = make_server(folder, 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        browser = playwright.chromium.launch(executable_path=os.environ.get("PEEL_CHROMIUM", "/usr/bin/chromium"),
                                             args=CHROMIUM_ARGS)
        report["chromium"] = browser.version
        page = browser.new_page()
        page.on("console", lambda message: message.type == "error" and print("console:", message.text))
        page.goto(f"{base}study/index.html")
        page.wait_for_function("window.studyReady === true")
        print(f"Chromium {browser.version}, {threads_all} CPUs; native onnxruntime: {report['native_ms']}")
        print(f"{'configuration':<42}{'create':>8}{'first':>8}{'median':>8}{'min':>7}{'max':>7}"
              f"{'WASM MB':>9}{'max diff':>10}{'load':>6}")
        chosen = [(name, config) for name, config in configurations(threads_all)
                  if not args.only or any(word in name for word in args.only)]
        rounds: dict[str, list[dict]] = {name: [] for name, _ in chosen}
        for round_number in range(args.rounds):  # rounds interleave configurations: drift hits all
            for name, config in chosen:
                config = {**config, "model": f"{base}models/{config['model']}.onnx", "runs": args.runs,
                          "input": f"{base}input.bin", "reference": f"{base}reference.bin"}
                for _attempt in range(3):
                    wait_quiet(BUSY_CORES, log=lambda message: print(message, flush=True))
                    bench_load.boost()
                    with ForeignLoad() as load:
                        result = page.evaluate("(config) => window.study(config)", config)
                    if load.cores < BUSY_CORES:
                        break
                result["foreignCores"] = load.cores
                rounds[name].append({"config": config, **result})
                if "error" in result:
                    print(f"{name:<42}  failed: {result['error'][:150]}", flush=True)
                    continue
                print(f"{name:<42}{result['createMs']:>6}ms{result['firstMs']:>6}ms{result['medianMs']:>6}ms"
                      f"{result['minMs']:>5}ms{result['maxMs']:>5}ms{result['memoryBytes'] / 2**20:>9.0f}"
                      f"{result['maxDiff']:>10.1e}{load.cores:>6.2f}", flush=True)
        report["configurations"] = rounds
        print(f"\nSummary: median over the quiet rounds (other processes < {BUSY_CORES} cores), "
              "else over all; 'quiet' = quiet rounds / rounds")
        print(f"{'configuration':<42}{'create':>8}{'first':>8}{'steady':>8}{'vs app':>8}{'quiet':>7}")
        summary = {}
        for name, results in rounds.items():
            ok = [r for r in results if "error" not in r]
            if not ok:
                summary[name] = {"error": results[0]["error"]}
                continue
            quiet = [r for r in ok if r["foreignCores"] < BUSY_CORES]
            summary[name] = {key: statistics.median(r[key] for r in quiet or ok)
                             for key in ("createMs", "firstMs", "medianMs")}
            summary[name]["quiet"] = f"{len(quiet)}/{len(ok)}"
        app_ms = summary[chosen[0][0]].get("medianMs")
        for name, row in summary.items():
            if "error" in row:
                print(f"{name:<42}  failed to load: {row['error'][:100]}")
                continue
            ratio = f"{row['medianMs'] / app_ms:>7.2f}x" if app_ms else ""
            print(f"{name:<42}{row['createMs']:>6.0f}ms{row['firstMs']:>6.0f}ms{row['medianMs']:>6.0f}ms{ratio}"
                  f"{row['quiet']:>7}")
        report["summary"] = summary
        if args.encode:
            wait_quiet()
            result = page.evaluate("(config) => window.encodeStudy(config)",
                                   {"image": f"{base}study/12mp.jpg", "runs": 5})
            report["encode_12mp"] = result
            print("\nPNG encode of a 12 MP RGBA image (median of 5):")
            for name, value in result.items():
                print(f"  {name:<70}{value}" if isinstance(value, dict) else f"  {name}: {value}")
        browser.close()
        server.shutdown()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"saved {args.out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
