"""The start and images blocks of bench/browser.py in Firefox or WebKit (`--engine`).

Same inputs and the same page-side clocks as the Chromium blocks (`data-ready-at`, each card's
`data-timings`), driven through tests/engines/drivers.py. Every start is a fresh browser with
an empty profile; per image, the median of `runs` runs after one untimed run.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from load import ForeignLoad, clean_runs, wait_quiet  # bench/load.py
from tests.engines import drivers
from tests.engines.page import add_files, wait_ready

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("decode", "prepare", "inference", "postprocess", "encode", "preview", "total")
BUSY_CORES = 0.1


def starts(engine: str, url: str, count: int, log) -> dict:
    """ms from navigation to ready (the page's clock) in `count` fresh profiles."""
    times, timings, label = [], [], None
    wait_quiet(limit_cores=BUSY_CORES, log=log)
    with ForeignLoad() as load:
        for _ in range(count):
            with drivers.launch(engine) as driver:
                driver.goto(url)
                status = wait_ready(driver)
                times.append(int(status["readyAt"]))
                timings.append(json.loads(status["timings"]))
                label = status["backend"]
    log(f"  {engine} start: {times} ms ({label}, load {load.cores:.2f})")
    return {"cold_ms": times, "worker_timings": timings, "backend": label, "load_cores": load.cores}


def images(engine: str, url: str, inputs: dict[str, Path], runs: int, log) -> dict:
    """Median stage times per image (as the result cards report them)."""
    results = {}
    with drivers.launch(engine) as driver:
        driver.goto(url)
        status = wait_ready(driver)
        cards = "document.querySelectorAll('[data-testid=result]')"

        def process(path: Path) -> dict:
            count = driver.evaluate(f"{cards}.length")
            add_files(driver, [path])
            driver.wait_for(f"{cards}.length === {count + 1} && "
                            f"['done', 'error'].includes({cards}[{count}].dataset.state)", 300)
            card = driver.evaluate(f"({{state: {cards}[{count}].dataset.state, timings: {cards}[{count}].dataset.timings}})")
            if card["state"] != "done":
                raise RuntimeError(f"{engine}: {path.name} failed")
            return json.loads(card["timings"])

        for name, path in inputs.items():
            wait_quiet(limit_cores=BUSY_CORES, log=log)
            process(path)  # untimed: the first use of a size grows the heaps
            samples, loads = clean_runs(lambda: process(path), runs, BUSY_CORES, log=log)
            results[name] = {
                **{stage: statistics.median(s[stage] for s in samples) for stage in STAGES if stage in samples[0]},
                "samples": samples,
                "load_cores": max(loads),
            }
            log(f"  {engine} {name}: total {results[name]['total']:.0f} ms, encode "
                f"{results[name].get('encode', 0):.0f} ms (load {max(loads):.2f})")
    return {"backend": status["backend"], "version": driver.version, "images": results}
