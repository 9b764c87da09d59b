"""Peel in headless Chromium: cold start and per-stage times per image, printed and saved as JSON.

    python3 build.py bench [--runs 5] [--threads 1 2]

Run through build.py, which builds dist/ and passes the Chromium path. Numbers, not assertions:
the machine is described in the output. Images are made here from the fixtures (1 MP, 12 MP
JPEG) so nothing is downloaded.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py")]

from buildtools.paths import DIST, SERVED_MODEL  # noqa: E402
from buildtools.server import make_server  # noqa: E402
from tests.browser.helpers import CHROMIUM_ARGS, READY_TIMEOUT_MS, RESULT_TIMEOUT_MS  # noqa: E402

STAGES = ("decode", "prepare", "inference", "postprocess", "encode", "total")


def make_images(folder: Path) -> dict[str, Path]:
    """The two fixtures as they are, and the astronaut as 1 MP and 12 MP JPEGs (quality 90)."""
    images = {name: ROOT / "tests" / "fixtures" / f"{name}.png" for name in ("astronaut", "coffee")}
    with Image.open(images["astronaut"]) as astronaut:
        for label, size in (("1MP", (1155, 866)), ("12MP", (4000, 3000))):
            path = folder / f"astronaut-{label}.jpg"
            astronaut.convert("RGB").resize(size, Image.Resampling.BICUBIC).save(path, quality=90)
            images[f"astronaut-{label}"] = path
    return images


def cold_start(browser, url: str) -> dict:
    """A fresh context (empty cache) from navigation to data-ready."""
    context = browser.new_context()
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    status = page.locator("[data-testid=app-status]")
    expect(status).to_have_attribute("data-ready", "true", timeout=READY_TIMEOUT_MS)
    wall = (time.perf_counter() - started) * 1000
    context.close()
    return {"wall_ms": round(wall)}


def time_images(browser, url: str, images: dict[str, Path], runs: int) -> dict:
    """Median stage times per image over `runs` warm runs (one untimed warm-up run first)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    expect(page.locator("[data-testid=app-status]")).to_have_attribute("data-ready", "true", timeout=READY_TIMEOUT_MS)
    backend = page.locator("[data-testid=app-status]").inner_text()
    page.set_input_files("#file-input", str(images["coffee"]))  # warm-up
    expect(page.locator("[data-testid=result][data-state=done]")).to_have_count(1, timeout=RESULT_TIMEOUT_MS)
    results = {}
    for name, path in images.items():
        samples = []
        for _ in range(runs):
            done = page.locator("[data-testid=result][data-state=done]").count()
            page.set_input_files("#file-input", str(path))
            expect(page.locator("[data-testid=result][data-state=done]")).to_have_count(done + 1, timeout=RESULT_TIMEOUT_MS)
            samples.append(json.loads(page.locator("[data-testid=result]").last.get_attribute("data-timings")))
        results[name] = {stage: statistics.median(s[stage] for s in samples) for stage in STAGES}
    context.close()
    return {"status": backend, "images": results}


def time_cpython(images: dict[str, Path], runs: int) -> dict:
    """Peel's own CPython pipeline (native onnxruntime, 1 thread), decode to PNG bytes."""
    import peel
    from peel.native import OnnxInference

    infer = OnnxInference(SERVED_MODEL, threads=1)
    results = {}
    for name, path in images.items():
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            with Image.open(path) as image:
                rgb = np.asarray(image.convert("RGB"))
            rgba = peel.remove_background(rgb, infer)
            Image.fromarray(rgba, "RGBA").save(io.BytesIO(), "PNG", compress_level=1)
            samples.append((time.perf_counter() - started) * 1000)
        results[name] = round(statistics.median(samples))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--cold-starts", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "browser.json")
    args = parser.parse_args()

    server = make_server(DIST, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    report = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        images = make_images(Path(tmp))
        browser = playwright.chromium.launch(executable_path=os.environ.get("PEEL_CHROMIUM", "/usr/bin/chromium"),
                                             args=CHROMIUM_ARGS)
        report["chromium"] = browser.version
        report["cold_start"] = [cold_start(browser, f"{base}?backend=wasm") for _ in range(args.cold_starts)]
        report["browser"] = {
            f"wasm-{threads}": time_images(browser, f"{base}?backend=wasm&threads={threads}", images, args.runs)
            for threads in args.threads
        }
        report["cpython_ms"] = time_cpython(images, args.runs)
        browser.close()
    server.shutdown()

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print_table(report)
    print(f"\nsaved {args.out.relative_to(ROOT)}")


def print_table(report: dict) -> None:
    print(f"Chromium {report['chromium']}, {report['machine']['cpus']} CPUs, {report['machine']['platform']}")
    colds = [c["wall_ms"] for c in report["cold_start"]]
    print(f"cold start to ready (empty cache): median {statistics.median(colds):.0f} ms  (runs: {colds})")
    header = f"{'image':<18}{'backend':<9}" + "".join(f"{s:>12}" for s in STAGES) + f"{'CPython':>10}"
    print(header)
    for backend, run in report["browser"].items():
        for name, stages in run["images"].items():
            row = f"{name:<18}{backend:<9}" + "".join(f"{stages[s]:>10.0f}ms" for s in STAGES)
            print(row + f"{report['cpython_ms'][name]:>8}ms")


if __name__ == "__main__":
    main()
