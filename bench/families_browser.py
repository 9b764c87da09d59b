"""The model families in the browser: time and worker memory per family, at each image size.

The `families` block of ``build.py bench`` (bench/browser.py): u2netp (built in), MODNet
(downloaded on demand, here from localhost) and ISNet as a person's own file (the fp16 copy of
``buildtools/isnet_copy.py``: a test and benchmark input only, AGPL-3.0, never served: it is
handed to the page through a file input, as a person picks it). One fresh worker per family,
WASM with all cores, through the public JS API (js/page/peel.js) with ``measureMemory``: the
stages the worker reports (median of ``runs`` runs after one untimed run per size) and its
WebAssembly heaps after each size (Pyodide's and onnxruntime's; they only grow, so these are
peaks). Numbers, not assertions; ``load`` is the CPU other processes used meanwhile.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from load import ForeignLoad  # bench/load.py

#: family -> how the page gets its model (see FAMILY_SCRIPT).
FAMILIES = ("u2netp", "modnet", "isnet-file")

FAMILY_SCRIPT = """async ({family, threads, runs, images}) => {
  const { createRemover } = await import('./js/page/peel.js');
  const remover = await createRemover({ backend: 'wasm', threads, measureMemory: true });
  const t0 = performance.now();
  let model = family;
  if (family === 'modnet') await remover.loadModel('modnet');
  if (family === 'isnet-file') {
    const file = document.querySelector('#bench-model-file').files[0];
    model = (await remover.addModel(file, { fileName: 'isnet.onnx' })).name;
  }
  const firstUse = Math.round(performance.now() - t0);
  const results = {};
  for (const [name, url] of Object.entries(images)) {
    const blob = await (await fetch(url)).blob();
    const samples = [];
    for (let run = 0; run <= runs; run++) {  // run 0: untimed, the first of this size grows the heaps
      const { timings, memory } = await remover.remove(blob, { settings: { model } });
      if (run > 0) samples.push({ ...timings, memory });
    }
    results[name] = samples;
  }
  remover.close();
  return { firstUse, results };
}"""


def measure_families(browser, base: str, images: dict[str, Path], images_path: str, threads: int, runs: int,
                     stages: tuple, log) -> dict:
    """Each family's first use and per-size stages and heaps, one fresh worker each.

    Parameters
    ----------
    browser : playwright Browser
    base : str
        The served dist/ (bench/browser.py ``serve``), whose ``images_path`` serves ``images``.
    images : dict
        Name ("1 MP") -> JPEG path.
    threads, runs : int
    stages : tuple of str
        The timing stages to take medians of.
    """
    from buildtools.isnet_copy import fetch_isnet_copy

    isnet = fetch_isnet_copy(log=log)
    report = {}
    for family in FAMILIES:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{base}build.json")  # same origin, isolated, and boots nothing by itself
        page.evaluate("""() => document.body.append(Object.assign(document.createElement('input'),
            { type: 'file', id: 'bench-model-file' }))""")
        page.set_input_files("#bench-model-file", str(isnet))
        with ForeignLoad() as load:
            outcome = page.evaluate(FAMILY_SCRIPT, {
                "family": family, "threads": threads, "runs": runs,
                "images": {name: f"{images_path}{path.name}" for name, path in images.items()}})
        context.close()
        entry = {"first_use_ms": outcome["firstUse"], "load_cores": load.cores, "images": {}}
        log(f"  {family}: first use {outcome['firstUse']} ms (load {load.cores:.2f} cores)")
        for name, samples in outcome["results"].items():
            row = {stage: statistics.median(s[stage] for s in samples) for stage in stages if stage in samples[0]}
            row["memory"] = samples[-1]["memory"]
            row["samples"] = samples
            entry["images"][name] = row
            log(f"    {name}: total {row['total']:.0f} ms, inference {row['inference']:.0f} ms, Pyodide heap "
                f"{_mb(row['memory'].get('python'))}, onnxruntime heap {_mb(row['memory'].get('onnxruntime'))}")
        report[family] = entry
    return report


def _mb(value) -> str:
    return "–" if not value else f"{value / 1e6:.0f} MB"
