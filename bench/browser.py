"""Peel in headless Chromium against native rembg, on this machine, in one run: table + JSON.

    python3 build.py bench [--quick] [--runs 5] [--sizes 1 12 16 24] [--threads 1 2]
                           [--skip-rembg] [--out bench/results/bench.json]
                           [--engine chromium|firefox|webkit]

With --engine firefox or webkit, only the start and images blocks run, in that engine
(bench/engines.py; fresh profiles, the app's default threads).

Run through build.py, which builds dist/ and passes Chromium's path (see bench/README.md).
It measures, in this order, each block after waiting for a quiet machine (bench/load.py):

1. start: per round, a first visit with an empty cache to `data-ready`, in a fresh context; then
   a persistent profile: its first visit, a second visit in a new tab ("warm tab"), and visits
   after restarting the browser on the same profile (HTTP cache, service worker and its caches,
   compiled-code caches kept), with the stages the app reports; with `--baseline DIST` another
   build is measured round by round in the same run, for a ratio that the machine's load spares;
2. per image (JPEGs of 1, 12, 16, 24 MP made here) and per WASM thread count: the stages the
   app reports in each result card's `data-timings`, median of `--runs` runs after one untimed
   run, driving the real UI (`#file-input`); the page's JS heap (CDP) and its renderer's peak RSS;
3. memory: one fresh worker per image through the public JS API (js/page/peel.js), reporting the
   WASM heaps after the job (Pyodide, onnxruntime; they only grow, so these are peaks) and the
   renderer process's peak resident memory (page + worker, from /proc);
4. re-render (the 12 MP image, else the largest; see RERENDER_CHANGES): one control changed on a
   finished image, or one editor stroke added, through the public API: when the page gets the
   new preview ("shown"), when it gets the file, and the worker's stages; for the image the
   worker keeps and for one it has to decode again;
   strokes (the 12 MP image): editor strokes one after another on a finished image, each made
   either by the region render (`renderRegion`: the worker patches its kept output, what the
   editor asks for) or by the full re-render (`render`, the editor's old path), alternating, in
   one page: when the page gets the stroke's preview and its file, and the changed box; the
   first look once more under two busy processes of the bench's own (the target: at most 2×);
5. native: Peel's own CPython pipeline (project .venv), native onnxruntime inference alone on
   the served and the upstream model (1 and all threads), and rembg (bench/.venv, made here);
6. families (bench/families_browser.py): u2netp, MODNet and a person's ISNet file, one fresh
   worker each: first use, per-size stages and the worker's heaps.

Numbers, not assertions. Every block records the CPU that other processes used meanwhile
("load", in cores): on a 2-core machine anything above ~0.1 makes that row unreliable.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import venv
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path[:0] = [str(ROOT), str(ROOT / "py"), str(BENCH)]

from buildtools.paths import DIST, SERVED_MODEL, upstream_model  # noqa: E402
from buildtools.server import PeelRequestHandler  # noqa: E402
import load as bench_load  # noqa: E402
from load import BusyProcesses, ForeignLoad, clean_runs, wait_quiet  # noqa: E402  (bench/load.py)
from families_browser import FAMILY_SCRIPT, measure_families  # noqa: E402  (bench/families_browser.py)
from tests.browser.helpers import CHROMIUM_ARGS, READY_TIMEOUT_MS, RESULT_TIMEOUT_MS  # noqa: E402

#: The blocks of a run, in order (--only picks some).
BLOCKS = ("start", "images", "memory", "rerender", "strokes", "native", "people", "families")
#: Stages in the order the app runs them; a stage the app does not report is left out.
STAGES = ("decode", "prepare", "inference", "postprocess", "encode", "preview", "total")
#: Camera-like sizes: name -> (width, height).
SIZES = {1: (1152, 864), 12: (4000, 3000), 16: (4608, 3456), 24: (6000, 4000)}
#: Sensor-like grain added to the upscaled fixture, so that JPEG and PNG sizes (hence decode and
#: encode times) are those of a photograph rather than of a smooth upscale.
GRAIN_SIGMA = 4.0
REMBG_VENV = BENCH / ".venv"
REMBG_REQUIREMENTS = BENCH / "requirements-rembg.txt"
IMAGES_PATH = "/bench-images/"
BUSY_CORES = 0.1


# --- inputs ----------------------------------------------------------------------------------

def make_images(folder: Path, sizes: list[int]) -> dict[str, Path]:
    """The astronaut fixture upscaled to each size, with seeded grain, as quality-90 JPEGs."""
    images = {}
    with Image.open(ROOT / "tests" / "fixtures" / "astronaut.png") as astronaut:
        rgb = astronaut.convert("RGB")
    rng = np.random.default_rng(6)
    for megapixels in sizes:
        size = SIZES[megapixels]
        big = np.asarray(rgb.resize(size, Image.Resampling.BICUBIC), dtype=np.float32)
        big += rng.normal(0, GRAIN_SIGMA, size=big.shape[:2] + (1,)).astype(np.float32)  # luma grain
        path = folder / f"photo-{megapixels}mp.jpg"
        Image.fromarray(np.clip(big, 0, 255).astype(np.uint8)).save(path, quality=90)
        images[f"{megapixels} MP"] = path
    return images


def serve(images_folder: Path, root: Path = DIST):
    """`root` (dist/) with the production headers, plus the bench's images under /bench-images/."""

    class Handler(PeelRequestHandler):
        def translate_path(self, path):
            if path.startswith(IMAGES_PATH):
                return str(images_folder / Path(path[len(IMAGES_PATH):].split("?")[0]).name)
            return super().translate_path(path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a, **k: Handler(*a, directory=str(root), **k))
    server.daemon_threads = True
    server.verbose = False
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


# --- processes and memory --------------------------------------------------------------------

def renderer_pids() -> set[int]:
    """Chromium renderer processes started by this bench (descendants of this process)."""
    mine, parents = {os.getpid()}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
            except (OSError, ValueError):
                pass
    found = set()
    for pid in parents:
        chain, p = [], pid
        while p in parents and p not in mine and p > 1:
            chain.append(p)
            p = parents[p]
        if p in mine:
            mine.update(chain)
            try:
                cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes()
            except OSError:
                continue
            if b"--type=renderer" in cmdline and b"--top-chrome-webui" not in cmdline:
                found.add(pid)
    return found


def peak_rss(pids: set[int]) -> int:
    """Largest VmHWM (peak resident set) among `pids`, in bytes; 0 where /proc has none."""
    peak = 0
    for pid in pids:
        try:
            for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) * 1024)
        except OSError:
            pass
    return peak


class PageHeap:
    """The page's JS heap through CDP, sampled on demand; keeps the largest sample."""

    def __init__(self, context, page):
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Performance.enable")
        self.peak_used = 0

    def sample(self) -> int:
        metrics = {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}
        used = int(metrics.get("JSHeapUsedSize", 0))
        self.peak_used = max(self.peak_used, used)
        return used


# --- start-up --------------------------------------------------------------------------------

#: Kinds of start, in the order printed: a first visit (fresh context, nothing cached), a new tab
#: in a profile that has the app (service worker, HTTP and code caches warm, browser running),
#: and a visit after restarting the browser on that profile.
START_KINDS = ("first_visit", "warm_tab", "after_restart")
#: Start-up stages the worker reports (`info.timings`: ms since it started when each ended), in
#: the order they usually end; printed on the page's clock (the worker starts at `workerAt`).
START_STAGES = ("backendChosenAt", "ortImportAt", "modelAt", "pyodideAt", "archivesAt", "packagesAt", "sessionAt", "pythonAt")


def wait_ready(page) -> None:
    expect(page.locator("[data-testid=app-status]")).to_have_attribute("data-ready", "true", timeout=READY_TIMEOUT_MS)


def visit(context, url: str) -> dict:
    """Start the app in a new page of `context` (which stays open): ms from navigation to ready by
    the page's own clock (`data-ready-at`, so the polling of the wait does not count), and the
    stages, on the same clock, where the build reports them."""
    page = context.new_page()
    page.goto(url)
    wait_ready(page)
    status = page.locator("[data-testid=app-status]")
    ready = int(status.get_attribute("data-ready-at"))
    timings = json.loads(status.get_attribute("data-timings") or "{}")
    worker_at = timings.get("workerAt")
    stages = {"workerAt": worker_at} if worker_at is not None else {}
    if worker_at is not None:
        stages.update({name: worker_at + timings[name] for name in START_STAGES if name in timings})
    return {"ready_ms": ready, "stages": stages}


def start_round(playwright, browser, launch_args: dict, url: str, restarts: int) -> dict:
    """One first visit in a fresh context, then a real profile on disk: its first visit (which
    fills the caches: it waits until the page says it is available offline), a new tab, and
    `restarts` visits after restarting the browser on that profile."""
    context = browser.new_context()
    visits = {"first_visit": [visit(context, url)], "warm_tab": [], "after_restart": []}
    context.close()
    with tempfile.TemporaryDirectory(prefix="peel-profile-") as profile:
        context = playwright.chromium.launch_persistent_context(profile, **launch_args)
        visit(context, url)
        page = context.pages[-1]
        try:
            expect(page.locator("[data-testid=offline-status]")).to_have_attribute(
                "data-available", "true", timeout=30_000)
        except AssertionError:
            visits["not_offline_ready"] = True
        page.close()
        visits["warm_tab"].append(visit(context, url))
        context.close()
        for number in range(restarts):
            context = playwright.chromium.launch_persistent_context(profile, **launch_args)
            visits["after_restart"].append(visit(context, url) | {"restart": number + 1})
            visits["sw_controlled_after_restart"] = context.pages[-1].evaluate("!!navigator.serviceWorker?.controller")
            context.close()
    return visits


def measure_starts(playwright, browser, launch_args: dict, urls: dict[str, str], rounds: int, restarts: int,
                   log) -> dict:
    """Start-up of each build in `urls` (label -> app URL), interleaved round by round (the order
    alternating), so that builds compared share the machine's load; per build and kind of start:
    every visit, the median to ready and the median of each stage."""
    results = {label: {kind: [] for kind in START_KINDS} | {"load_cores": []} for label in urls}
    for number in range(rounds):
        order = list(urls) if number % 2 == 0 else list(urls)[::-1]
        for label in order:
            wait_quiet(limit_cores=BUSY_CORES, log=log)
            with ForeignLoad() as load:
                visits = start_round(playwright, browser, launch_args, urls[label], restarts)
            for kind in START_KINDS:
                results[label][kind] += visits[kind]
            results[label]["load_cores"].append(load.cores)
            log(f"  round {number + 1} {label}: " + ", ".join(
                f"{kind} {[v['ready_ms'] for v in visits[kind]]}" for kind in START_KINDS) + f" (load {load.cores:.2f})")
    for label, result in results.items():
        result["median_ms"] = {kind: statistics.median(v["ready_ms"] for v in result[kind]) for kind in START_KINDS}
        # The first restart after a first visit may compile what the first visit fetched past the
        # service worker; later ones find it compiled (bench/README.md, "Start-up, third round").
        result["after_restart_median_ms_by_restart"] = {
            number: statistics.median(v["ready_ms"] for v in result["after_restart"] if v["restart"] == number)
            for number in sorted({v["restart"] for v in result["after_restart"]})}
        result["stages_median_ms"] = {
            kind: {stage: statistics.median(v["stages"][stage] for v in result[kind])
                   for stage in ("workerAt", *START_STAGES) if all(stage in v["stages"] for v in result[kind])}
            for kind in START_KINDS}
    return results


# --- per-image stages through the UI ---------------------------------------------------------

def time_images(browser, url: str, images: dict[str, Path], runs: int, log) -> dict:
    """Median stage times per image over `runs` runs, each image after one untimed run."""
    context = browser.new_context()
    before = renderer_pids()
    page = context.new_page()
    page.goto(url)
    wait_ready(page)
    pids = (renderer_pids() - before) or renderer_pids()
    heap = PageHeap(context, page)
    status = page.locator("[data-testid=app-status]").inner_text()
    done = page.locator("[data-testid=result][data-state=done]")

    def process(path: Path) -> dict:
        count = done.count()
        page.set_input_files("#file-input", str(path))
        expect(done).to_have_count(count + 1, timeout=RESULT_TIMEOUT_MS)
        card = page.locator("[data-testid=result]").last
        # Let the page finish showing it (decoding a 24 MP preview takes a core for a while), so
        # one run's display does not slow the next run's work.
        card.locator("img[data-testid=result-image]").evaluate("img => img.decode().catch(() => {})")
        heap.sample()
        return json.loads(card.get_attribute("data-timings"))

    # The first image after ready: what a user who drops a photo at once waits for.
    first_image = process(ROOT / "tests" / "fixtures" / "coffee.png")
    log(f"  first image after ready (coffee 600×400): total {first_image['total']} ms, "
        f"inference {first_image['inference']} ms")
    results = {}
    for name, path in images.items():
        wait_quiet(limit_cores=BUSY_CORES, log=log)
        process(path)  # untimed: first use of this size grows the heaps
        samples, loads = clean_runs(lambda: process(path), runs, BUSY_CORES, log=log)
        results[name] = {
            **{stage: statistics.median(s[stage] for s in samples) for stage in STAGES if stage in samples[0]},
            "samples": samples,
            "load_cores": max(loads),
            "page_js_heap_peak": heap.peak_used,
            "renderer_peak_rss": peak_rss(pids),
        }
        log(f"  {name}: total {results[name]['total']:.0f} ms, inference {results[name]['inference']:.0f} ms"
            f" (load {max(loads):.2f})")
    context.close()
    return {"status": status, "first_image": first_image, "images": results}


def time_images_interleaved(browser, urls: dict[str, str], images: dict[str, Path], runs: int, rounds: int,
                            log) -> tuple[dict, dict]:
    """time_images for two builds taking turns (ABBA...), so that a machine whose load changes
    slows both alike; each image's stages are the medians over every round's samples."""
    collected = {name: [] for name in urls}
    for number in range(rounds):
        order = list(urls) if number % 2 == 0 else list(urls)[::-1]
        for name in order:
            log(f"  round {number + 1}/{rounds}: {name}")
            collected[name].append(time_images(browser, urls[name], images, runs, log))

    def merge(results: list[dict]) -> dict:
        merged = {"status": results[-1]["status"], "first_image": results[-1]["first_image"],
                  "first_images": [r["first_image"] for r in results], "images": {}}
        for image in results[0]["images"]:
            samples = [sample for r in results for sample in r["images"][image]["samples"]]
            merged["images"][image] = {
                **{stage: statistics.median(s[stage] for s in samples) for stage in STAGES if stage in samples[0]},
                "samples": samples,
                "load_cores": max(r["images"][image]["load_cores"] for r in results),
                "renderer_peak_rss": max(r["images"][image]["renderer_peak_rss"] or 0 for r in results),
                "page_js_heap_peak": max(r["images"][image]["page_js_heap_peak"] or 0 for r in results),
            }
        return merged

    this, other = (merge(collected[name]) for name in urls)
    for image in this["images"]:
        a, b = this["images"][image], other["images"][image]
        log(f"  {image}: inference {a['inference']:.0f} vs baseline {b['inference']:.0f} ms, "
            f"total {a['total']:.0f} vs {b['total']:.0f} ms")
    return this, other


# --- memory through the public API -----------------------------------------------------------

MEMORY_SCRIPT = """async ({threads, image}) => {
  const { createRemover } = await import('./js/page/peel.js');
  const remover = await createRemover({ backend: 'wasm', threads, measureMemory: true });
  const boot = remover.info;
  const blob = await (await fetch(image)).blob();
  const { timings, memory, width, height } = await remover.remove(blob);
  remover.close();
  return { boot, timings, memory: memory ?? null, width, height };
}"""


def measure_memory(browser, base: str, images: dict[str, Path], threads: int, log) -> dict:
    """One fresh page (a same-origin document that is not the app) and worker per image."""
    results = {}
    for name, path in images.items():
        wait_quiet(limit_cores=BUSY_CORES, log=log)
        context = browser.new_context()
        before = renderer_pids()
        page = context.new_page()
        page.goto(f"{base}build.json")  # same origin, isolated, and boots nothing by itself
        pids = (renderer_pids() - before) or renderer_pids()
        heap = PageHeap(context, page)
        outcome = page.evaluate(MEMORY_SCRIPT, {"threads": threads, "image": f"{IMAGES_PATH}{path.name}"})
        memory = outcome["memory"] or {}
        results[name] = {
            "python_heap": memory.get("python"),
            "onnxruntime_heap": memory.get("onnxruntime"),
            "renderer_peak_rss": peak_rss(pids),
            "page_js_heap": heap.sample(),
            "timings": outcome["timings"],
        }
        context.close()
        log(f"  {name}: Pyodide heap {_mb(results[name]['python_heap'])}, onnxruntime heap "
            f"{_mb(results[name]['onnxruntime_heap'])}, renderer peak RSS {_mb(results[name]['renderer_peak_rss'])}")
    return results


# --- people mode: MODNet's first use, its time per image and its memory ------------------------

def measure_people(browser, base: str, images: dict[str, Path], threads: int, runs: int, log) -> dict:
    """MODNet on WASM: download + session on first use (from localhost), median stage times per
    image, and the worker's heaps after each size (a fresh worker, one image size after another)."""
    wait_quiet(limit_cores=BUSY_CORES, log=log)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}build.json")  # same origin, isolated, and boots nothing by itself
    with ForeignLoad() as load:
        outcome = page.evaluate(FAMILY_SCRIPT, {"family": "modnet", "threads": threads, "runs": runs,
                                                "images": {n: f"{IMAGES_PATH}{p.name}" for n, p in images.items()}})
    context.close()
    report = {"first_use_ms": outcome["firstUse"], "load_cores": load.cores, "images": {}}
    log(f"  first use (26 MB from localhost + session): {outcome['firstUse']} ms")
    for name, samples in outcome["results"].items():
        report["images"][name] = {
            **{stage: statistics.median(s[stage] for s in samples) for stage in STAGES if stage in samples[0]},
            "memory": samples[-1]["memory"],
            "samples": samples,
        }
        entry = report["images"][name]
        log(f"  {name}: total {entry['total']:.0f} ms, inference {entry['inference']:.0f} ms, Pyodide heap "
            f"{_mb(entry['memory'].get('python'))}, onnxruntime heap {_mb(entry['memory'].get('onnxruntime'))}")
    return report


# --- re-render: a control changed on a finished image ------------------------------------------

#: name -> two settings to alternate between (each run changes the control), from the defaults.
RERENDER_CHANGES = {
    "background colour": ({"background": "color", "background_color": "#ff0000"},
                          {"background": "color", "background_color": "#0000ff"}),
    "format JPEG quality": ({"format": "jpeg", "quality": 0.8}, {"format": "jpeg", "quality": 0.9}),
    "colour clean-up": ({"decontaminate": 0.5}, {"decontaminate": 1.0}),
    "threshold": ({"threshold": "manual", "threshold_low": 0.2, "threshold_high": 0.8},
                  {"threshold": "manual", "threshold_low": 0.1, "threshold_high": 0.9}),
    "feather": ({"feather": 2}, {"feather": 4}),
    "refinement": ({"refine": "guided"}, {"refine": "matte"}),
    # An editor stroke (py/peel/hints.py): each run adds one erase stroke, as a user painting,
    # with "snap to edges" on; a hint change redoes the refinement and every step after it.
    "stroke": ({"stroke": True}, {"stroke": True}),
    "not kept (decoded again)": ({"forget": True}, {"forget": True}),
}

RERENDER_SCRIPT = """async ({threads, image, changes, runs}) => {
  const { createRemover } = await import('./js/page/peel.js');
  const remover = await createRemover({ backend: 'wasm', threads });
  const blob = await (await fetch(image)).blob();
  const { mask, imageId, width, height } = await remover.remove(blob);
  const results = {};
  const strokes = [];
  // A 40-px (at 12 MP) erase stroke across the middle, a little lower each time.
  const newStroke = (n) => {
    const y = height * (0.3 + 0.04 * (n % 10));
    const points = Array.from({ length: 24 }, (_, i) => [width * (0.3 + 0.3 * i / 23), y + 0.01 * height * Math.sin(i)]);
    return { tool: 'erase', radius: Math.max(width, height) / 100, points };
  };
  for (const [name, [first, second]] of Object.entries(changes)) {
    const samples = [];
    for (let run = 0; run <= runs; run++) {  // run 0: untimed, it changes from the previous block
      const { forget, stroke, ...settings } = run % 2 ? first : second;
      if (stroke) strokes.push(newStroke(strokes.length));
      const edits = stroke ? { strokes: [...strokes], snap: true } : undefined;
      const t0 = performance.now();
      let shown;
      const onPreview = () => (shown = Math.round(performance.now() - t0));
      const result = await remover.render(blob, mask, { settings, imageId: forget ? undefined : imageId, onPreview, edits });
      if (run > 0) samples.push({ shown, wall: Math.round(performance.now() - t0), ...result.timings });
    }
    results[name] = samples;
  }
  remover.close();
  return results;
}"""


def evaluate_quietly(browser, base: str, script: str, arguments: dict, log, busy: int = 0):
    """(what `script` returns, the ForeignLoad meanwhile): run once the machine is quiet, in a
    fresh page of the app's origin that boots nothing by itself (the script uses the public API);
    with ``busy``, that many busy processes of our own run meanwhile (bench/load.py)."""
    wait_quiet(limit_cores=BUSY_CORES, log=log)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}build.json")  # same origin, isolated, and boots nothing by itself
    with BusyProcesses(busy), ForeignLoad() as load:
        outcome = page.evaluate(script, arguments)
    context.close()
    return outcome, load


def measure_rerender(browser, base: str, images: dict[str, Path], threads: int, runs: int, log) -> dict:
    """Median times of a control change on a finished image (see RERENDER_CHANGES)."""
    name = "12 MP" if "12 MP" in images else list(images)[-1]
    outcome, load = evaluate_quietly(browser, base, RERENDER_SCRIPT, {
        "threads": threads, "image": f"{IMAGES_PATH}{images[name].name}", "changes": RERENDER_CHANGES, "runs": runs}, log)
    results = {change: {stage: statistics.median(s.get(stage, 0) for s in samples)
                        for stage in ("shown", "wall", "decode", "postprocess", "preview", "encode", "total")}
               for change, samples in outcome.items()}
    for change, row in results.items():
        log(f"  {change}: {row['wall']:.0f} ms")
    return {"image": name, "changes": results, "load_cores": load.cores}


# --- strokes: region render against full re-render --------------------------------------------

#: The looks the strokes block paints on: name -> settings (the editor's default, and an opaque
#: output, whose background is composited in the changed box only).
STROKE_LOOKS = {
    "PNG, transparent": {},
    "JPEG on white": {"format": "jpeg", "background": "color", "background_color": "#ffffff"},
}

STROKES_SCRIPT = """async ({threads, image, strokes, settings}) => {
  const { createRemover } = await import('./js/page/peel.js');
  const remover = await createRemover({ backend: 'wasm', threads });
  const blob = await (await fetch(image)).blob();
  const { mask, maskShape, imageId, width, height } = await remover.remove(blob, { settings });
  const edits = [];
  // Short erase strokes (a tenth of the width, 40 px radius at 12 MP), as a user retouches an
  // edge: each somewhere else on a 5 × 4 grid over the middle of the photo.
  const newStroke = (n) => {
    const x = width * (0.2 + 0.15 * (n % 5)), y = height * (0.2 + 0.2 * (Math.floor(n / 5) % 4));
    const points = Array.from({ length: 12 }, (_, i) => [x + width * 0.1 * i / 11, y + 0.02 * height * Math.sin(i / 2)]);
    return { tool: 'erase', radius: Math.max(width, height) / 100, points };
  };
  const samples = { region: [], full: [] };
  // Stroke 0 is untimed (the first stroke builds the hint map); then the two paths alternate,
  // the order swapped each round, so that both see the same load.
  for (let n = 0; n <= 2 * strokes; n++) {
    const kind = n === 0 ? 'full' : ((n - 1) % 4 === 0 || (n - 1) % 4 === 3) ? 'region' : 'full';
    edits.push(newStroke(n));
    const t0 = performance.now();
    let shown;
    const onPreview = () => (shown = Math.round(performance.now() - t0));
    const call = kind === 'region' ? remover.renderRegion : remover.render;
    const result = await call(blob, mask, { settings, imageId, maskShape, onPreview, edits: { strokes: [...edits], snap: true } });
    const file = Math.round(performance.now() - t0);
    const box = result.box ? result.box.width * result.box.height / (width * height) : 1;
    if (n > 0) samples[kind].push({ shown, file, box, ...result.timings });
  }
  remover.close();
  return samples;
}"""


#: Busy processes the first look is measured under once more (the target: at most 2× the quiet one).
STROKES_BUSY = 2


def measure_strokes(browser, base: str, images: dict[str, Path], threads: int, strokes: int, log) -> dict:
    """A stroke's time to its preview and to its file: region render against full re-render,
    for each of STROKE_LOOKS, and for the first under STROKES_BUSY busy processes."""
    name = "12 MP" if "12 MP" in images else list(images)[-1]
    looks = {}
    runs = [(look, settings, 0) for look, settings in STROKE_LOOKS.items()]
    first = next(iter(STROKE_LOOKS))
    runs.append((f"{first}, {STROKES_BUSY} busy processes", STROKE_LOOKS[first], STROKES_BUSY))
    for look, settings, busy in runs:
        samples, load = evaluate_quietly(browser, base, STROKES_SCRIPT, {
            "threads": threads, "strokes": strokes, "settings": settings,
            "image": f"{IMAGES_PATH}{images[name].name}"}, log, busy=busy)
        paths = {kind: {key: statistics.median(s.get(key, 0) for s in rows)
                        for key in ("shown", "file", "box", "postprocess", "preview", "encode")}
                 for kind, rows in samples.items()}
        for kind, row in paths.items():
            log(f"  {look}, {kind}: preview {row['shown']:.0f} ms, file {row['file']:.0f} ms")
        looks[look] = {"paths": paths, "samples": samples, "load_cores": load.cores, "loadavg": os.getloadavg(),
                       "busy_processes": busy, "quiet_look": first if busy else None}
    return {"image": name, "threads": threads, "strokes": strokes, "looks": looks}


# --- native ----------------------------------------------------------------------------------

def time_cpython(images: dict[str, Path], runs: int, threads: int, log) -> dict:
    """Peel's own pipeline under CPython (project .venv): JPEG file -> PNG bytes (level 1)."""
    import peel
    from peel.desktop.native import OnnxInference

    infer = OnnxInference(SERVED_MODEL, threads=threads)
    inference_ms = []

    def timed_infer(tensor):
        t0 = time.perf_counter()
        try:
            return infer(tensor)
        finally:
            inference_ms.append((time.perf_counter() - t0) * 1000)

    def once(path):
        started = time.perf_counter()
        with Image.open(path) as image:
            rgb = np.asarray(image.convert("RGB"))
        rgba = peel.remove_background(rgb, timed_infer)
        Image.fromarray(rgba, "RGBA").save(io.BytesIO(), "PNG", compress_level=1)
        return (time.perf_counter() - started) * 1000

    results = {}
    for name, path in images.items():
        wait_quiet(limit_cores=BUSY_CORES, log=log)
        once(path)
        inference_ms.clear()

        def measure():
            total = once(path)
            return total, inference_ms[-1]

        samples, loads = clean_runs(measure, runs, BUSY_CORES, log=log)
        results[name] = {"total_ms": round(statistics.median(t for t, _ in samples)),
                         "inference_ms": round(statistics.median(i for _, i in samples)), "load_cores": max(loads)}
        log(f"  CPython {name}: {results[name]['total_ms']} ms")
    return results


def time_native_inference(runs: int, log) -> dict:
    """Native onnxruntime alone on Peel's input tensor: served and upstream model, 1 and all threads."""
    import onnxruntime as ort
    from peel.preprocess import prepare_input

    with Image.open(ROOT / "tests" / "fixtures" / "astronaut.png") as image:
        tensor = np.ascontiguousarray(prepare_input(np.asarray(image.convert("RGBA"))), dtype=np.float32)
    results = {"onnxruntime": ort.__version__}
    for label, model in (("served", SERVED_MODEL), ("upstream", upstream_model())):
        for threads in sorted({1, os.cpu_count() or 1}):
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
            feed = {session.get_inputs()[0].name: tensor}
            output = [session.get_outputs()[0].name]
            session.run(output, feed)
            wait_quiet(limit_cores=BUSY_CORES, log=log)

            def measure():
                t0 = time.perf_counter()
                session.run(output, feed)
                return (time.perf_counter() - t0) * 1000

            samples, loads = clean_runs(measure, runs, BUSY_CORES, log=log)
            results[f"{label}-{threads}"] = {"ms": round(statistics.median(samples), 1), "load_cores": max(loads)}
    return results


def ensure_rembg_venv(log) -> Path:
    """bench/.venv with requirements-rembg.txt, (re)installed only when that file changes."""
    python = REMBG_VENV / "bin" / "python"
    stamp = REMBG_VENV / ".requirements.sha256"
    wanted = hashlib.sha256(REMBG_REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        log(f"creating the bench's virtualenv {REMBG_VENV.relative_to(ROOT)} (rembg)")
        venv.create(REMBG_VENV, with_pip=True)
    log("installing bench/requirements-rembg.txt into bench/.venv (once)")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(REMBG_REQUIREMENTS)], check=True)
    stamp.write_text(wanted)
    return python


def time_rembg(images: dict[str, Path], runs: int, log) -> dict:
    python = ensure_rembg_venv(log)
    with tempfile.TemporaryDirectory(prefix="peel-u2net-") as model_dir:
        os.symlink(upstream_model(), Path(model_dir) / "u2netp.onnx")  # the pinned, verified file
        command = [str(python), str(BENCH / "native_rembg.py"), model_dir, "--runs", str(runs),
                   *(f"{name}={path}" for name, path in images.items())]
        completed = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --- report ----------------------------------------------------------------------------------

def describe_machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        memory_kb = 0
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gb": round(memory_kb / 2**20, 1),
            "platform": platform.platform(), "python": platform.python_version()}


def _mb(value) -> str:
    return f"{value / 2**20:.0f} MB" if value else "n/a"


def ratios(report: dict) -> dict:
    """Peel-in-browser (all threads) divided by each native figure: < 1 means Peel is faster."""
    if not report.get("browser"):
        return {}
    threads_all = max(report["browser"], key=lambda key: int(key.split("-")[1]))
    browser = report["browser"][threads_all]["images"]
    out = {}
    for name, stages in browser.items():
        row = {}
        if report.get("rembg"):
            row["peel/rembg"] = round(stages["total"] / report["rembg"]["images"][name]["total_ms"], 2)
        if report.get("cpython"):
            row["peel/cpython"] = round(stages["total"] / report["cpython"][name]["total_ms"], 2)
        out[name] = row
    native = report.get("native_inference")
    if native:
        single = min(native["served-1"]["ms"], native["upstream-1"]["ms"])
        out["inference"] = {
            f"browser {key}/native 1 thread": round(
                statistics.median(run["images"][name]["inference"] for name in run["images"]) / single, 2)
            for key, run in report["browser"].items()
        }
    return out


def print_report(report: dict) -> None:
    machine = report["machine"]
    print(f"\nPeel bench, {report['date']}: Chromium {report['chromium']}, {machine['cpus']} CPUs "
          f"({machine['cpu']}), {machine['memory_gb']} GB, {machine['platform']}")
    if report.get("start"):
        print_starts(report["start"])

    if report.get("browser"):
        print("\nper image, WASM, median of runs (ms):")
        shown = [s for s in STAGES if any(s in i for run in report["browser"].values() for i in run["images"].values())]
        print(f"{'image':<8}{'threads':>8}" + "".join(f"{s:>12}" for s in shown) + f"{'load':>7}")
        for key, run in report["browser"].items():
            for name, stages in run["images"].items():
                print(f"{name:<8}{key.split('-')[1]:>8}" + "".join(f"{stages.get(s, float('nan')):>12.0f}" for s in shown)
                      + f"{stages['load_cores']:>7.2f}")

        print("first image right after ready (coffee 600×400, untimed warm-up of the rows above): " + ", ".join(
            f"{key.split('-')[1]} thr total {run['first_image']['total']} ms, inference {run['first_image']['inference']} ms"
            for key, run in report["browser"].items()))

        print("\nnative, same images (ms):")
        native = report.get("rembg", {}).get("images", {})
        cpython = report.get("cpython", {})
        r = report["ratios"]
        print(f"{'image':<8}{'rembg':>10}{'Peel CPython':>14}{'Peel browser':>14}{'Peel/rembg':>12}{'Peel/CPython':>14}")
        threads_all = max(report["browser"], key=lambda key: int(key.split("-")[1]))
        for name, stages in report["browser"][threads_all]["images"].items():
            print(f"{name:<8}{native.get(name, {}).get('total_ms', float('nan')):>10.0f}"
                  f"{cpython.get(name, {}).get('total_ms', float('nan')):>14.0f}{stages['total']:>14.0f}"
                  f"{r[name].get('peel/rembg', float('nan')):>12.2f}{r[name].get('peel/cpython', float('nan')):>14.2f}")
        if report.get("native_inference"):
            ni = report["native_inference"]
            print("\nnative onnxruntime inference alone (ms): "
                  + ", ".join(f"{k} thr {v['ms']}" for k, v in ni.items() if isinstance(v, dict)))
            print("browser inference / native single-thread: "
                  + ", ".join(f"{k.split()[1]} {v}" for k, v in r["inference"].items()))

    if report.get("memory"):
        print("\nmemory, one fresh worker per image (all threads):")
        print(f"{'image':<8}{'Pyodide heap':>14}{'ORT heap':>10}{'worker WASM':>13}{'renderer peak RSS':>19}")
        for name, m in report["memory"].items():
            wasm = (m["python_heap"] or 0) + (m["onnxruntime_heap"] or 0)
            print(f"{name:<8}{_mb(m['python_heap']):>14}{_mb(m['onnxruntime_heap']):>10}{_mb(wasm):>13}"
                  f"{_mb(m['renderer_peak_rss']):>19}")
        heaps = {key: max(i["page_js_heap_peak"] for i in run["images"].values())
                 for key, run in report.get("browser", {}).items()}
        print("page JS heap (UI page, largest sample): " + ", ".join(f"{k} {_mb(v)}" for k, v in heaps.items()))

    if report.get("rerender"):
        rerender = report["rerender"]
        print(f"\nre-render of a finished {rerender['image']} image, one control changed (ms, median; "
              f"load {rerender['load_cores']:.2f}):")
        print(f"{'change':<28}{'shown':>8}{'file':>8}{'decode':>8}{'postproc':>10}{'preview':>9}{'encode':>8}")
        for change, row in rerender["changes"].items():
            print(f"{change:<28}" + "".join(f"{row[k]:>{w}.0f}" for k, w in (
                ("shown", 8), ("wall", 8), ("decode", 8), ("postprocess", 10), ("preview", 9), ("encode", 8))))

    if report.get("strokes"):
        strokes = report["strokes"]
        print(f"\none editor stroke on a finished {strokes['image']} image, WASM ×{strokes['threads']} (ms, median of "
              f"{strokes['strokes']} each; targets, quiet: preview ≤ 250, file ≤ 600):")
        print(f"{'look, path':<46}{'preview':>9}{'file':>8}{'postproc':>10}{'encode':>8}{'box':>7}")
        for look, measured in strokes["looks"].items():
            paths = measured["paths"]
            print(f"{look} (load {measured['load_cores']:.2f} cores, load average {measured['loadavg'][0]:.1f})")
            for kind, label in (("region", "  region render (renderRegion)"), ("full", "  full re-render (render, old)")):
                row = paths[kind]
                print(f"{label:<46}{row['shown']:>9.0f}{row['file']:>8.0f}{row['postprocess']:>10.0f}"
                      f"{row['encode']:>8.0f}{row['box']:>7.0%}")
            print(f"{'  region ÷ full':<46}{paths['region']['shown'] / paths['full']['shown']:>9.2f}"
                  f"{paths['region']['file'] / paths['full']['file']:>8.2f}")
            quiet = strokes["looks"].get(measured.get("quiet_look"))
            if quiet:
                print(f"{'  region, busy ÷ quiet (target ≤ 2)':<46}"
                      f"{paths['region']['shown'] / quiet['paths']['region']['shown']:>9.2f}"
                      f"{paths['region']['file'] / quiet['paths']['region']['file']:>8.2f}")

    busy = [f"{k}/{n}" for k, run in report.get("browser", {}).items() for n, s in run["images"].items()
            if s["load_cores"] >= BUSY_CORES]
    if busy:
        print(f"\nWARNING: other processes used ≥ {BUSY_CORES} cores while measuring {', '.join(busy)}: "
              "those rows are slower than this machine can do.")


def print_starts(starts: dict) -> None:
    """Medians to ready per build and kind of start, their ratio to the baseline, and the stages."""
    labels = list(starts["builds"])
    builds = [starts["builds"][label] for label in labels]

    def row(name: str, medians: list[float]) -> None:
        ratio = f"{medians[0] / medians[1]:>22.2f}" if len(medians) > 1 else ""
        print(f"{name:<15}" + "".join(f"{m:>12.0f}" for m in medians) + ratio)

    print("\nstart to ready, median ms (page clock, navigation to data-ready-at):")
    print(f"{'':<15}" + "".join(f"{label:>12}" for label in labels)
          + (f"{labels[0] + '/' + labels[1]:>22}" if len(labels) > 1 else ""))
    for kind in START_KINDS:
        row(kind.replace("_", " "), [build["median_ms"][kind] for build in builds])
    for number in builds[0]["after_restart_median_ms_by_restart"]:
        row(f"  restart {number}", [build["after_restart_median_ms_by_restart"][number] for build in builds])
    for label in labels:
        build = starts["builds"][label]
        print(f"{label}: runs " + "; ".join(f"{kind} {[v['ready_ms'] for v in build[kind]]}" for kind in START_KINDS)
              + f"; other processes used {statistics.mean(build['load_cores']):.2f} cores on average")
        for kind, stages in build["stages_median_ms"].items():
            if stages:
                print(f"  {kind.replace('_', ' ')} stages, ms since navigation (median): "
                      + ", ".join(f"{stage.removesuffix('At')} {ms:.0f}" for stage, ms in stages.items())
                      + f", ready {build['median_ms'][kind]:.0f}")


def save(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="1 and 12 MP, 2 runs, all threads only, fewer starts (about 2 minutes)")
    parser.add_argument("--runs", type=int, help="timed runs per image (default 5; 2 with --quick)")
    parser.add_argument("--sizes", type=int, nargs="+", choices=sorted(SIZES), help="megapixels")
    parser.add_argument("--threads", type=int, nargs="+", help="WASM thread counts (default: 1 and all cores)")
    parser.add_argument("--start-rounds", type=int,
                        help="start-up rounds, each a first visit, a warm tab and browser restarts (default 3; 1 with --quick)")
    parser.add_argument("--image-rounds", type=int, default=3,
                        help="with --baseline: rounds of the images block, this build and the baseline "
                             "taking turns (default 3)")
    parser.add_argument("--baseline", type=Path,
                        help="another built dist/ (e.g. of main) whose start-up is measured interleaved with this one's")
    parser.add_argument("--skip-rembg", action="store_true", help="no rembg (no bench/.venv needed)")
    parser.add_argument("--only", nargs="+", choices=BLOCKS, help="run only these blocks (default: all)")
    parser.add_argument("--out", type=Path, help="default bench/results/bench[-ENGINE].json")
    parser.add_argument("--engine", choices=("chromium", "firefox", "webkit"), default="chromium",
                        help="firefox/webkit: the start and images blocks in that engine")
    bench_load.add_arguments(parser)
    args = parser.parse_args()
    suffix = "" if args.engine == "chromium" else f"-{args.engine}"
    args.out = args.out or BENCH / "results" / f"bench{suffix}.json"
    bench_load.configure(args)
    cores = os.cpu_count() or 1
    runs = args.runs or (2 if args.quick else 5)
    sizes = args.sizes or ([1, 12] if args.quick else [1, 12, 16, 24])
    threads = args.threads or ([cores] if args.quick else sorted({1, cores}))
    rounds = args.start_rounds or (1 if args.quick else 3)
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731

    started = time.monotonic()
    report = {"machine": describe_machine(), "date": time.strftime("%Y-%m-%d %H:%M"),
              "settings": {"runs": runs, "sizes_mp": sizes, "threads": threads, "quick": args.quick,
                           "grain_sigma": GRAIN_SIGMA}}
    if args.engine != "chromium":
        return bench_other_engine(args.engine, args, report, sizes, runs, rounds, log)
    chromium = os.environ.get("PEEL_CHROMIUM", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        images = make_images(Path(tmp), sizes)
        report["images"] = {name: {"size": Image.open(path).size, "jpeg_bytes": path.stat().st_size}
                            for name, path in images.items()}
        server, base = serve(Path(tmp))
        app = f"{base}?backend=wasm"
        if args.baseline:
            baseline_server, baseline = serve(Path(tmp), root=args.baseline)
            baseline_app = f"{baseline}?backend=wasm"
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        report["chromium"] = browser.version

        blocks = set(args.only or BLOCKS)
        if "start" in blocks:
            log("start-up: first visit, warm tab, after a browser restart" + (" (interleaved with --baseline)" if args.baseline else ""))
            urls = {"this": app}
            if args.baseline:
                urls["baseline"] = baseline_app
            launch = {"executable_path": chromium, "args": CHROMIUM_ARGS, "headless": True}
            report["start"] = {"baseline": str(args.baseline) if args.baseline else None,
                               "builds": measure_starts(playwright, browser, launch, urls, rounds,
                                                        restarts=1 if args.quick else 2, log=log)}
            save(report, args.out)  # partial results survive an interrupted run
        if "images" in blocks:
            report["browser"] = {}
            for count in threads:
                log(f"per image, WASM ×{count}" + (" (interleaved with --baseline)" if args.baseline else ""))
                if not args.baseline:
                    report["browser"][f"wasm-{count}"] = time_images(browser, f"{app}&threads={count}", images,
                                                                     runs, log)
                else:
                    report.setdefault("baseline_browser", {})
                    this, other = time_images_interleaved(
                        browser, {"this": f"{app}&threads={count}", "baseline": f"{baseline_app}&threads={count}"},
                        images, runs, args.image_rounds, log)
                    report["browser"][f"wasm-{count}"], report["baseline_browser"][f"wasm-{count}"] = this, other
                save(report, args.out)
        if "memory" in blocks:
            log("memory, one fresh worker per image")
            memory_images = images if not args.quick else dict(list(images.items())[-1:])
            report["memory"] = measure_memory(browser, base, memory_images, cores, log)
            save(report, args.out)
        if "rerender" in blocks:
            log("re-render: one control changed on a finished image")
            report["rerender"] = measure_rerender(browser, base, images, cores, runs, log)
            save(report, args.out)
        if "strokes" in blocks:
            log(f"strokes: region render against full re-render, WASM ×{cores}")
            report["strokes"] = measure_strokes(browser, base, images, cores, max(runs, 3), log)
            save(report, args.out)
        if "people" in blocks:
            log(f"people mode (MODNet), WASM ×{cores}")
            report["people"] = measure_people(browser, base, images, cores, runs, log)
            save(report, args.out)
        if "families" in blocks:
            log(f"model families (u2netp, MODNet, a person's ISNet file), WASM ×{cores}")
            report["families"] = measure_families(browser, base, images, IMAGES_PATH, cores, runs, STAGES, log)
            save(report, args.out)
        browser.close()
        server.shutdown()
        if args.baseline:
            baseline_server.shutdown()

        if "native" in blocks:
            log("native: onnxruntime inference alone")
            report["native_inference"] = time_native_inference(10 if not args.quick else 5, log)
            save(report, args.out)
            log("native: Peel's CPython pipeline")
            report["cpython"] = time_cpython(images, runs, cores, log)
            save(report, args.out)
            if not args.skip_rembg:
                log("native: rembg")
                report["rembg"] = time_rembg(images, runs, log)
    report["ratios"] = ratios(report)
    report["bench_seconds"] = round(time.monotonic() - started)
    save(report, args.out)
    print_report(report)
    print(f"\nsaved {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out} "
          f"({report['bench_seconds']} s)")


def bench_other_engine(engine: str, args, report: dict, sizes, runs: int, starts: int, log) -> None:
    """The start and images blocks in Firefox or WebKit (bench/engines.py)."""
    import engines

    blocks = set(args.only or ("start", "images")) & {"start", "images"}
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        images = make_images(Path(tmp), sizes)
        server, base = serve(Path(tmp))
        app = f"{base}?backend=wasm"
        report["engine"] = engine
        if "start" in blocks:
            log(f"{engine}: start-up, fresh profiles")
            report["start"] = engines.starts(engine, app, starts, log)
            save(report, args.out)
        if "images" in blocks:
            log(f"{engine}: per image")
            report["browser"] = engines.images(engine, app, images, runs, log)
            save(report, args.out)
        server.shutdown()
    report["bench_seconds"] = round(time.monotonic() - started)
    save(report, args.out)
    start = report.get("start")
    if start:
        print(f"{engine} start (fresh profile, ms to ready): median {statistics.median(start['cold_ms']):.0f} "
              f"of {start['cold_ms']} ({start['backend']}, load {start['load_cores']:.2f})")
    for name, row in report.get("browser", {}).get("images", {}).items():
        stages = ", ".join(f"{stage} {row[stage]:.0f}" for stage in STAGES if stage in row)
        print(f"{engine} {name}: {stages} ms (load {row['load_cores']:.2f})")
    print(f"saved {args.out} ({report['bench_seconds']} s)")


if __name__ == "__main__":
    main()
