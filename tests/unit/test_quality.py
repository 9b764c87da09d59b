"""Regression: on exact-ground-truth composites, the default edges beat plain upscaling.

The composites are bench/composites.py's (drawn layers with exact alpha and colour, over white,
colour and busy backgrounds), smaller than the benchmark's to keep the test quick, through the
real model (native onnxruntime). bench/quality.py measured the default refinement's total alpha
SAD at -17.7 % of plain bilinear upscaling over its 36 composites (README, "Edge quality"); the
test asserts at least that margin, and that no single composite gets worse.
"""

import numpy as np
import pytest

from bench.composites import make_composites
from peel.foreground import decontaminate
from peel.mask import normalize_prediction
from peel.preprocess import as_rgba, prepare_input
from peel.refine import refine_alpha, threshold_alpha
from peel.settings import Settings

#: Total SAD reduction of the defaults in bench/quality.py (rounded down).
BENCH_MARGIN = 0.17
LAYERS = [("hairy", (640, 480)), ("portrait", (480, 640)), ("fur", (640, 480)), ("soft", (480, 640))]


@pytest.fixture(scope="module")
def cases(native_infer):
    out = []
    for comp in make_composites(layers=LAYERS):
        rgba = as_rgba(comp.image)
        out.append((comp, rgba, normalize_prediction(native_infer(prepare_input(rgba)))))
    return out


def default_alpha8(rgba, mask):
    settings = Settings()
    return threshold_alpha(refine_alpha(rgba, mask, settings.refine), *settings.threshold_range)


def test_default_alpha_beats_bilinear_by_the_benchmark_margin(cases):
    bilinear = default = 0.0
    for comp, rgba, mask in cases:
        plain = np.abs(refine_alpha(rgba, mask, "none") / 255 - comp.alpha).sum() / 1000
        refined = np.abs(default_alpha8(rgba, mask) / 255 - comp.alpha).sum() / 1000
        print(f"{comp.name}: SAD bilinear {plain:.2f}, default {refined:.2f}")
        assert refined <= plain * 1.02, comp.name  # no composite notably worse
        bilinear += plain
        default += refined
    print(f"total: bilinear {bilinear:.1f}, default {default:.1f} ({default / bilinear - 1:+.1%})")
    assert default <= (1 - BENCH_MARGIN) * bilinear


def test_decontamination_lowers_the_foreground_colour_error(cases):
    errors = {0.0: [], 1.0: []}
    for comp, rgba, mask in cases:
        alpha8 = default_alpha8(rgba, mask)
        partial = (comp.alpha > 0) & (comp.alpha < 1)
        weight = comp.alpha[partial]
        for strength in errors:
            colours = decontaminate(rgba, alpha8, strength)[..., :3]
            diff = np.abs(colours[partial].astype(np.float32) - comp.fg[partial]).mean(axis=1)
            errors[strength].append(float((diff * weight).sum() / weight.sum()))
    print({strength: np.round(values, 1).tolist() for strength, values in errors.items()})
    # bench/quality.py: 30.9 -> 21.6 on its larger composites; these small ones gain less
    # (measured -3.6 %, better on 9 of 12: blur fusion is weakest over busy backgrounds), so
    # only the direction is asserted.
    assert np.mean(errors[1.0]) < np.mean(errors[0.0])
    assert sum(on < off for on, off in zip(errors[1.0], errors[0.0])) >= len(cases) * 2 // 3


def test_composites_are_exact_by_construction():
    comp = next(make_composites(layers=[("hairy", (160, 120))], backgrounds=("colour",)))
    assert comp.image.shape == (120, 160, 3) and comp.alpha.shape == (120, 160) and comp.fg.shape == (120, 160, 3)
    assert comp.alpha.min() == 0 and comp.alpha.max() == 1
    assert ((comp.alpha > 0) & (comp.alpha < 1)).sum() > 100  # antialiased edges and strands
    background = comp.image[0, 0].astype(np.float32)  # plain colour: the corner is background
    expected = np.round(comp.alpha[..., None] * comp.fg + (1 - comp.alpha[..., None]) * background)
    np.testing.assert_array_equal(comp.image, expected)
