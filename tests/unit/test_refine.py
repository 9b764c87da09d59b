"""peel.refine: edge refinement of the upscaled mask, threshold clamping, the small colour copy."""

import numpy as np
import pytest
from PIL import Image

from peel import refine
from peel.errors import ArgumentTypeError, ImageTypeError, InvalidArgumentError, InvalidImageError
from peel.mask import upscale_mask
from peel.morphology import erode
from peel.refine import REFINE_METHODS, downscale_rgb, lookup_grid, refine_alpha, threshold_alpha

SIZES = [(1, 1), (1, 9), (9, 1), (5, 3), (17, 31), (320, 320), (401, 299)]
REFINED = [method for method in REFINE_METHODS if method != "none"]


def random_rgba(size, seed=0):
    rgba = np.random.default_rng(seed).integers(0, 256, (*size, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    return rgba


def blob_mask(seed=0, shape=(320, 320)):
    """A soft disc, like a model output: 1 inside, 0 outside, a few pixels of ramp."""
    y, x = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32)
    radius = np.hypot(y - shape[0] / 2, x - shape[1] / 2)
    rng = np.random.default_rng(seed)
    return np.clip((shape[0] * 0.3 - radius) / 4 + 0.5 + rng.normal(0, 0.01, shape), 0, 1).astype(np.float32)


def step_image(size, column):
    """White right of `column`, black left of it."""
    rgba = np.zeros((*size, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[:, column:, :3] = 255
    return rgba


# ---------------------------------------------------------------- refine_alpha

@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("method", REFINE_METHODS)
def test_refine_alpha_shape_dtype(size, method):
    rgba = random_rgba(size, seed=1)
    before = rgba.copy()
    alpha8 = refine_alpha(rgba, blob_mask(), method)
    assert alpha8.shape == size and alpha8.dtype == np.uint8
    np.testing.assert_array_equal(rgba, before)


@pytest.mark.parametrize("size", SIZES)
def test_refine_none_is_upscale_mask(size):
    mask = blob_mask(seed=2)
    np.testing.assert_array_equal(refine_alpha(random_rgba(size), mask, "none"), upscale_mask(mask, size))


@pytest.mark.parametrize("method", REFINE_METHODS)
@pytest.mark.parametrize("size", [(1, 1), (7, 5), (240, 320)])
@pytest.mark.parametrize("value", [0.0, 1.0])
def test_constant_mask_stays_constant(method, size, value):
    alpha8 = refine_alpha(random_rgba(size, seed=3), np.full((320, 320), value, np.float32), method)
    assert (alpha8 == round(value * 255)).all()


@pytest.mark.parametrize("method", REFINED)
@pytest.mark.parametrize("width", [320, 960, 1283])
def test_perfect_step_edge_keeps_the_step(method, width):
    # The photo's edge and the mask's edge at the same place: the result is the step itself,
    # softened only by the 3×3 mean that keeps single-pixel specks out (one pixel on each side;
    # at an odd width the step falls inside a pixel of the small copy: a pixel more), no wider
    # ramp.
    column = width // 2
    rgba = step_image((40, width), column)
    mask = np.zeros((320, 320), np.float32)
    mask[:, 160:] = 1.0
    alpha8 = refine_alpha(rgba, mask, method)
    expected = np.zeros((40, width), np.uint8)
    expected[:, column:] = 255
    error = np.abs(alpha8.astype(int) - expected)
    assert error[:, :column - 3].max() <= 3 and error[:, column + 3:].max() <= 3
    assert (np.diff(alpha8.astype(int), axis=1) >= 0).all()  # a monotonic ramp, no overshoot
    assert error.mean() < 1.5


@pytest.mark.parametrize("offset", [-1, 1])
def test_matte_moves_the_edge_towards_the_photo_when_the_mask_is_off(offset):
    # The model's edge one of its pixels (3 image pixels) beside the photo's edge: the refined
    # alpha is much nearer the photo's step than the plain upscale (which is 255 off there).
    rgba = step_image((30, 960), 480)
    mask = np.zeros((320, 320), np.float32)
    mask[:, 160 + offset:] = 1.0
    expected = np.zeros((30, 960), int)
    expected[:, 480:] = 255
    refined = np.abs(refine_alpha(rgba, mask, "matte").astype(int) - expected)
    plain = np.abs(refine.upscale_plain(mask, (30, 960)).astype(int) - expected)
    assert refined.sum() < 0.5 * plain.sum()
    assert refined.max() < 128  # every pixel on the right side of 0.5


def test_matte_stays_with_the_model_far_from_its_edge():
    # Two mask pixels off is beyond the refinement's reach (it never moves an edge far from
    # where the model put it): the result is the plain upscale there, not something new.
    rgba = step_image((30, 960), 480)
    mask = np.zeros((320, 320), np.float32)
    mask[:, 163:] = 1.0
    plain = refine.upscale_plain(mask, (30, 960)).astype(int)
    assert np.abs(refine_alpha(rgba, mask, "matte").astype(int) - plain)[:, :470].max() == 0


def test_matte_recovers_a_partial_alpha_from_the_colours(monkeypatch):
    # Red subject over blue with one column at exactly 40 % coverage: the colours give it ...
    rgba = np.zeros((20, 320, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[:, :, 2] = 255
    rgba[:, 161:, :3] = (255, 0, 0)
    rgba[:, 160, :3] = (102, 0, 153)  # 0.4 red + 0.6 blue
    mask = np.zeros((320, 320), np.float32)
    mask[:, 160:] = 1.0
    smoothed = refine_alpha(rgba, mask, "matte").astype(int)
    monkeypatch.setattr(refine, "_SMOOTH_RADIUS", 0)
    alpha8 = refine_alpha(rgba, mask, "matte")
    assert np.abs(alpha8[:, 160].astype(int) - 102).max() <= 2
    assert (alpha8[:, :159] <= 3).all() and (alpha8[:, 161:] == 255).all()
    # ... and the 3×3 mean that keeps specks out spreads it over the neighbouring columns only.
    assert (np.abs(smoothed[:, 160] - 102) <= 30).all() and (smoothed[:, 159] < 60).all()
    assert (smoothed[:, :158] <= 3).all() and (smoothed[:, 161:] == 255).all()


def test_a_one_pixel_speck_in_the_unsure_band_is_no_island():
    # A single subject-coloured pixel of the background, inside the model's unsure band: the
    # colours alone would make it an island (alpha >= 0.5 on its own); the 3×3 mean keeps it a
    # faint trace, while the real edge beside it stays a step.
    rgba = step_image((60, 960), 480)
    rgba[30, 476, :3] = 255
    mask = np.zeros((320, 320), np.float32)
    mask[:, 160:] = 1.0
    alpha8 = refine_alpha(rgba, mask, "matte").astype(int)
    assert 0 < alpha8[30, 476] < 128
    assert (alpha8[:, 482:] >= 250).all() and (alpha8[:, :470] <= 3).all()


def test_a_flat_haze_is_left_as_the_model_made_it():
    # The model half sure about a whole region (no edge in it): however busy the photo, the
    # alpha there is the plainly upscaled mask.
    rgba = random_rgba((300, 300), seed=21)
    mask = np.full((320, 320), 0.5, np.float32)
    mask[:, :60] = 0.0
    alpha8 = refine_alpha(rgba, mask, "matte")
    plain = refine.upscale_plain(mask, (300, 300))
    np.testing.assert_array_equal(alpha8[:, 100:], plain[:, 100:])


def test_no_block_steps_on_a_textured_look_alike_background():
    # The issue-12 failure: a busy background with the subject's colours beside a soft model
    # edge. The refined alpha must not jump at the mask grid's lines (12×9 px blocks at 12 MP)
    # more than between them, and must not scatter into pieces: 4-connected pieces of alpha
    # >= 128 are counted along each row (a run) and must stay few.
    rng = np.random.default_rng(11)
    height, width = 960, 960
    rgba = np.empty((height, width, 4), np.uint8)
    rgba[..., :3] = rng.integers(0, 256, (height, width, 3))  # noise: every colour is near
    rgba[..., 3] = 255
    rgba[:, 480:, :3] = (rgba[:, 480:, :3] // 2 + 100)
    mask = np.clip((np.arange(320, dtype=np.float32) - 160) / 3 + 0.5, 0, 1)[None].repeat(320, 0)
    alpha = refine_alpha(rgba, mask, "matte").astype(int)
    rows = ((np.arange(height) + 0.5) * 320 / height).astype(int)
    on_grid = np.flatnonzero(np.diff(rows))
    steps = np.abs(np.diff(alpha, axis=0))
    assert steps[on_grid].mean() <= 2 * steps[np.setdiff1d(np.arange(height - 1), on_grid)].mean() + 1
    runs_per_row = (np.diff((alpha >= 128).astype(int), axis=1) == 1).sum(axis=1)
    assert runs_per_row.mean() <= 2


@pytest.mark.parametrize("method", REFINED)
def test_refine_alpha_is_deterministic(method):
    rgba = random_rgba((123, 77), seed=4)
    mask = blob_mask(seed=5)
    np.testing.assert_array_equal(refine_alpha(rgba, mask, method), refine_alpha(rgba.copy(), mask.copy(), method))


@pytest.mark.parametrize("method", REFINED)
def test_refine_alpha_accepts_small_and_other_mask_sizes(method):
    rgba = random_rgba((90, 120), seed=6)
    mask = blob_mask(seed=7, shape=(50, 70))
    alpha8 = refine_alpha(rgba, mask, method)
    np.testing.assert_array_equal(alpha8, refine_alpha(rgba, mask, method, small=downscale_rgb(rgba)))
    assert alpha8[45, 60] == 255 and alpha8[0, 0] == 0


def resize_nearest(binary, size):
    """(H, W) uint8 0/1: a boolean array resized nearest-neighbour, as refine_alpha maps pixels."""
    rows = refine._nearest_index(size[0], binary.shape[0])
    cols = refine._nearest_index(size[1], binary.shape[1])
    return np.take(np.take(binary.astype(np.uint8), rows, axis=0), cols, axis=1)


def test_refine_alpha_away_from_the_edge_is_the_plain_upscale():
    rgba = random_rgba((300, 400), seed=8)
    mask = blob_mask(seed=9)
    alpha8 = refine_alpha(rgba, mask, "matte")
    weight = refine._refine_weight(mask)
    far = resize_nearest(~erode(weight == 0, 0) | erode(weight > 0, 0), (300, 400))
    untouched = resize_nearest(erode(weight == 0, 2), (300, 400)).astype(bool)
    np.testing.assert_array_equal(alpha8[untouched], refine.upscale_plain(mask, (300, 400))[untouched])
    assert far.any() and untouched.any()


# ---------------------------------------------------------------- hints (HINTS-CONTRACT.md)

def hint_case(seed=12):
    rgba = random_rgba((120, 160), seed=seed)
    rgba[:, 80:, :3] //= 4
    return rgba, blob_mask(seed=seed)


@pytest.mark.parametrize("method", REFINE_METHODS)
def test_empty_hint_map_is_no_hints(method):
    rgba, mask = hint_case()
    empty = np.full((120, 160), refine.HINT_NONE, np.uint8)
    expected = refine_alpha(rgba, mask, method)
    np.testing.assert_array_equal(refine_alpha(rgba, mask, method, hints=empty), expected)
    other = np.full((120, 160), 7, np.uint8)  # any value but 0, 128, 255 is no hint
    np.testing.assert_array_equal(refine_alpha(rgba, mask, method, hints=other), expected)


@pytest.mark.parametrize("method", REFINE_METHODS)
def test_sure_hints_are_exact(method):
    rgba, mask = hint_case()
    hints = np.full((120, 160), refine.HINT_NONE, np.uint8)
    hints[50:70, 70:90] = refine.HINT_BACKGROUND  # inside the subject: erase
    hints[:10, :20] = refine.HINT_FOREGROUND  # far outside it: restore
    alpha8 = refine_alpha(rgba, mask, method, hints=hints)
    assert (alpha8[50:70, 70:90] == 0).all() and (alpha8[:10, :20] == 255).all()
    assert alpha8[60, 60] == refine_alpha(rgba, mask, method)[60, 60] or method != "none"


def test_unsure_hints_are_solved_from_the_colours_where_the_model_was_sure():
    # The model says "all subject"; the photo is black left of column 80, white right of it;
    # an erase stroke on the left teaches the colour model the background, and the unsure rim
    # around column 80 is solved against it.
    rgba = step_image((120, 160), 80)
    mask = np.ones((320, 320), np.float32)
    hints = np.full((120, 160), refine.HINT_NONE, np.uint8)
    # (The rim is as wide as the colour means reach from its sides: hint colours are local.)
    hints[:, :72] = refine.HINT_BACKGROUND
    hints[:, 72:88] = refine.HINT_UNSURE
    for method in ("matte", "none"):
        alpha8 = refine_alpha(rgba, mask, method, hints=hints)
        assert (alpha8[:, :72] == 0).all()
        assert (alpha8[:, 74:78] <= 32).all(), method  # black: background, although the model said 1
        assert (alpha8[:, 82:] >= 223).all(), method


@pytest.mark.parametrize(("hints", "error"), [
    (np.zeros((120, 161), np.uint8), InvalidArgumentError),
    (np.zeros((120, 160), np.int32), ArgumentTypeError),
    ([[0]], ArgumentTypeError),
])
def test_bad_hints_are_typed_errors_naming_hints(hints, error):
    rgba, mask = hint_case()
    with pytest.raises(error, match="hints"):
        refine_alpha(rgba, mask, hints=hints)


def random_strokes(size, rng):
    """1 to 4 erase/restore strokes, some leaving the image (its borders are painted)."""
    from peel.hints import Stroke

    height, width = size
    return tuple(Stroke(str(rng.choice(["erase", "restore"])), float(rng.uniform(0.5, max(1.0, max(size) / 6))),
                        tuple((float(rng.uniform(-5, width + 5)), float(rng.uniform(-5, height + 5)))
                              for _ in range(rng.integers(1, 5))))
                 for _ in range(rng.integers(1, 5)))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("size", [(1, 1), (7, 5), (120, 160), (301, 457), (40, 900), (960, 720)])
def test_hints_in_their_box_give_what_the_whole_map_gives(size, seed, monkeypatch):
    # refine_alpha works on the hints' bounding box only; the reference takes the whole image as
    # the box, so every hint step runs over the full map.
    from peel.hints import Hints

    rng = np.random.default_rng(seed)
    rgba = random_rgba(size, seed=seed)
    mask = blob_mask(seed=seed)
    hints = Hints(random_strokes(size, rng), snap=bool(seed % 2)).to_map(size)
    if seed % 4 == 3:  # an unsure patch alone on top, its first row mid-strip (see _solve_edges)
        top, left = rng.integers(0, size[0]), rng.integers(0, size[1])
        hints[top:top + 7, left:left + 9] = refine.HINT_UNSURE
        hints[:top] = refine.HINT_NONE
    boxed = {method: refine_alpha(rgba, mask, method, hints=hints) for method in REFINE_METHODS}
    given = refine._hint_box(hints) or (slice(0, 0), slice(0, 0))
    wider = tuple(slice(max(0, s.start - 3), s.stop + 3) for s in given)  # any box holding the hints
    for method in REFINE_METHODS:
        np.testing.assert_array_equal(boxed[method], refine_alpha(rgba, mask, method, hints=hints, hint_box=wider))
    whole = (slice(0, size[0]), slice(0, size[1]))
    monkeypatch.setattr(refine, "_hint_box", lambda hints: whole)
    for method in REFINE_METHODS:
        np.testing.assert_array_equal(boxed[method], refine_alpha(rgba, mask, method, hints=hints), err_msg=method)


@pytest.mark.parametrize(("hint_box", "error"), [
    ([slice(0, 5), slice(0, 5)], ArgumentTypeError),
    ((slice(0, 5),), ArgumentTypeError),
    ((slice(0, 5, 2), slice(0, 5)), InvalidArgumentError),
])
def test_bad_hint_boxes_are_typed_errors(hint_box, error):
    rgba, mask = hint_case()
    hints = np.full((120, 160), refine.HINT_BACKGROUND, np.uint8)
    with pytest.raises(error, match="hint_box"):
        refine_alpha(rgba, mask, hints=hints, hint_box=hint_box)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("size", [(1, 1), (3, 8), (97, 131), (300, 400), (333, 250), (120, 1000)])
def test_hint_box_is_the_smallest_box_holding_every_hint(size, seed):
    rng = np.random.default_rng(seed)
    hints = rng.choice(np.array([1, refine.HINT_NONE, 200], np.uint8), size)  # no hint anywhere
    for _ in range(seed):
        hints[rng.integers(0, size[0]), rng.integers(0, size[1])] = rng.choice(
            [refine.HINT_BACKGROUND, refine.HINT_FOREGROUND, refine.HINT_UNSURE])
    found = np.isin(hints, [refine.HINT_BACKGROUND, refine.HINT_FOREGROUND, refine.HINT_UNSURE])
    box = refine._hint_box(hints)
    if not found.any():
        assert box is None
        return
    rows, cols = np.flatnonzero(found.any(axis=1)), np.flatnonzero(found.any(axis=0))
    assert box == (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("size", "shape"), [((1, 1), (1, 1)), ((7, 5), (3, 2)), ((3000, 4000), (120, 160)),
                                             ((3024, 4032), (120, 160)), ((301, 457), (60, 91)),
                                             ((457, 301), (120, 79)), ((90, 90), (90, 45))])
def test_hint_fraction_of_a_box_is_pillows_resize_of_the_whole_map(size, shape, seed):
    rng = np.random.default_rng(seed)
    top, left = rng.integers(0, size[0]), rng.integers(0, size[1])
    box = (slice(top, rng.integers(top + 1, size[0] + 1)), slice(left, rng.integers(left + 1, size[1] + 1)))
    binary = np.zeros(size, bool)
    binary[box] = rng.random((box[0].stop - box[0].start, box[1].stop - box[1].start)) < rng.uniform(0.1, 1)
    whole = Image.fromarray(binary.astype(np.uint8) * np.uint8(255), "L")
    if whole.size != (shape[1], shape[0]):
        whole = whole.resize((shape[1], shape[0]), Image.Resampling.BOX)
    expected = np.asarray(whole, np.float32) * np.float32(1 / 255)
    np.testing.assert_array_equal(refine._resize_fraction(binary[box], box, size, shape), expected)


@pytest.mark.parametrize(
    ("rgba", "mask", "method", "error", "match"),
    [
        (np.zeros((4, 4, 3), np.uint8), np.ones((320, 320), np.float32), "matte", InvalidImageError, "rgba"),
        (np.zeros((4, 4, 4), np.float32), np.ones((320, 320), np.float32), "matte", ImageTypeError, "rgba"),
        (np.zeros((4, 4, 4), np.uint8), np.ones((320, 320), np.uint8), "matte", ArgumentTypeError, "mask"),
        (np.zeros((4, 4, 4), np.uint8), np.ones((1, 320, 320), np.float32), "matte", InvalidArgumentError, "mask"),
        (np.zeros((4, 4, 4), np.uint8), np.full((8, 8), np.nan, np.float32), "guided", InvalidArgumentError, "NaN"),
        (np.zeros((4, 4, 4), np.uint8), [[0.5]], "matte", ArgumentTypeError, "mask"),
        (np.zeros((4, 4, 4), np.uint8), np.ones((8, 8), np.float32), "fancy", InvalidArgumentError, "method"),
    ],
    ids=["rgb", "float-image", "uint8-mask", "3d-mask", "nan", "list", "method"],
)
def test_refine_alpha_errors(rgba, mask, method, error, match):
    with pytest.raises(error, match=match):
        refine_alpha(rgba, mask, method)


# ---------------------------------------------------------------- threshold_alpha

LEVELS = np.arange(256, dtype=np.uint8)[None, :]


def test_threshold_identity_is_the_same_array():
    alpha8 = random_rgba((5, 6))[..., 0]
    assert threshold_alpha(alpha8, 0.0, 1.0) is alpha8


@pytest.mark.parametrize(("low", "high"), [(0.1, 0.9), (0.05, 0.9), (0.0, 0.5), (0.5, 1.0), (0.3, 0.3), (0.0, 0.0),
                                           (1.0, 1.0), (0.2, 0.8)])
def test_threshold_is_a_monotonic_clamp(low, high):
    out = threshold_alpha(LEVELS, low, high)
    assert out.shape == LEVELS.shape and out.dtype == np.uint8
    assert (np.diff(out[0].astype(int)) >= 0).all()
    levels = LEVELS[0] / 255
    assert (out[0][levels < low] == 0).all()
    assert (out[0][levels >= high] == 255).all() if high > low else (out[0][levels >= low] == 255).all()


def test_threshold_ramp_values():
    np.testing.assert_array_equal(threshold_alpha(np.array([[0, 25, 26, 128, 229, 230, 255]], np.uint8), 0.1, 0.9),
                                  [[0, 0, 1, 128, 254, 255, 255]])


@pytest.mark.parametrize("high", [0.6, 0.9, 1.0])
def test_raising_low_never_raises_alpha(high):
    outputs = [threshold_alpha(LEVELS, low, high).astype(int) for low in np.linspace(0, 0.6, 13)]
    for lower, higher in zip(outputs, outputs[1:]):
        assert (higher <= lower).all()


@pytest.mark.parametrize("size", [(1, 1), (1, 9), (9, 1), (17, 31)])
def test_threshold_shapes(size):
    alpha8 = random_rgba(size, seed=10)[..., 1]
    assert threshold_alpha(alpha8, 0.2, 0.7).shape == size


@pytest.mark.parametrize(
    ("alpha8", "low", "high", "error", "match"),
    [
        (np.zeros((2, 2), np.float32), 0.1, 0.9, ArgumentTypeError, "alpha8"),
        (np.zeros((2, 2, 1), np.uint8), 0.1, 0.9, ArgumentTypeError, "alpha8"),
        (np.zeros((2, 2), np.uint8), -0.1, 0.9, InvalidArgumentError, "low"),
        (np.zeros((2, 2), np.uint8), 0.1, 1.5, InvalidArgumentError, "high"),
        (np.zeros((2, 2), np.uint8), 0.8, 0.2, InvalidArgumentError, "low"),
        (np.zeros((2, 2), np.uint8), "0.1", 0.9, ArgumentTypeError, "low"),
        (np.zeros((2, 2), np.uint8), 0.1, True, ArgumentTypeError, "high"),
    ],
)
def test_threshold_errors(alpha8, low, high, error, match):
    with pytest.raises(error, match=match):
        threshold_alpha(alpha8, low, high)


# ---------------------------------------------------------------- helpers

@pytest.mark.parametrize(("size", "expected"), [((1, 1), (1, 1)), ((3000, 4000), (240, 320)),
                                                ((100, 50), (100, 50)), ((1, 5000), (1, 320))])
def test_downscale_rgb(size, expected):
    rgba = np.full((*size, 4), 200, np.uint8)
    small = downscale_rgb(rgba)
    assert small.shape == (*expected, 3) and small.dtype == np.float32
    np.testing.assert_allclose(small, 200 / 255, atol=1e-6)


def test_lookup_grid_reads_back_a_smooth_map():
    y, x = np.mgrid[0:24, 0:32].astype(np.float32)
    values = np.stack([x / 31, y / 23], axis=2)
    grid, rows, cols = lookup_grid(values, (3000, 4000))
    assert grid.shape == (384, 512, 2) and rows.shape == (3000,) and cols.shape == (4000,)
    corner = grid[rows[-1], cols[-1]]
    np.testing.assert_allclose(corner, [1, 1], atol=0.02)
    small_grid, small_rows, small_cols = lookup_grid(values, (24, 32))  # no upscale: the map itself
    np.testing.assert_array_equal(small_grid[small_rows][:, small_cols], values)
