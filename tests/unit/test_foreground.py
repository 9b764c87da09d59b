"""peel.foreground: colour decontamination of the partially transparent pixels."""

import numpy as np
import pytest

from peel.errors import ArgumentTypeError, ImageTypeError, InvalidArgumentError, InvalidImageError
from peel.foreground import decontaminate, partial_pixels

SIZES = [(1, 1), (1, 9), (9, 1), (5, 3), (17, 31), (401, 299)]
RED, BLUE = np.array([255, 0, 0]), np.array([0, 0, 255])


def red_on_blue(size=(40, 400), coverage=0.4):
    """A red subject on the left, blue on the right, one column of `coverage` between them.

    Returns rgba (H, W, 4) uint8 and alpha8 (H, W) uint8 (the true alpha).
    """
    height, width = size
    edge = width // 2
    rgba = np.zeros((height, width, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[:, :edge, :3] = RED
    rgba[:, edge:, :3] = BLUE
    rgba[:, edge, :3] = np.round(coverage * RED + (1 - coverage) * BLUE)
    alpha8 = np.zeros((height, width), np.uint8)
    alpha8[:, :edge] = 255
    alpha8[:, edge] = round(coverage * 255)
    return rgba, alpha8


def random_case(size, seed=0):
    rng = np.random.default_rng(seed)
    rgba = rng.integers(0, 256, (*size, 4), dtype=np.uint8)
    alpha8 = rng.choice(np.array([0, 255, 1, 77, 128, 200, 254], np.uint8), size)
    return rgba, alpha8


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("strength", [0.0, 0.3, 1.0])
def test_only_partial_colours_change(size, strength):
    rgba, alpha8 = random_case(size, seed=1)
    before = rgba.copy()
    out = decontaminate(rgba, alpha8, strength)
    assert out.shape == rgba.shape and out.dtype == np.uint8 and out is not rgba
    np.testing.assert_array_equal(rgba, before)
    np.testing.assert_array_equal(out[..., 3], rgba[..., 3])
    settled = (alpha8 == 0) | (alpha8 == 255)
    np.testing.assert_array_equal(out[settled], rgba[settled])
    if strength == 0:
        np.testing.assert_array_equal(out, rgba)


@pytest.mark.parametrize("coverage", [0.2, 0.4, 0.6, 0.9])
def test_recovers_the_subject_colour_at_a_two_colour_edge(coverage):
    rgba, alpha8 = red_on_blue(coverage=coverage)
    out = decontaminate(rgba, alpha8, 1.0)
    edge = out[:, 200, :3].astype(int)
    before = np.abs(rgba[:, 200, :3].astype(int) - RED).sum(axis=1)
    after = np.abs(edge - RED).sum(axis=1)
    assert (after < before * 0.5).all()


def test_strength_blends_linearly():
    rgba, alpha8 = red_on_blue()
    full = decontaminate(rgba, alpha8, 1.0)[:, 200, :3].astype(float)
    half = decontaminate(rgba, alpha8, 0.5)[:, 200, :3].astype(float)
    original = rgba[:, 200, :3].astype(float)
    np.testing.assert_allclose(half, (full + original) / 2, atol=1)


def test_in_place_and_into_other_buffer():
    rgba, alpha8 = random_case((33, 47), seed=2)
    expected = decontaminate(rgba, alpha8, 0.7)
    other = np.zeros_like(rgba)
    other[:] = rgba
    assert decontaminate(rgba, alpha8, 0.7, out=other) is other
    np.testing.assert_array_equal(other, expected)
    assert decontaminate(rgba, alpha8, 0.7, out=rgba) is rgba
    np.testing.assert_array_equal(rgba, expected)


def test_deterministic_and_large_image_uses_the_small_copy():
    rgba, alpha8 = red_on_blue(size=(600, 2000), coverage=0.5)
    first = decontaminate(rgba, alpha8, 1.0)
    np.testing.assert_array_equal(first, decontaminate(rgba.copy(), alpha8.copy(), 1.0))
    assert np.abs(first[:, 1000, :3].astype(int) - RED).sum(axis=1).max() < 100


def test_no_foreground_or_no_background_anywhere():
    rgba = np.full((20, 30, 4), 90, np.uint8)
    for value in (1, 128, 254):
        out = decontaminate(rgba, np.full((20, 30), value, np.uint8), 1.0)
        assert np.isfinite(out).all() and out.dtype == np.uint8
        assert np.abs(out.astype(int) - 90).max() <= 1  # one colour: nothing to separate


def test_partial_pixels():
    alpha8 = np.array([[0, 1, 255], [254, 0, 128]], np.uint8)
    np.testing.assert_array_equal(partial_pixels(alpha8), [1, 3, 5])


@pytest.mark.parametrize(
    ("rgba", "alpha8", "strength", "out", "error", "match"),
    [
        (np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4), np.uint8), 1.0, None, InvalidImageError, "rgba"),
        (np.zeros((4, 4, 4), np.int16), np.zeros((4, 4), np.uint8), 1.0, None, ImageTypeError, "rgba"),
        (np.zeros((4, 4, 4), np.uint8), np.zeros((4, 4), np.float32), 1.0, None, ArgumentTypeError, "alpha8"),
        (np.zeros((4, 4, 4), np.uint8), np.zeros((4, 5), np.uint8), 1.0, None, InvalidArgumentError, "alpha8"),
        (np.zeros((4, 4, 4), np.uint8), np.zeros((4, 4), np.uint8), 1.5, None, InvalidArgumentError, "strength"),
        (np.zeros((4, 4, 4), np.uint8), np.zeros((4, 4), np.uint8), "1", None, ArgumentTypeError, "strength"),
        (np.zeros((4, 4, 4), np.uint8), np.zeros((4, 4), np.uint8), 1.0, np.zeros((4, 4, 3), np.uint8),
         InvalidArgumentError, "out"),
        (np.zeros((4, 4, 4), np.uint8), np.zeros((4, 4), np.uint8), 1.0, np.zeros((4, 8, 4), np.uint8)[:, ::2],
         InvalidArgumentError, "contiguous"),
    ],
    ids=["rgb", "int16", "float-alpha", "alpha-shape", "strength-range", "strength-type", "out-shape", "out-strided"],
)
def test_errors(rgba, alpha8, strength, out, error, match):
    with pytest.raises(error, match=match):
        decontaminate(rgba, alpha8, strength, out=out)


def test_read_only_out():
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba.flags.writeable = False
    with pytest.raises(InvalidArgumentError, match="read-only"):
        decontaminate(rgba, np.zeros((4, 4), np.uint8), 1.0, out=rgba)
