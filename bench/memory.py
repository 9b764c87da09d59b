"""A long batch in one page: the browser's memory as the finished images pile up (issue 30).

    .venv/bin/python bench/memory.py [--images 100] [--variants 4] [--checkpoints 10 50 100] [--incognito]
                                     [--out bench/results/memory.json]

Drops N camera-like 12 MP JPEGs at once on the app (`#file-input`, as a user picks them) in
Debian's Chromium ($PEEL_CHROMIUM) with a persistent profile (a fresh one in a temporary folder:
an incognito context would keep the origin's storage in memory, not on disk), and prints:

- the browser's total memory when ready and once at least 10, 50, 100 (and N) images are
  finished: the sum over every Chromium process of its resident set (RSS; shared pages counted
  in each process, like `top`), proportional set (PSS; shared pages split) and unique set (USS:
  its private pages), from /proc/PID/smaps_rollup; the same per kind of process (browser,
  renderer: the page and its workers, gpu, network, storage, …); the page's own measure per realm
  (`performance.measureUserAgentSpecificMemory`: the page, the worker); the worker's WebAssembly
  heaps (`?memory`: Pyodide's and onnxruntime's); the Blobs and Files the page's JS heap holds
  (DevTools `Runtime.queryObjects`); and the total once more after the worker's own garbage is
  collected too (what it let go of but had not yet collected);
- the time per image (the card's `data-timings.total`) over the first and the last five images;
- "Download all": the memory before, at its peak while the ZIP is made and downloaded, and after.

Each checkpoint is measured after collecting the page's garbage (DevTools protocol) and a
second's rest. With --out, the rows measured so far are written at each checkpoint, so that a
run stopped early still leaves them. Numbers, not assertions. Build first (`python3 build.py
build`). On a busy machine the times are not comparable between runs; the memory figures are
(the load is printed with them).
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
from PIL import Image
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from buildtools.paths import DIST  # noqa: E402
import load as bench_load  # noqa: E402  (bench/load.py)
from load import ForeignLoad  # noqa: E402
from tests.browser.helpers import CHROMIUM_ARGS, READY_TIMEOUT_MS  # noqa: E402

CHECKPOINTS = (10, 50, 100)
#: Sensor-like grain, so that the JPEGs and the PNG outputs have a photograph's sizes.
GRAIN_SIGMA = 4.0


def make_photos(folder: Path, count: int, variants: int) -> list[Path]:
    """`count` 12 MP (4000×3000) quality-90 JPEGs: `variants` different ones (the astronaut
    fixture upscaled, mirrored or not, tinted, with seeded grain), repeated under new names."""
    with Image.open(ROOT / "tests" / "fixtures" / "astronaut.png") as astronaut:
        base = np.asarray(astronaut.convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC), dtype=np.float32)
    rng = np.random.default_rng(30)
    originals = []
    for v in range(variants):
        pixels = base[:, ::-1] if v % 2 else base
        pixels = pixels * (1 + 0.08 * np.array([np.cos(v), np.sin(v), -np.cos(v)], dtype=np.float32))
        pixels = pixels + rng.normal(0, GRAIN_SIGMA, size=pixels.shape[:2] + (1,)).astype(np.float32)
        path = folder / f"variant-{v}.jpg"
        Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path, quality=90)
        originals.append(path)
    photos = []
    for i in range(count):
        path = folder / f"photo-{i + 1:03d}.jpg"
        os.link(originals[i % variants], path)
        photos.append(path)
    return photos


def chromium_pids() -> dict[int, str]:
    """Every process started by this bench that is not Python (the browser and its children),
    with its kind (`process_kind`)."""
    parents = {pid: parent for pid, (parent, _) in bench_load._processes().items()}
    mine = {os.getpid()}
    while grown := {pid for pid, parent in parents.items() if parent in mine} - mine:
        mine |= grown
    found = {}
    for pid in mine - {os.getpid()}:
        try:
            # Chromium rewrites its children's command lines as one string: split on spaces too.
            argv = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").split()
        except OSError:
            continue
        if b"chrom" in argv[0]:
            found[pid] = process_kind([arg.decode(errors="replace") for arg in argv])
    return found


def process_kind(argv: list[str]) -> str:
    """What a Chromium process is, from its command line: `browser` (no --type), `renderer`
    (the page and its workers: Pyodide's and onnxruntime's WebAssembly heaps live here), `gpu`,
    `zygote`, or a utility by its service (`network`, `storage`, `audio`, …)."""
    options = dict(arg[2:].partition("=")[::2] for arg in argv[1:] if arg.startswith("--"))
    kind = options.get("type")
    if kind is None:
        return "browser"
    if kind == "utility":
        service = options.get("utility-sub-type", "utility")
        return service.split(".")[0].replace("_mojom", "").lower()  # network.mojom.NetworkService -> network
    return {"gpu-process": "gpu"}.get(kind, kind)


#: smaps_rollup fields summed per process: resident, proportional, unique (private) sets.
def _rollup(pid: int) -> dict:
    fields = {}
    for line in (Path("/proc") / str(pid) / "smaps_rollup").read_text().splitlines()[1:]:
        name, _, value = line.partition(":")
        fields[name] = int(value.split()[0]) * 1024
    return {"rss": fields["Rss"], "pss": fields["Pss"],
            "uss": fields["Private_Clean"] + fields["Private_Dirty"]}


def memory() -> dict:
    """Sum of RSS, PSS and USS over the browser's processes, in bytes, and the same per kind of
    process (`by_kind`: browser, renderer, gpu, network, storage, …)."""
    total = {"rss": 0, "pss": 0, "uss": 0}
    by_kind = {}
    for pid, kind in chromium_pids().items():
        try:
            sizes = _rollup(pid)
        except (OSError, KeyError):
            continue  # ended meanwhile
        into = by_kind.setdefault(kind, {"rss": 0, "pss": 0, "uss": 0})
        for key, value in sizes.items():
            total[key] += value
            into[key] += value
    return {**total, "by_kind": by_kind}


#: JS: what the page's own measure says (Chromium, cross-origin isolated; immediate with
#: ForceEagerMeasureMemory): bytes per realm (the page, its workers), and the WebAssembly heaps of
#: the newest finished card (`?memory`: `data-memory`, from the worker).
PAGE_MEMORY = """async () => {
  const measured = await performance.measureUserAgentSpecificMemory?.().catch(() => null);
  const realms = {};
  for (const { bytes, attribution } of measured?.breakdown ?? []) {
    const scope = attribution.map((a) => a.scope).join('+') || 'shared';
    realms[scope] = (realms[scope] ?? 0) + bytes;
  }
  const done = [...document.querySelectorAll('[data-testid=result][data-memory]')].pop();
  return { realms, wasm: done ? JSON.parse(done.dataset.memory) : null };
}"""


#: JS (called on the array of the page's Blob objects): counts and bytes, Files apart, the
#: largest ones in memory by type.
BLOB_SUMMARY = """function () {
  // Blob.prototype's heirs include File.prototype, whose getters throw: instances only.
  const blobs = this.filter((blob) => blob !== File.prototype && blob !== Blob.prototype);
  const files = blobs.filter((blob) => blob instanceof File);
  const others = blobs.filter((blob) => !(blob instanceof File));
  const sum = (list) => list.reduce((total, blob) => total + blob.size, 0);
  const byType = {};
  for (const blob of others) byType[blob.type || '?'] = (byType[blob.type || '?'] ?? 0) + blob.size;
  return { files: files.length, fileBytes: sum(files), blobs: others.length, blobBytes: sum(others), byType };
}"""

#: JS: how many cards are done and how many failed.
FINISHED = """() => ({
  done: document.querySelectorAll('[data-testid=result][data-state=done]').length,
  error: document.querySelectorAll('[data-testid=result][data-state=error]').length,
})"""
FINISHED_AT_LEAST = """(count) => document.querySelectorAll(
  '[data-testid=result][data-state=done], [data-testid=result][data-state=error]').length >= count"""


def settle(context, page):
    """A function that collects the page's garbage (DevTools protocol), waits a second and
    returns memory() with the page's own view (`PAGE_MEMORY`, under "js"): what is still held,
    not what the page's collector has yet to free."""
    session = context.new_cdp_session(page)

    def blobs() -> dict:
        """The Blobs (and Files) the page's JS heap holds: how many, how many bytes, how many of
        those bytes in Files kept on disk (the session's) and in other Blobs (in memory)."""
        prototype = session.send("Runtime.evaluate", {"expression": "Blob.prototype", "objectGroup": "bench"})
        found = session.send("Runtime.queryObjects", {"prototypeObjectId": prototype["result"]["objectId"],
                                                     "objectGroup": "bench"})
        summary = session.send("Runtime.callFunctionOn", {
            "objectId": found["objects"]["objectId"], "returnByValue": True, "objectGroup": "bench",
            "functionDeclaration": BLOB_SUMMARY})
        session.send("Runtime.releaseObjectGroup", {"objectGroup": "bench"})
        return summary["result"]["value"]

    def settled() -> dict:
        session.send("HeapProfiler.collectGarbage")
        page.wait_for_timeout(1000)
        held = {**memory(), "js": {**page.evaluate(PAGE_MEMORY), "blobs": blobs()}}
        # The workers' garbage too (their own heaps: what a worker let go of but has not yet
        # collected, e.g. Blob handles whose bytes live in the browser process).
        # Only the app's worker: onnxruntime's pool threads wait in Atomics.wait and answer nothing.
        for worker in page.workers:
            if worker.url.endswith("/js/worker/worker.js"):
                worker.evaluate("globalThis.gc?.()")
        page.wait_for_timeout(1000)
        return {**held, "workers_collected": {k: v for k, v in memory().items() if k != "by_kind"}}

    return settled


class PeakMemory:
    """Samples memory() in a thread every `every` s; keeps the largest of each."""

    def __init__(self, every=0.1):
        self.every, self.peak, self._stop = every, {"rss": 0, "pss": 0, "uss": 0}, threading.Event()

    def __enter__(self):
        def sample():
            while not self._stop.is_set():
                now = memory()
                self.peak = {k: max(self.peak[k], now[k]) for k in self.peak}
                self._stop.wait(self.every)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run(count: int, variants: int, incognito: bool = False, every: tuple[int, ...] = (), log=print,
        out: Path | None = None) -> dict:
    from tests.browser.conftest import start_server

    workdir = Path(tempfile.mkdtemp(prefix="peel-memory-"))
    server = start_server()
    try:
        log(f"making {count} 12 MP JPEGs ({variants} different)…")
        photos = make_photos(workdir, count, variants)
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        with sync_playwright() as playwright, ForeignLoad() as load:
            launch = {"executable_path": os.environ.get("PEEL_CHROMIUM", "/usr/bin/chromium"),
                      "args": CHROMIUM_ARGS + ["--enable-blink-features=ForceEagerMeasureMemory", "--js-flags=--expose-gc"], "headless": True}
            if incognito:
                context = playwright.chromium.launch(**launch).new_context(accept_downloads=True)
            else:
                context = playwright.chromium.launch_persistent_context(str(workdir / "profile"), accept_downloads=True,
                                                                        **launch)
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(f"{base}?backend=wasm&memory")
            expect(page.locator("[data-testid=app-status]")).to_have_attribute("data-ready", "true", timeout=READY_TIMEOUT_MS)
            page.wait_for_timeout(2000)  # start-up's caching settles
            settled = settle(context, page)
            rows = [{"images": 0, **settled()}]
            log(f"ready: {_row(rows[0])}")
            page.set_input_files("#file-input", [str(p) for p in photos])
            checkpoints = sorted({c for c in (every or CHECKPOINTS) if c <= count} | {count})
            started = time.monotonic()
            for checkpoint in checkpoints:
                # At least `checkpoint` finished (the batch goes on while a checkpoint is measured).
                page.wait_for_function(FINISHED_AT_LEAST, arg=checkpoint, polling=250,
                                       timeout=int(600_000 + 60_000 * checkpoint))
                finished = page.evaluate(FINISHED)
                if finished["done"] == rows[-1]["images"]:
                    continue  # measuring took past this checkpoint too: measured already
                rows.append({"images": finished["done"], "failed": finished["error"],
                             "seconds": round(time.monotonic() - started, 1), **settled()})
                if out:  # so far: a run stopped before its end still leaves its rows
                    out.write_text(json.dumps({"images": count, "partial": True, "rows": rows}, indent=1) + "\n")
                log(f"{rows[-1]['images']:>4} done ({finished['error']} failed): {_row(rows[-1])}; "
                    + ", ".join(f"{kind} {_mb(size['uss'])}" for kind, size in sorted(rows[-1]["by_kind"].items())))
            totals = page.evaluate("""() => [...document.querySelectorAll('[data-testid=result]')]
              .map((card) => JSON.parse(card.dataset.timings || '{}').total ?? null)""")
            before_zip = settled()
            with PeakMemory() as peak:
                zip_started = time.monotonic()
                with page.expect_download(timeout=600_000) as info:
                    page.locator("[data-testid=download-all]").click()
                zip_path = info.value.path()
                zip_seconds = time.monotonic() - zip_started
            after_zip = settled()
            zip_bytes = Path(zip_path).stat().st_size
            context.close()
            if incognito:
                context.browser.close()
        times = [t for t in totals if t is not None]
        head, tail = times[:5], times[-5:]
        result = {
            "images": count, "variants": variants, "incognito": incognito, "load_cores": load.cores, "rows": rows,
            "ms_per_image": {"first": statistics.median(head) if head else None,
                             "last": statistics.median(tail) if tail else None},
            "zip": {"bytes": zip_bytes, "seconds": round(zip_seconds, 1), "before": before_zip,
                    "peak": peak.peak, "after": after_zip},
            "cpu": os.cpu_count(), "loadavg": os.getloadavg(),
        }
        return result
    finally:
        server.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)


#: JS: one output-sized Blob (random bytes, like a photo's PNG), made in the page as the worker's
#: are; kept as a card keeps it today (`memory`), or written to the session store and dropped.
PUT_OUTPUT = """async ({ size, where }) => {
  const { SessionStore } = await import('./js/page/session-store.js');
  self.benchStore ??= await SessionStore.open({ name: 'bench-memory' });
  self.benchKept ??= [];
  const parts = [];
  for (let at = 0; at < size; at += 65536) parts.push(crypto.getRandomValues(new Uint8Array(Math.min(65536, size - at))));
  const blob = new Blob(parts, { type: 'image/png' });
  const name = `output-${self.benchKept.length + 1}.png`;
  if (where === 'memory') {
    self.benchKept.push({ name, blob });
  } else {
    const id = await self.benchStore.putImage({ file: new Blob(['original']), model: 'u2netp' });
    self.benchKept.push({ name, id, file: await self.benchStore.putOutput(id, blob, { name }) });
  }
}"""

#: JS: "Download all" of what PUT_OUTPUT kept, as results.js does it (createZip, a link).
ZIP_ALL = """async () => {
  const { createZip } = await import('./js/page/zip.js');
  const entries = self.benchKept.map(({ name, blob, file }) => ({ name, blob: blob ?? file }));
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await createZip(entries));
  link.download = 'bench.zip';
  document.body.append(link);
  link.click();
}"""


def run_store(count: int, where: str, size: int = 12 * 2**20, log=print) -> dict:
    """The storage layer alone, no model: `count` output-sized Blobs kept in the page (`memory`,
    as cards keep them today) or in the session store (`store`, dropped from memory once kept),
    then a ZIP of all of them."""
    from tests.browser.conftest import start_server

    workdir = Path(tempfile.mkdtemp(prefix="peel-memory-"))
    server = start_server()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        with sync_playwright() as playwright, ForeignLoad() as load:
            context = playwright.chromium.launch_persistent_context(
                str(workdir / "profile"), executable_path=os.environ.get("PEEL_CHROMIUM", "/usr/bin/chromium"),
                args=CHROMIUM_ARGS, headless=True, accept_downloads=True)
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(f"{base}build.json")  # the app's origin, without its engine: only storage moves
            settled = settle(context, page)
            rows = [{"images": 0, **settled()}]
            for i in range(1, count + 1):
                page.evaluate(PUT_OUTPUT, {"size": size, "where": where})
                if i in CHECKPOINTS or i == count:
                    rows.append({"images": i, **settled()})
                    log(f"{i:>4} kept ({where}): {_row(rows[-1])}")
            before_zip = settled()
            with PeakMemory() as peak:
                started = time.monotonic()
                with page.expect_download(timeout=600_000) as info:
                    page.evaluate(ZIP_ALL)
                zip_bytes = Path(info.value.path()).stat().st_size
                zip_seconds = time.monotonic() - started
            after_zip = settled()
            context.close()
        return {"images": count, "store": where, "load_cores": load.cores, "rows": rows, "ms_per_image": {},
                "zip": {"bytes": zip_bytes, "seconds": round(zip_seconds, 1), "before": before_zip,
                        "peak": peak.peak, "after": after_zip},
                "cpu": os.cpu_count(), "loadavg": os.getloadavg()}
    finally:
        server.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)


def _mb(value) -> str:
    return f"{value / 2**20:,.0f} MB"


def _row(row) -> str:
    return f"RSS {_mb(row['rss'])}, PSS {_mb(row['pss'])}"


def report(result, log=print):
    profile = "an incognito context" if result.get("incognito") else "a persistent profile"
    what = (f"{result['images']} outputs of 12 MiB kept in {result['store']}, no model" if "store" in result
            else f"a batch of {result['images']} × 12 MP JPEG, WASM")
    log(f"\nBrowser memory over {what} (Chromium, {profile}; "
        f"{result['cpu']} cores, other processes used {result['load_cores']:.2f} cores on average, "
        f"load average {' '.join(f'{x:.1f}' for x in result['loadavg'])})")
    log(f"{'images done':>11} {'total RSS':>11} {'total PSS':>11} {'total USS':>11} {'elapsed':>9}"
        f" {'RSS after the worker GC':>24}")
    for row in result["rows"]:
        elapsed = f"{row['seconds']:.0f} s" if "seconds" in row else ""
        collected = _mb(row["workers_collected"]["rss"]) if "workers_collected" in row else ""
        log(f"{row['images']:>11} {_mb(row['rss']):>11} {_mb(row['pss']):>11} {_mb(row.get('uss', 0)):>11}"
            f" {elapsed:>9} {collected:>24}")
    kinds = sorted({kind for row in result["rows"] for kind in row.get("by_kind", {})},
                   key=lambda kind: -max(row.get("by_kind", {}).get(kind, {}).get("uss", 0) for row in result["rows"]))
    if kinds:
        log(f"\nper process kind, USS (private memory) / PSS:")
        log(f"{'images done':>11} " + " ".join(f"{kind:>17}" for kind in kinds))
        for row in result["rows"]:
            cells = [row.get("by_kind", {}).get(kind) for kind in kinds]
            log(f"{row['images']:>11} " + " ".join(
                f"{_mb(c['uss']) + ' / ' + _mb(c['pss']).split()[0]:>17}" if c else f"{'':>17}" for c in cells))
    if any(row.get("js") for row in result["rows"]):
        log("\nthe page's own measure (performance.measureUserAgentSpecificMemory) per realm, and the worker's "
            "WebAssembly heaps:")
        for row in result["rows"]:
            js = row.get("js") or {}
            realms = ", ".join(f"{scope} {_mb(size)}" for scope, size in sorted(js.get("realms", {}).items()))
            wasm = ", ".join(f"{name} {_mb(size)}" for name, size in (js.get("wasm") or {}).items())
            blobs = js.get("blobs") or {}
            held = (f"; the page holds {blobs['blobs']} Blobs ({_mb(blobs['blobBytes'])}) and {blobs['files']} Files"
                    f" ({_mb(blobs['fileBytes'])}, on disk)") if blobs else ""
            log(f"{row['images']:>11}: {realms or '—'}; WASM: {wasm or '—'}{held}")
    first, last = result["ms_per_image"].get("first"), result["ms_per_image"].get("last")
    if first and last:
        log(f"time per image (median of 5): first {first / 1000:.2f} s, last {last / 1000:.2f} s "
            f"(×{last / first:.2f})")
    z = result["zip"]
    log(f"Download all: {z['bytes'] / 2**20:,.0f} MB ZIP in {z['seconds']} s; total RSS {_mb(z['before']['rss'])} "
        f"before, peak {_mb(z['peak']['rss'])} (+{_mb(z['peak']['rss'] - z['before']['rss'])}), after "
        f"{_mb(z['after']['rss'])}; PSS peak +{_mb(z['peak']['pss'] - z['before']['pss'])}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=100, help="how many 12 MP JPEGs (default 100)")
    parser.add_argument("--variants", type=int, default=4, help="how many different ones among them")
    parser.add_argument("--incognito", action="store_true",
                        help="an incognito context (the origin's storage and Blobs in memory) instead of a profile on disk")
    parser.add_argument("--store-only", choices=("memory", "store"),
                        help="no model: output-sized Blobs kept in page memory (as today) or in the session store")
    parser.add_argument("--checkpoints", type=int, nargs="+", default=(),
                        help=f"after how many finished images to measure (default {' '.join(map(str, CHECKPOINTS))}, and N)")
    parser.add_argument("--out", type=Path, help="also write the numbers as JSON here")
    args = parser.parse_args(argv)
    if not (DIST / "build.json").is_file():
        sys.exit(f"{DIST} is not built: run `python3 build.py build` first")
    if args.store_only:
        result = run_store(args.images, args.store_only)
    else:
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
        result = run(args.images, max(1, min(args.variants, args.images)), args.incognito, tuple(args.checkpoints),
                     out=args.out)
    report(result)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
