"""Edge quality of the cut-out on composites with exact ground truth, and the time of each step.

    .venv/bin/python bench/quality.py [--sweep] [--out bench/results/quality.json]

Ground truth (see bench/composites.py for the details): 12 foreground layers are *drawn* —
smooth blobs, shapes with holes, defocused outlines, bodies textured with the fixture photos,
a head and shoulders, hair and fur as hundreds of 0.25–0.75 px strands — at 4× supersampling,
so their alpha is the exact area covered; where layers overlap, colour and alpha are combined
with the *over* operator. Each layer is composited over a plain white, a plain coloured and a
busy background (wood or flag textures from the fixtures, or synthetic clutter): 36 composites,
0.5–1.9 MP, whose true alpha and true foreground colour are known exactly.

Each composite goes through the same code as the browser: ``prepare_input``, the model (native
onnxruntime, the served u2netp-320.onnx when built, else the upstream u2netp.onnx),
``normalize_prediction``, then one alpha method:

- ``bilinear``: the 320-px mask rounded and bilinearly upscaled (``refine.upscale_plain``), the
  baseline;
- ``reference``: rembg's upscale (``refine="none"``: truncation and LANCZOS);
- ``guided``: fast colour-guided filter (``refine="guided"``);
- ``matte``: the band colour solve (``refine="matte"``);
- ``default``: what ``Settings()`` renders (refinement and auto threshold of the defaults).

Alpha metrics, summed or averaged over the composites (alpha in [0, 1]): SAD = Σ|α−α*| / 1000;
MSE ×1000; gradient error = Σ(|∇α|−|∇α*|)² / 1000 with Gaussian-derivative filters (σ = 1.4);
IoU of α > 0.5; SAD split into the edge zone (within 4 mask pixels of a partial true alpha) and
elsewhere; and the per-composite SAD ratio to bilinear (median and geometric mean).

Colour metrics, for the default alpha: foreground colour error = α*-weighted mean |C − F*| (0–255)
over the pixels with 0 < α* < 1, where C is the cut-out's colour (decontamination off: the
photo's; on: the estimate); and the error of the cut-out composited over a new background
(0, 160, 255) against the truth composited over it (mean |·| over all pixels, 0–255).

The time of each step is bench/render_timing.py's (CPython and Pyodide).
``--sweep`` also tries other parameters (band width, thresholds, decontamination radius).
Numbers, not assertions; tests/unit/test_quality.py asserts the margin on a few composites.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py")]

from bench.composites import BACKGROUNDS, make_composites  # noqa: E402
from buildtools import paths  # noqa: E402
from peel import foreground, refine  # noqa: E402
from peel.mask import normalize_prediction  # noqa: E402
from peel.desktop.native import OnnxInference  # noqa: E402
from peel.preprocess import as_rgba, prepare_input  # noqa: E402
from peel.settings import Settings  # noqa: E402

NEW_BACKGROUND = np.array([0, 160, 255], np.float32)
EDGE_ZONE = 4  # mask pixels


# ---------------------------------------------------------------------------- metrics

def _box_any(binary, radius):
    """Dilation of a boolean array by a (2r+1)² square (cumulative sums)."""
    out = binary.astype(np.float32)
    for axis in (0, 1):
        cumulative = np.cumsum(out, axis=axis, dtype=np.float64)
        cumulative = np.concatenate([np.zeros_like(np.take(cumulative, [0], axis=axis)), cumulative], axis=axis)
        size = out.shape[axis]
        index = np.arange(size)
        out = (np.take(cumulative, np.minimum(index + radius + 1, size), axis=axis)
               - np.take(cumulative, np.maximum(index - radius, 0), axis=axis))
    return out > 0.5


def _convolve(values, kernel, axis):
    radius = len(kernel) // 2
    pad = [(0, 0), (0, 0)]
    pad[axis] = (radius, radius)
    padded = np.pad(values, pad, mode="edge")
    out = np.zeros_like(values)
    size = values.shape[axis]
    for offset, weight in enumerate(kernel):
        out += weight * (padded[offset:offset + size] if axis == 0 else padded[:, offset:offset + size])
    return out


def gradient_magnitude(alpha, sigma=1.4):
    """|∇α| with Gaussian-derivative filters, as in the alphamatting.com gradient error."""
    radius = int(np.ceil(3 * sigma))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    gauss = np.exp(-x ** 2 / (2 * sigma ** 2))
    gauss /= gauss.sum()
    derivative = -x / sigma ** 2 * gauss
    derivative /= np.abs(derivative).sum() / 2
    gx = _convolve(_convolve(alpha, gauss, 0), derivative, 1)
    gy = _convolve(_convolve(alpha, gauss, 1), derivative, 0)
    return np.sqrt(gx ** 2 + gy ** 2)


class Truth:
    """Ground truth of one composite and what the metrics need from it, computed once."""

    def __init__(self, comp):
        self.comp = comp
        self.alpha = comp.alpha.astype(np.float32)
        self.gradient = gradient_magnitude(self.alpha)
        partial = (self.alpha > 0) & (self.alpha < 1)
        self.partial = partial
        zone = max(1, round(EDGE_ZONE * max(self.alpha.shape) / 320))
        self.edge = _box_any(partial | _box_any(self.alpha > 0.5, 1) & _box_any(self.alpha <= 0.5, 1), zone)
        a = self.alpha[..., None]
        self.over_new = a * comp.fg + (1 - a) * NEW_BACKGROUND

    def alpha_metrics(self, alpha):
        error = np.abs(alpha - self.alpha)
        return {
            "sad": float(error.sum() / 1000),
            "sad_edge": float(error[self.edge].sum() / 1000),
            "sad_elsewhere": float(error[~self.edge].sum() / 1000),
            "mse": float((error.astype(np.float64) ** 2).mean() * 1000),
            "grad": float(((gradient_magnitude(alpha) - self.gradient) ** 2).sum() / 1000),
            "iou": float(((alpha > 0.5) & (self.alpha > 0.5)).sum() / max(1, ((alpha > 0.5) | (self.alpha > 0.5)).sum())),
        }

    def colour_metrics(self, alpha, colours):
        """colours: (H, W, 3) uint8 of the cut-out; alpha: (H, W) float in [0, 1]."""
        weight = self.alpha[self.partial]
        diff = np.abs(colours[self.partial].astype(np.float32) - self.comp.fg[self.partial]).mean(axis=1)
        a = alpha[..., None]
        over = a * colours + (1 - a) * NEW_BACKGROUND
        return {"fg_error": float((diff * weight).sum() / max(weight.sum(), 1e-9)),
                "composite_error": float(np.abs(over - self.over_new).mean())}


# ---------------------------------------------------------------------------- methods

def default_alpha(rgba, mask, settings=None):
    settings = settings or Settings()
    alpha8 = refine.refine_alpha(rgba, mask, settings.refine)
    return refine.threshold_alpha(alpha8, *settings.threshold_range)


METHODS = {
    "bilinear": lambda rgba, mask: refine.upscale_plain(mask, rgba.shape[:2]),
    "reference": lambda rgba, mask: refine.refine_alpha(rgba, mask, "none"),
    "guided": lambda rgba, mask: refine.refine_alpha(rgba, mask, "guided"),
    "matte": lambda rgba, mask: refine.refine_alpha(rgba, mask, "matte"),
    "default": default_alpha,
}


# ---------------------------------------------------------------------------- runs

def load_cases(infer):
    """(Truth, rgba, mask) for every composite."""
    cases = []
    for comp in make_composites():
        rgba = as_rgba(comp.image)
        mask = normalize_prediction(infer(prepare_input(rgba)))
        cases.append((Truth(comp), rgba, mask))
    return cases


def evaluate(cases, methods):
    """{method: [metrics per composite]} for the alpha methods."""
    results = {name: [] for name in methods}
    for truth, rgba, mask in cases:
        for name, method in methods.items():
            alpha = method(rgba, mask).astype(np.float32) / 255
            results[name].append(truth.alpha_metrics(alpha))
    return results


def evaluate_colours(cases, strengths=(0.0, 0.5, 1.0)):
    """{strength: [colour metrics per composite]} with the default alpha."""
    results = {strength: [] for strength in strengths}
    for truth, rgba, mask in cases:
        alpha8 = default_alpha(rgba, mask)
        alpha = alpha8.astype(np.float32) / 255
        for strength in strengths:
            colours = foreground.decontaminate(rgba, alpha8, strength)[..., :3]
            results[strength].append(truth.colour_metrics(alpha, colours))
    return results


def summarise(per_composite, baseline=None):
    """Totals (sums of SAD, means of the rest) and ratios to the baseline's SAD."""
    summary = {}
    for key in per_composite[0]:
        values = [m[key] for m in per_composite]
        summary[key] = float(sum(values) if key.startswith(("sad", "grad")) else statistics.mean(values))
    if baseline is not None:
        ratios = [m["sad"] / max(b["sad"], 1e-9) for m, b in zip(per_composite, baseline)]
        summary["sad_ratio_median"] = float(statistics.median(ratios))
        summary["sad_ratio_geomean"] = float(np.exp(np.mean(np.log(np.maximum(ratios, 1e-9)))))
        summary["sad_better_on"] = int(sum(r < 1 for r in ratios))
    return summary


def print_alpha_table(summaries, count):
    print(f"\nAlpha over {count} composites (SAD, grad: sums; MSE ×1000, IoU: means; ratio: per-composite SAD / bilinear)")
    header = (f"{'method':<11}{'SAD':>9}{'edge':>9}{'elsewhere':>10}{'MSE':>8}{'grad':>8}{'IoU':>8}"
              f"{'ΔSAD':>8}{'median':>8}{'geomean':>9}{'better':>8}")
    print(header)
    base = summaries["bilinear"]["sad"]
    for name, s in summaries.items():
        print(f"{name:<11}{s['sad']:>9.1f}{s['sad_edge']:>9.1f}{s['sad_elsewhere']:>10.1f}{s['mse']:>8.2f}"
              f"{s['grad']:>8.1f}{s['iou']:>8.4f}{(s['sad'] / base - 1) * 100:>+7.1f}%"
              f"{s.get('sad_ratio_median', 1):>8.3f}{s.get('sad_ratio_geomean', 1):>9.3f}"
              f"{s.get('sad_better_on', 0):>5}/{count}")


def print_colour_table(summaries):
    print("\nColour with the default alpha (0-255): fg error on 0<α*<1 (α*-weighted), composite over a new background")
    for strength, s in summaries.items():
        kinds = "  ".join(f"{kind} {s['fg_error_' + kind]:5.2f}" for kind in BACKGROUNDS)
        print(f"  decontaminate={strength:<4} fg error {s['fg_error']:6.2f} ({kinds})"
              f"   composite error {s['composite_error']:6.3f}")


# ---------------------------------------------------------------------------- sweep

def sweep(cases, baseline):
    """Other parameters of the matte method and the thresholds; prints one line each."""
    print("\nSweep (matte unless said; SAD total, median and geomean of ratios to bilinear)")
    rows = {}

    def run(label, method):
        per = evaluate(cases, {"x": method})["x"]
        s = summarise(per, baseline)
        rows[label] = s
        print(f"  {label:<34} SAD {s['sad']:8.1f}  edge {s['sad_edge']:7.1f}  elsewhere {s['sad_elsewhere']:7.1f}"
              f"  median {s['sad_ratio_median']:.3f}  geomean {s['sad_ratio_geomean']:.3f}", flush=True)

    parameters = [("_GUIDE_EPS", (2e-3, 1e-2)), ("_GUIDE_RADIUS", (1, 2)), ("_SLOPE", (0.01, 0.05)),
                  ("_RAMP", (0.15, 0.5)), ("_SMOOTH_RADIUS", (0, 2)), ("_FIT", (0.003, 0.03))]
    for name, values in parameters:
        saved = getattr(refine, name)
        try:
            for value in values:
                setattr(refine, name, value)
                run(f"{name} {value}", lambda rgba, mask: refine.refine_alpha(rgba, mask, "matte"))
        finally:
            setattr(refine, name, saved)
    for method in ("none", "guided", "matte"):
        for low, high in ((0.02, 0.98), (0.05, 0.95), (0.05, 0.9), (0.1, 0.9), (0.2, 0.8)):
            run(f"{method} + threshold {low}-{high}",
                lambda rgba, mask, m=method, lo=low, hi=high: refine.threshold_alpha(refine.refine_alpha(rgba, mask, m), lo, hi))
    print("\nDecontamination radius (small-copy pixels), default alpha")
    saved_radius = foreground.DECONTAMINATION_RADIUS
    colour_rows = {}
    try:
        for radius in (1, 2, 4, 8):
            foreground.DECONTAMINATION_RADIUS = radius
            per = evaluate_colours(cases, (1.0,))[1.0]
            s = {key: statistics.mean(m[key] for m in per) for key in per[0]}
            colour_rows[radius] = s
            print(f"  radius {radius}: fg error {s['fg_error']:.2f}  composite error {s['composite_error']:.3f}", flush=True)
    finally:
        foreground.DECONTAMINATION_RADIUS = saved_radius
    return {"alpha": rows, "decontamination_radius": colour_rows}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="also try other parameters (slower)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "quality.json")
    args = parser.parse_args()

    model = paths.SERVED_MODEL if paths.SERVED_MODEL.is_file() else paths.upstream_model()
    if not model.is_file():
        sys.exit("no model: run `python3 build.py build` first")
    infer = OnnxInference(model)
    started = time.perf_counter()
    cases = load_cases(infer)
    print(f"{len(cases)} composites, model {model.name}, {time.perf_counter() - started:.1f} s to make and infer")

    per_method = evaluate(cases, METHODS)
    summaries = {name: summarise(per, per_method["bilinear"]) for name, per in per_method.items()}
    print_alpha_table(summaries, len(cases))
    colours = evaluate_colours(cases)
    colour_summaries = {}
    for strength, per in colours.items():
        summary = {key: statistics.mean(m[key] for m in per) for key in per[0]}
        for kind in BACKGROUNDS:
            summary["fg_error_" + kind] = statistics.mean(
                m["fg_error"] for m, (truth, _, _) in zip(per, cases) if truth.comp.name.endswith(kind))
        colour_summaries[str(strength)] = summary
    print_colour_table(colour_summaries)

    report = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "model": model.name,
        "defaults": Settings().to_dict(),
        "composites": [truth.comp.name for truth, _, _ in cases],
        "alpha": {"summary": summaries, "per_composite": per_method},
        "colour": {"summary": colour_summaries},
    }
    if args.sweep:
        report["sweep"] = sweep(cases, per_method["bilinear"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"\n{time.perf_counter() - started:.0f} s; saved {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
