"""Time each render step, and render() for each setting, at 12 MP: in CPython and in Pyodide.

    .venv/bin/python bench/render_timing.py [--runs 5] [--no-pyodide] [--baseline DIR]
                                            [--out bench/results/render-timing.json]

The input is the portrait composite of bench/composites.py over the busy background, scaled to
4000×3000, and its mask from the model (native onnxruntime). The same function,
:func:`step_timings`, then runs twice on the same arrays: here, and inside Pyodide 0.27.7 (the
wheels the browser gets, from ``dist/vendor/pyodide``) run by Node (bench/pyodide_timing.mjs),
whose WebAssembly engine is Chromium's. Needs ``python3 build.py build`` first.

Times are wall-clock ms, median of ``--runs``; run it on a quiet machine (single-threaded code:
one busy core elsewhere barely matters, two do).

``--baseline DIR`` also times another version of the refinement against this one, interleaved
run by run on the same arrays (so that a shared, busy machine slows both alike): DIR holds that
version's ``peel`` package, e.g. ``git archive main py/peel | tar -x -C /tmp/base`` and
``--baseline /tmp/base/py``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "py") not in sys.path:
    sys.path[:0] = [str(ROOT), str(ROOT / "py")]

from peel import foreground, refine, solid  # noqa: E402
from peel.hints import Hints, Stroke  # noqa: E402
from peel.render_cache import RenderCache  # noqa: E402
from peel.render import feather_alpha, render  # noqa: E402
from peel.settings import Settings  # noqa: E402

SIZE = (3000, 4000)  # height, width
SETTINGS = {
    "default": Settings(),
    "solid": Settings(solid=True),
    "reference": Settings.reference(),
    "refine none": Settings(refine="none"),
    "refine guided": Settings(refine="guided"),
    "threshold manual 0.2-0.8": Settings(threshold="manual", threshold_low=0.2, threshold_high=0.8),
    "feather 3": Settings(feather=3.0),
    "decontaminate 0": Settings(decontaminate=0.0),
    "background color": Settings(background="color", background_color="#ff0000"),
    "background image": Settings(background="image"),
    "background blur": Settings(background="blur"),
    "format jpeg": Settings(format="jpeg"),
    "format mask": Settings(format="mask"),
}


def make_inputs(model_path):
    """The 12 MP photo, its normalised mask and a background image: a dict of arrays (CPython only)."""
    from bench.composites import make_composites
    from peel.mask import normalize_prediction
    from peel.desktop.native import OnnxInference
    from peel.preprocess import as_rgba, prepare_input

    comp = next(make_composites(layers=[("portrait", (1200, 900))], backgrounds=("busy",)))
    height, width = SIZE
    rgba = as_rgba(np.asarray(Image.fromarray(comp.image).resize((width, height), Image.Resampling.BICUBIC)))
    mask = normalize_prediction(OnnxInference(model_path)(prepare_input(rgba)))
    backdrop = as_rgba(np.asarray(Image.fromarray(comp.image).resize((1600, 1200))))
    return {"rgba": rgba, "mask": mask, "backdrop": backdrop}


def hazy_mask(mask):
    """The mask with the lower third of its sure subject made a 0.5 haze: the solid step's whole
    path runs (the composite's own mask may have no wide haze, and the step then stops early)."""
    hazy = mask.copy()
    rows = np.flatnonzero((mask >= 0.95).any(axis=1))
    if rows.size:
        lower = rows[0] + 2 * (rows[-1] - rows[0]) // 3
        part = hazy[lower:]
        part[part >= 0.95] = 0.5
    return hazy


def time_ms(function, runs):
    """Median wall time of `runs` calls, ms."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 1)


def editor_strokes(size, count=4):
    """``count`` erase strokes as bench/browser.py's re-render block paints them, snap on."""
    height, width = size

    def stroke(n):
        y = height * (0.3 + 0.04 * (n % 10))
        points = tuple((width * (0.3 + 0.3 * i / 23), y + 0.01 * height * math.sin(i)) for i in range(24))
        return Stroke("erase", max(width, height) / 100, points)

    return Hints(tuple(stroke(n) for n in range(count)), snap=True)


def stroke_timings(rgba, mask, runs, settings=None):
    """{row: ms}: one more stroke (the fifth of :func:`editor_strokes`) after four, rendered in full
    (what the editor did before region renders) and by region (``RenderCache.render_region``),
    medians of ``runs``; each run starts from a kept render of the four strokes (not timed).

    The preview rows add what the page needs for its 640-px preview: the whole output scaled
    down, or the changed box only; the file rows are the whole output's pixels (the region
    render patches the kept output in place). Also the changed box's share of the image.
    """
    settings = settings or Settings()
    size = rgba.shape[:2]
    before, after = editor_strokes(size, 4), editor_strokes(size, 5)
    kept = RenderCache(rgba, mask)
    scale = 640 / max(size)

    def preview(image):
        small = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        return Image.fromarray(np.ascontiguousarray(image)).resize(small, Image.Resampling.BOX)

    def timed(call):
        samples = []
        for _ in range(runs):
            kept.render(settings, hints=before)
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        return round(statistics.median(samples), 1)

    def region_preview():
        output, box = kept.render_region(settings, hints=after)
        return preview(output[box])

    rows = {
        "file, full re-render": timed(lambda: kept.render(settings, hints=after)),
        "file, region re-render": timed(lambda: kept.render_region(settings, hints=after)),
        "preview, full re-render": timed(lambda: preview(kept.render(settings, hints=after))),
        "preview, region re-render": timed(region_preview),
    }
    kept.render(settings, hints=before)
    output, (box_rows, box_cols) = kept.render_region(settings, hints=after)
    rows["region share of the image"] = round((box_rows.stop - box_rows.start) * (box_cols.stop - box_cols.start)
                                              / (size[0] * size[1]), 4)
    return rows


def load_baseline(folder):
    """The ``peel`` package in ``folder``, imported as ``peel_baseline`` (its imports are relative)."""
    import importlib.util

    init = Path(folder) / "peel" / "__init__.py"
    spec = importlib.util.spec_from_file_location("peel_baseline", init, submodule_search_locations=[str(init.parent)])
    package = importlib.util.module_from_spec(spec)
    sys.modules["peel_baseline"] = package
    spec.loader.exec_module(package)
    return importlib.import_module("peel_baseline.refine")


def baseline_timings(rgba, mask, folder, runs):
    """{row: {"this": ms, "baseline": ms}}: the refinement of this tree and of ``folder``'s, medians
    of ``runs`` interleaved calls."""
    base = load_baseline(folder)
    small = refine.downscale_rgb(rgba)
    low, high = Settings().threshold_range
    calls = {
        "refine matte": (lambda: refine.refine_alpha(rgba, mask, "matte", small=small),
                         lambda: base.refine_alpha(rgba, mask, "matte", small=small)),
        "refine matte + threshold": (
            lambda: refine.threshold_alpha(refine.refine_alpha(rgba, mask, "matte", small=small), low, high),
            lambda: base.threshold_alpha(base.refine_alpha(rgba, mask, "matte", small=small), low, high)),
    }
    samples = {row: ([], []) for row in calls}
    for _ in range(runs):
        for row, pair in calls.items():
            for call, times in zip(pair, samples[row]):
                started = time.perf_counter()
                call()
                times.append((time.perf_counter() - started) * 1000)
    return {row: {"this": round(statistics.median(ours), 1), "baseline": round(statistics.median(theirs), 1)}
            for row, (ours, theirs) in samples.items()}


def step_timings(rgba, mask, backdrop, runs=5, baseline=None, only=None):
    """{"steps_ms": {step: ms}, "render_ms": {setting: ms}, "stroke_ms": {row: ms}, ...}; runs in
    CPython and Pyodide.

    ``baseline``: a folder with another version's ``peel`` package (see :func:`baseline_timings`).
    ``only="strokes"``: the stroke rows only (:func:`stroke_timings`).
    """
    if only == "strokes":
        return {"python": ("Pyodide" if sys.platform == "emscripten" else "CPython") + " " + platform.python_version(),
                "runs": runs, "size": [rgba.shape[1], rgba.shape[0]],
                "stroke_ms": {**{f"png: {k}": v for k, v in stroke_timings(rgba, mask, runs).items()},
                              **{f"jpeg: {k}": v for k, v in stroke_timings(rgba, mask, runs, Settings(
                                  format="jpeg")).items()}}}
    alpha8 = refine.threshold_alpha(refine.refine_alpha(rgba, mask), *Settings().threshold_range)
    small = refine.downscale_rgb(rgba)
    strokes = editor_strokes(rgba.shape[:2])
    hint_map, hint_box = strokes.to_map_box(rgba.shape[:2])
    hazy = hazy_mask(mask)
    steps = {
        "downscale_rgb (small copy)": lambda: refine.downscale_rgb(rgba),
        "solid mask": lambda: solid.solid_mask(mask, small),
        "solid mask, hazy lower third": lambda: solid.solid_mask(hazy, small),
        "refine none (rembg's upscale)": lambda: refine.refine_alpha(rgba, mask, "none"),
        "refine guided": lambda: refine.refine_alpha(rgba, mask, "guided", small=small),
        "refine matte": lambda: refine.refine_alpha(rgba, mask, "matte", small=small),
        "hint map, 4 strokes (snap)": lambda: strokes.to_map_box(rgba.shape[:2]),
        "refine matte + 4 strokes": lambda: refine.refine_alpha(rgba, mask, "matte", small=small, hints=hint_map,
                                                                hint_box=hint_box),
        "threshold 0.05-0.9": lambda: refine.threshold_alpha(alpha8, 0.05, 0.9),
        "feather 3 px": lambda: feather_alpha(alpha8, 3.0),
        "decontaminate 1.0": lambda: foreground.decontaminate(rgba, alpha8, 1.0, small=small),
        "copy of the photo": rgba.copy,
    }
    copy_ms = time_ms(rgba.copy, runs)
    # render() writes into its rgba (the worker's own copy): give it a fresh one each run.
    renders = {name: (lambda s=s: render(rgba.copy(), mask, s, background=backdrop)) for name, s in SETTINGS.items()}
    band = refine._refine_weight(np.clip(mask, 0, 1)) > 0  # where the default refines
    compared = baseline_timings(rgba, mask, baseline, runs) if baseline else None
    return {
        "stroke_ms": {f"png: {k}": v for k, v in stroke_timings(rgba, mask, runs).items()},
        "baseline_ms": compared,
        "python": ("Pyodide" if sys.platform == "emscripten" else "CPython") + " " + platform.python_version(),
        "platform": sys.platform,
        "steps_ms": {name: time_ms(step, runs) for name, step in steps.items()},
        "render_ms": {name: round(time_ms(call, runs) - copy_ms, 1) for name, call in renders.items()},
        "size": [rgba.shape[1], rgba.shape[0]],
        "band_share": round(float(band.mean()), 4),
        "runs": runs,
    }


def run_in_pyodide(inputs_path, runs, baseline=None, only=None):
    """step_timings inside Pyodide under Node, on the saved inputs."""
    pyodide = ROOT / "dist" / "vendor" / "pyodide"
    if not (pyodide / "pyodide.mjs").is_file():
        sys.exit("no dist/vendor/pyodide: run `python3 build.py build` first")
    script = ROOT / "bench" / "pyodide_timing.mjs"
    command = ["node", str(script), str(pyodide), str(ROOT), str(inputs_path), str(runs)]
    command.append(str(Path(baseline).resolve()) if baseline else "")
    if only:
        command.append(only)
    completed = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def print_table(results):
    names = list(results)
    if "steps_ms" not in results[names[0]]:
        print(f"\n12 MP ({SIZE[1]}×{SIZE[0]}), wall ms, median of {results[names[0]]['runs']}")
        header = "".join(f"{results[name]['python'][:16]:>18}" for name in names)
        print(f"\n{'one more stroke':<44}{header}")
        for row in results[names[0]]["stroke_ms"]:
            print(f"{row:<44}" + "".join(f"{results[name]['stroke_ms'][row]:>18}" for name in names))
        return
    print(f"\n12 MP ({SIZE[1]}×{SIZE[0]}), wall ms, median of {results[names[0]]['runs']}; "
          f"uncertain band {results[names[0]]['band_share']:.1%} of the pixels")
    header = "".join(f"{results[name]['python'][:16]:>18}" for name in names)
    for kind in ("steps_ms", "render_ms", "stroke_ms"):
        print(f"\n{ {'steps_ms': 'step', 'render_ms': 'render() with'}.get(kind, 'one more stroke'):<34}{header}")
        for row in results[names[0]][kind]:
            print(f"{row:<34}" + "".join(f"{results[name][kind][row]:>18.1f}" for name in names))
    print("\n(render times exclude the copy of the input the benchmark makes)")
    if results[names[0]].get("baseline_ms"):
        print(f"\nthis tree vs --baseline, interleaved, median of {results[names[0]]['runs']}")
        for row in results[names[0]]["baseline_ms"]:
            print(f"{row:<34}" + "".join(f"{results[name]['baseline_ms'][row]['this']:>9.1f} vs"
                                         f"{results[name]['baseline_ms'][row]['baseline']:>6.1f}" for name in names))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-pyodide", action="store_true", help="CPython only")
    parser.add_argument("--baseline", type=Path, help="a folder with another version's peel package to compare")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "render-timing.json")
    parser.add_argument("--only", choices=["strokes"], help="only the stroke rows (full vs region re-render)")
    args = parser.parse_args(argv)

    from buildtools import paths
    model = paths.SERVED_MODEL if paths.SERVED_MODEL.is_file() else paths.upstream_model()
    if not model.is_file():
        sys.exit("no model: run `python3 build.py build` first")
    inputs = make_inputs(model)
    load_before = os.getloadavg()[0]
    results = {"cpython": step_timings(**inputs, runs=args.runs, baseline=args.baseline, only=args.only)}
    if not args.no_pyodide:
        with tempfile.TemporaryDirectory() as scratch:
            inputs_path = Path(scratch) / "inputs.npz"
            np.savez(inputs_path, **inputs)
            results["pyodide"] = run_in_pyodide(inputs_path, args.runs, args.baseline, args.only)
    print_table(results)
    load = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(f"load average (1 min) before and after: {load[0]}, {load[1]} on {os.cpu_count()} cores")
    report = {"date": time.strftime("%Y-%m-%d %H:%M"), "load_average": load, **results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"saved {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
