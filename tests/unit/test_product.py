"""Product photos: subject box with specks, placement, presets, shadow, compositing, errors."""

from collections import deque

import numpy as np
import pytest

from peel import ArgumentTypeError, ImageTypeError, InvalidArgumentError, InvalidImageError, PeelError
from peel.product import (
    ALPHA_THRESHOLD,
    MAX_CANVAS_SIDE,
    SIZE_PRESETS,
    NoSubjectError,
    canvas_shape,
    contact_shadow,
    place_on_canvas,
    render_product,
    subject_bbox,
)

RED = (200, 30, 40)


def cut_out(shape, box, colour=RED, alpha=255):
    """(H, W, 4) uint8 cut-out: a solid rectangle ``box`` = (top, left, bottom, right), black transparent elsewhere."""
    rgba = np.zeros((*shape, 4), np.uint8)
    top, left, bottom, right = box
    rgba[top:bottom, left:right] = (*colour, alpha)
    return rgba


def content_box(image, background):
    """(top, left, bottom, right) of the pixels that differ from the background colour / transparency."""
    if background is None:
        differs = image[..., 3] > 0
    else:
        differs = (image[..., :3] != np.asarray(background, np.uint8)).any(axis=2)
    rows = np.nonzero(differs.any(axis=1))[0]
    cols = np.nonzero(differs.any(axis=0))[0]
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def reference_bbox(alpha8, threshold, min_area_fraction):
    """Pixel-exact reference: 8-connected parts by breadth-first search, areas by pixel count."""
    mask = alpha8 > threshold
    labels = np.full(mask.shape, -1, np.int64)
    areas = []
    height, width = mask.shape
    for start in zip(*np.nonzero(mask)):
        if labels[start] >= 0:
            continue
        label, queue, area = len(areas), deque([start]), 0
        labels[start] = label
        while queue:
            y, x = queue.popleft()
            area += 1
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    ny, nx = y + dy, x + dx
                    if 0 <= ny < height and 0 <= nx < width and mask[ny, nx] and labels[ny, nx] < 0:
                        labels[ny, nx] = label
                        queue.append((ny, nx))
        areas.append(area)
    if not areas:
        return None
    areas = np.asarray(areas, np.float64) * 255  # the same scale as the implementation's
    kept = np.nonzero(areas >= min_area_fraction * areas.max())[0]
    ys, xs = np.nonzero(np.isin(labels, kept))
    return int(ys.min()), int(xs.min()), int(ys.max()) + 1, int(xs.max()) + 1


# ----------------------------------------------------------------- subject_bbox

# Sizes cover the exact-pixel grid (<= 256 px), cells of 4 and 16 px, and the 22-px cap
# with a partial last cell.
@pytest.mark.parametrize("shape", [(120, 200), (700, 1000), (3000, 4000), (300, 5630)])
@pytest.mark.parametrize("seed", [0, 1])
def test_subject_bbox_ignores_specks(shape, seed):
    rng = np.random.default_rng(seed)
    height, width = shape
    alpha8 = np.zeros(shape, np.uint8)
    # The subject: a block in the middle third of each axis with a feathered edge.
    top, left = rng.integers(height // 3, height // 2), rng.integers(width // 3, width // 2)
    bottom, right = top + height // 4, left + width // 4
    alpha8[top:bottom, left:right] = 255
    alpha8[top - 1, left:right] = 40      # soft edge above the threshold: part of the box
    alpha8[bottom, left:right] = 9
    alpha8[top:bottom, left - 1] = ALPHA_THRESHOLD  # at the threshold: not part of it
    expected = (top - 1, left, bottom + 1, right)
    # Specks: single pixels and small blobs (< 1 % of the subject), apart from each other and far
    # from the subject (top sixth), a short line on the bottom border, and haze at the threshold.
    for i in range(12):
        y, x = rng.integers(0, height // 6), i * width // 12 + rng.integers(0, 4)
        alpha8[y:y + rng.integers(1, 4), x:x + rng.integers(1, 4)] = rng.integers(ALPHA_THRESHOLD + 1, 256)
    alpha8[height - 1, : width // 20] = 255
    alpha8[height // 6:, width - 1] = ALPHA_THRESHOLD  # haze at the threshold, anywhere
    before = alpha8.copy()
    assert subject_bbox(alpha8) == expected
    np.testing.assert_array_equal(alpha8, before)
    # Keeping every part finds the box of all pixels above the threshold.
    ys, xs = np.nonzero(alpha8 > ALPHA_THRESHOLD)
    assert subject_bbox(alpha8, min_area_fraction=0) == (ys.min(), xs.min(), ys.max() + 1, xs.max() + 1)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("min_area_fraction", [0.0, 0.05, 0.3, 1.0])
def test_subject_bbox_matches_pixel_reference(seed, min_area_fraction):
    # Up to 256 px the grid is the pixels themselves: the result must equal a plain BFS labelling,
    # on shapes that need propagation in every direction (random blobs, U shapes, diagonals).
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(20, 90)), int(rng.integers(20, 90)))
    noise = rng.random(shape)
    alpha8 = np.where(noise < rng.uniform(0.05, 0.5), rng.integers(0, 256, shape), 0).astype(np.uint8)
    for threshold in (0, ALPHA_THRESHOLD, 100):
        expected = reference_bbox(alpha8, threshold, min_area_fraction)
        assert subject_bbox(alpha8, threshold, min_area_fraction) == expected


def test_subject_bbox_soft_edges_follow_threshold():
    # A disc whose alpha falls linearly from 255 to 0 over 30 px.
    yy, xx = np.mgrid[:300, :400]
    distance = np.hypot(yy - 140.5, xx - 210.5)
    alpha8 = np.clip((100 - distance) * 255 / 30, 0, 255).astype(np.uint8)
    for threshold in (0, 8, 128, 254):
        ys, xs = np.nonzero(alpha8 > threshold)
        expected = (ys.min(), xs.min(), ys.max() + 1, xs.max() + 1)
        assert subject_bbox(alpha8, threshold) == expected


def test_subject_bbox_keeps_parts_of_similar_size_and_thin_links():
    alpha8 = np.zeros((2000, 3000), np.uint8)
    alpha8[800:1400, 300:1000] = 255    # left shoe
    alpha8[850:1450, 1900:2600] = 255   # right shoe, far apart
    assert subject_bbox(alpha8) == (800, 300, 1450, 2600)
    # A 1-px diagonal wire from a block to a far pendant keeps them one part, even with
    # min_area_fraction=1 (the wire's cells connect diagonally on the grid).
    alpha8[:] = 0
    alpha8[100:300, 100:300] = 255
    for step in range(1500):
        alpha8[300 + step, 300 + step] = 200
    alpha8[1800:1810, 1800:1810] = 255
    assert subject_bbox(alpha8, min_area_fraction=1.0) == (100, 100, 1810, 1810)


def test_subject_bbox_min_area_fraction_is_relative_to_largest_part():
    alpha8 = np.zeros((200, 200), np.uint8)
    alpha8[10:110, 10:110] = 255  # 10000 px
    alpha8[150:160, 150:170] = 255  # 200 px = 2 %
    assert subject_bbox(alpha8, min_area_fraction=0.01) == (10, 10, 160, 170)
    assert subject_bbox(alpha8, min_area_fraction=0.02) == (10, 10, 160, 170)
    assert subject_bbox(alpha8, min_area_fraction=0.03) == (10, 10, 110, 110)


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (7, 1), (300, 5630), (1, 6000)])
def test_subject_bbox_empty_alpha_is_none(shape):
    assert subject_bbox(np.zeros(shape, np.uint8)) is None
    assert subject_bbox(np.full(shape, ALPHA_THRESHOLD, np.uint8)) is None
    assert subject_bbox(np.full(shape, 255, np.uint8)) == (0, 0, *shape)


@pytest.mark.parametrize("shape", [(1, 1), (5, 9), (300, 5630)])
def test_subject_bbox_single_pixel_anywhere(shape):
    # One pixel is never lost by the grid reduction, in any position of a cell (22 px cells
    # for the wide image, including the partial last one) and on the borders.
    rng = np.random.default_rng(3)
    height, width = shape
    positions = [(0, 0), (height - 1, width - 1), (0, width - 1), (height - 1, 0)]
    positions += [(int(rng.integers(height)), int(rng.integers(width))) for _ in range(20)]
    alpha8 = np.zeros(shape, np.uint8)
    for y, x in positions:
        alpha8[y, x] = ALPHA_THRESHOLD + 1
        assert subject_bbox(alpha8) == (y, x, y + 1, x + 1)
        alpha8[y, x] = 0


def test_subject_bbox_accepts_views_and_read_only():
    rgba = cut_out((50, 60), (5, 6, 40, 50))
    rgba.flags.writeable = False
    assert subject_bbox(rgba[..., 3]) == (5, 6, 40, 50)  # a strided view
    assert subject_bbox(rgba[::-1, :, 3]) == (10, 6, 45, 50)


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"alpha8": np.zeros((4, 4), np.float32)}, ArgumentTypeError, "alpha8"),
        ({"alpha8": np.zeros((4, 4, 1), np.uint8)}, InvalidArgumentError, "alpha8"),
        ({"alpha8": np.zeros((0, 4), np.uint8)}, InvalidArgumentError, "alpha8"),
        ({"alpha8": [[255]]}, ArgumentTypeError, "alpha8"),
        ({"threshold": 255}, InvalidArgumentError, "threshold"),
        ({"threshold": -1}, InvalidArgumentError, "threshold"),
        ({"threshold": 8.0}, ArgumentTypeError, "threshold"),
        ({"threshold": True}, ArgumentTypeError, "threshold"),
        ({"min_area_fraction": -0.1}, InvalidArgumentError, "min_area_fraction"),
        ({"min_area_fraction": 1.5}, InvalidArgumentError, "min_area_fraction"),
        ({"min_area_fraction": float("nan")}, InvalidArgumentError, "min_area_fraction"),
        ({"min_area_fraction": "0.1"}, ArgumentTypeError, "min_area_fraction"),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else None,
)
def test_subject_bbox_rejects_bad_arguments(kwargs, error, name):
    arguments = {"alpha8": np.full((4, 4), 255, np.uint8), **kwargs}
    with pytest.raises(error, match=name):
        subject_bbox(**arguments)


# ----------------------------------------------------------------- canvas_shape

@pytest.mark.parametrize("size", SIZE_PRESETS)
@pytest.mark.parametrize(
    ("aspect", "expected"),
    [((1, 1), lambda s: (s, s)), ((4, 3), lambda s: (s * 3 // 4, s)), ((3, 4), lambda s: (s, s * 3 // 4))],
    ids=["1:1", "4:3", "3:4"],
)
def test_canvas_shape_presets(size, aspect, expected):
    assert canvas_shape(size, aspect) == expected(size)


def test_canvas_shape_custom_width_height_is_exact():
    rng = np.random.default_rng(0)
    for width, height in [(1, 1), (1, MAX_CANVAS_SIDE), (MAX_CANVAS_SIDE, 1), (1234, 567), (567, 1234)] + [
            tuple(int(v) for v in rng.integers(1, MAX_CANVAS_SIDE + 1, 2)) for _ in range(500)]:
        assert canvas_shape(max(width, height), (width, height)) == (height, width)


@pytest.mark.parametrize(
    ("size", "aspect", "error"),
    [
        (0, (1, 1), InvalidArgumentError),
        (MAX_CANVAS_SIDE + 1, (1, 1), InvalidArgumentError),
        (1000.0, (1, 1), ArgumentTypeError),
        (True, (1, 1), ArgumentTypeError),
        ((1000, 1000), (1, 1), ArgumentTypeError),
        (1000, (0, 1), InvalidArgumentError),
        (1000, (1, float("inf")), InvalidArgumentError),
        (1000, (-4, 3), InvalidArgumentError),
        (1000, (4, 3, 1), ArgumentTypeError),
        (1000, "4:3", ArgumentTypeError),
        (1000, 1.5, ArgumentTypeError),
    ],
)
def test_canvas_shape_rejects_bad_arguments(size, aspect, error):
    with pytest.raises(error, match="size" if aspect == (1, 1) else "aspect"):
        canvas_shape(size, aspect)


# ---------------------------------------------------------------- place_on_canvas

SUBJECTS = {"wide": (60, 10, 100, 170), "tall": (10, 60, 170, 100), "square": (50, 50, 110, 110)}


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("aspect", [(1, 1), (4, 3), (3, 4)], ids=["1:1", "4:3", "3:4"])
@pytest.mark.parametrize("margin", [0.0, 0.1, 0.25, 0.45])
@pytest.mark.parametrize("size", [100, 1000])
def test_place_on_canvas_respects_margin_and_centres(subject, aspect, margin, size):
    box = SUBJECTS[subject]
    rgba = cut_out((180, 180), box)
    out = place_on_canvas(rgba, box, size=size, aspect=aspect, margin=margin)
    height, width = canvas_shape(size, aspect)
    assert out.shape == (height, width, 3) and out.dtype == np.uint8
    top, left, bottom, right = content_box(out, (255, 255, 255))
    inset = margin * min(height, width)
    gaps = (top, height - bottom, left, width - right)
    assert min(gaps) >= inset - 1  # never inside the margin
    assert abs(top - (height - bottom)) <= 1 and abs(left - (width - right)) <= 1  # centred
    # It fills the inner box on one axis.
    assert min(top + height - bottom, left + width - right) <= 2 * inset + 2
    # Proportions kept: one side fits the inner box, the other is rounded from it.
    box_height, box_width = box[2] - box[0], box[3] - box[1]
    placed_height, placed_width = bottom - top, right - left
    assert min(abs(placed_width - placed_height * box_width / box_height),
               abs(placed_height - placed_width * box_height / box_width)) <= 0.5 + 1e-9
    # The inside of the subject keeps its colour exactly.
    assert tuple(out[(top + bottom) // 2, (left + right) // 2]) == RED


@pytest.mark.parametrize("background", [(255, 255, 255), (12, 34, 56), (0, 0, 0)])
def test_place_on_canvas_background_in_corners(background):
    rgba = cut_out((50, 80), (10, 20, 40, 60))
    out = place_on_canvas(rgba, (10, 20, 40, 60), size=300, aspect=(4, 3), margin=0.1, background=background)
    assert out.shape == (225, 300, 3)
    for corner in (out[0, 0], out[0, -1], out[-1, 0], out[-1, -1]):
        assert tuple(corner) == background


def test_place_on_canvas_transparent_keeps_alpha():
    rgba = cut_out((50, 80), (10, 20, 40, 60), alpha=128)
    rgba[20:30, 30:50, 3] = 255
    out = place_on_canvas(rgba, (10, 20, 40, 60), size=400, margin=0.1, background=None)
    assert out.shape == (400, 400, 4) and out.dtype == np.uint8
    for corner in (out[0, 0], out[0, -1], out[-1, 0], out[-1, -1]):
        assert tuple(corner) == (0, 0, 0, 0)
    top, left, bottom, right = content_box(out, None)
    assert out[top + 5, left + 5, 3] == 128  # the translucent part stays translucent
    assert out[200, 200, 3] == 255           # the opaque middle stays opaque
    assert tuple(out[200, 200, :3]) == RED
    # Resampling runs on 8-bit premultiplied colours: at alpha 128 a colour may move by 1.
    assert np.abs(out[top + 5, left + 5, :3].astype(int) - RED).max() <= 1


@pytest.mark.parametrize("background", [(255, 255, 255), None], ids=["white", "transparent"])
def test_place_on_canvas_has_no_dark_fringes(background):
    # Red disc with a soft edge; colour under transparent pixels is black. Resizing straight
    # (non-premultiplied) colours would pull the edge towards black.
    yy, xx = np.mgrid[:400, :400]
    alpha = np.clip((150 - np.hypot(yy - 200, xx - 200)) * 255 / 6, 0, 255).astype(np.uint8)
    rgba = np.zeros((400, 400, 4), np.uint8)
    rgba[..., 0] = np.where(alpha > 0, 255, 0)
    rgba[..., 3] = alpha
    box = subject_bbox(alpha)
    for size in (97, 1000):  # down and up
        out = place_on_canvas(rgba, box, size=size, margin=0.05, background=background)
        if background is None:
            visible = out[..., 3] >= 16
            assert (out[..., 0][visible] >= 240).all()
            assert (out[..., 1:3][visible] <= 2).all()
        else:
            # Every pixel is on the red-white line: R stays 255, G == B.
            assert (out[..., 0] >= 254).all()
            assert (np.abs(out[..., 1].astype(int) - out[..., 2]) <= 1).all()


def test_place_on_canvas_size_none_keeps_resolution():
    rng = np.random.default_rng(7)
    rgba = rng.integers(0, 256, (60, 90, 4), dtype=np.uint8)
    box = (5, 7, 45, 80)
    for aspect in [(1, 1), (4, 3), (3, 4)]:
        out = place_on_canvas(rgba, box, size=None, aspect=aspect, margin=0.1, background=None)
        height, width = out.shape[:2]
        assert abs(width / height - aspect[0] / aspect[1]) < 0.03
        inset = round(0.1 * min(height, width))
        assert height - 2 * inset >= 40 and width - 2 * inset >= 73
        assert min(height - 2 * inset - 40, width - 2 * inset - 73) <= 2  # the smallest such canvas
        y, x = (height - 40) // 2, (width - 73) // 2
        np.testing.assert_array_equal(out[y:y + 40, x:x + 73], rgba[5:45, 7:80])  # unscaled, unchanged
        assert (out[:y, :, 3] == 0).all() and (out[y + 40:, :, 3] == 0).all()


def test_place_on_canvas_size_none_is_capped():
    rgba = cut_out((12, 4000), (1, 0, 11, 4000))
    out = place_on_canvas(rgba, (1, 0, 11, 4000), size=None, aspect=(10, 1), margin=0.1)
    assert out.shape == (408, 4082, 3)  # 4000 px + 2 * round(0.1 * 408) of margin
    out = place_on_canvas(rgba, (1, 0, 11, 4000), size=None, aspect=(10, 1), margin=0.45)
    assert out.shape == (410, MAX_CANVAS_SIDE, 3)  # would need 4396 px: capped, scaled down
    assert content_box(out, (255, 255, 255))[3] - content_box(out, (255, 255, 255))[1] == 4096 - 2 * 184


@pytest.mark.parametrize("shape", [(1, 1), (3, 1), (1, 3), (37, 53)])
def test_place_on_canvas_one_pixel_subject(shape):
    rgba = np.zeros((*shape, 4), np.uint8)
    y, x = shape[0] // 2, shape[1] - 1  # on the right border
    rgba[y, x] = (10, 200, 30, 255)
    box = subject_bbox(rgba[..., 3])
    assert box == (y, x, y + 1, x + 1)
    out = place_on_canvas(rgba, box, size=1000, margin=0.1)
    assert out.shape == (1000, 1000, 3)
    assert content_box(out, (255, 255, 255)) == (100, 100, 900, 900)
    assert (out[100:900, 100:900] == (10, 200, 30)).all()


def test_place_on_canvas_subject_touching_the_border():
    rgba = cut_out((100, 150), (0, 0, 100, 150))  # the whole image, like an opaque photo
    out = place_on_canvas(rgba, (0, 0, 100, 150), size=1500, aspect=(3, 2), margin=0.0)
    assert out.shape == (1000, 1500, 3)
    assert (out == RED).all()  # same proportions, no margin: fills the canvas
    out = place_on_canvas(rgba, (0, 0, 100, 150), size=1600, margin=0.0)
    assert content_box(out, (255, 255, 255)) == (266, 0, 1333, 1600)  # 1600 x 1067, centred


def test_place_on_canvas_is_deterministic_and_leaves_input_alone():
    rng = np.random.default_rng(11)
    rgba = rng.integers(0, 256, (300, 200, 4), dtype=np.uint8)
    before = rgba.copy()
    first = place_on_canvas(rgba, (20, 30, 280, 170), size=1000, aspect=(3, 4))
    second = place_on_canvas(rgba, (20, 30, 280, 170), size=1000, aspect=(3, 4))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(rgba, before)
    # Read-only and non-contiguous inputs give the same result as a fresh contiguous copy.
    flipped = rgba[::-1, ::-1]
    flipped.flags.writeable = False
    expected = place_on_canvas(flipped.copy(), (20, 30, 280, 170), size=500, background=None)
    np.testing.assert_array_equal(place_on_canvas(flipped, (20, 30, 280, 170), size=500, background=None), expected)


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"rgba": np.zeros((10, 10, 3), np.uint8)}, InvalidImageError, "rgba"),
        ({"rgba": np.zeros((10, 10, 4), np.float32)}, ImageTypeError, "rgba"),
        ({"bbox": (0, 0, 11, 10)}, InvalidArgumentError, "bbox"),
        ({"bbox": (5, 0, 5, 10)}, InvalidArgumentError, "bbox"),
        ({"bbox": (-1, 0, 5, 10)}, InvalidArgumentError, "bbox"),
        ({"bbox": (0, 0, 5.0, 10)}, ArgumentTypeError, "bbox"),
        ({"bbox": None}, ArgumentTypeError, "bbox"),
        ({"margin": 0.46}, InvalidArgumentError, "margin"),
        ({"margin": -0.01}, InvalidArgumentError, "margin"),
        ({"margin": float("nan")}, InvalidArgumentError, "margin"),
        ({"margin": "10%"}, ArgumentTypeError, "margin"),
        ({"size": 0}, InvalidArgumentError, "size"),
        ({"size": "1000"}, ArgumentTypeError, "size"),
        ({"aspect": (1, 0)}, InvalidArgumentError, "aspect"),
        ({"background": (255, 255)}, ArgumentTypeError, "background"),
        ({"background": (255, 255, 256)}, InvalidArgumentError, "background"),
        ({"background": (1.0, 1.0, 1.0)}, ArgumentTypeError, "background"),
        ({"background": "white"}, ArgumentTypeError, "background"),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else None,
)
def test_place_on_canvas_rejects_bad_arguments(kwargs, error, name):
    arguments = {"rgba": cut_out((10, 10), (2, 2, 8, 8)), "bbox": (2, 2, 8, 8), "size": 50, **kwargs}
    with pytest.raises(error, match=name):
        place_on_canvas(arguments.pop("rgba"), arguments.pop("bbox"), **arguments)


# ------------------------------------------------------------------ contact_shadow

def placed_alpha(shape, box):
    alpha = np.zeros(shape, np.uint8)
    top, left, bottom, right = box
    alpha[top:bottom, left:right] = 255
    return alpha


@pytest.mark.parametrize(
    ("shape", "box"),
    [
        ((1000, 1000), (100, 300, 900, 700)),     # margin 0.1, tall
        ((1000, 1000), (350, 100, 650, 900)),     # wide
        ((750, 1000), (20, 400, 730, 600)),       # 20 px below: the shadow must shrink
        ((1000, 1000), (100, 100, 999, 900)),     # 1 px below
        ((1000, 1000), (100, 100, 1000, 900)),    # touching the bottom
        ((1000, 1000), (100, 0, 900, 1000)),      # touching both sides
        ((40, 30), (5, 5, 35, 25)),
        ((3, 3), (1, 1, 2, 2)),
    ],
)
@pytest.mark.parametrize("strength", [0.3, 1.0])
def test_contact_shadow_stays_inside_the_canvas(shape, box, strength):
    alpha = placed_alpha(shape, box)
    before = alpha.copy()
    shadow = contact_shadow(alpha, strength)
    np.testing.assert_array_equal(alpha, before)
    assert shadow.shape == shape and shadow.dtype == np.uint8
    assert shadow.max() <= round(255 * 0.75 * strength)
    height, width = shape
    top, left, bottom, right = box
    rows = np.nonzero(shadow.any(axis=1))[0]
    cols = np.nonzero(shadow.any(axis=0))[0]
    # The outer rows and columns stay free unless the subject itself reaches them.
    assert rows[-1] <= max(bottom - 1, height - 2)
    assert rows[0] >= top
    if left > 0:
        assert cols[0] >= 1
    if right < width:
        assert cols[-1] <= width - 2
    if height - bottom >= 20:
        assert shadow[bottom + 1, (left + right) // 2] > 0  # visible just under the subject


def test_contact_shadow_zero_strength_or_empty_alpha_is_zero():
    alpha = placed_alpha((200, 200), (20, 40, 160, 160))
    assert not contact_shadow(alpha, 0.0).any()
    assert not contact_shadow(alpha, 0).any()
    assert not contact_shadow(np.zeros((200, 200), np.uint8), 1.0).any()


def test_contact_shadow_grows_with_strength_and_is_deterministic():
    alpha = placed_alpha((500, 400), (50, 100, 400, 300))
    shadows = [contact_shadow(alpha, strength) for strength in (0.1, 0.5, 1.0)]
    assert (shadows[0] <= shadows[1]).all() and (shadows[1] <= shadows[2]).all()
    assert shadows[2].max() > shadows[0].max()
    np.testing.assert_array_equal(contact_shadow(alpha, 0.5), shadows[1])


def test_contact_shadow_follows_the_base():
    # A mushroom: wide cap on a narrow stem. The shadow is as wide as the stem, not the cap.
    alpha = placed_alpha((1000, 1000), (100, 100, 400, 900)) | placed_alpha((1000, 1000), (400, 450, 900, 550))
    shadow = contact_shadow(alpha, 1.0)
    below = shadow[900:]
    cols = np.nonzero(below.any(axis=0))[0]
    assert 350 < cols[0] < 450 and 550 < cols[-1] < 650


@pytest.mark.parametrize(
    ("alpha", "strength", "error", "name"),
    [
        (np.zeros((4, 4), np.float32), 0.5, ArgumentTypeError, "alpha_on_canvas"),
        (np.zeros((4, 4, 4), np.uint8), 0.5, InvalidArgumentError, "alpha_on_canvas"),
        (np.zeros((4, 4), np.uint8), 1.5, InvalidArgumentError, "strength"),
        (np.zeros((4, 4), np.uint8), -0.5, InvalidArgumentError, "strength"),
        (np.zeros((4, 4), np.uint8), None, ArgumentTypeError, "strength"),
    ],
)
def test_contact_shadow_rejects_bad_arguments(alpha, strength, error, name):
    with pytest.raises(error, match=name):
        contact_shadow(alpha, strength)


# ------------------------------------------------------------------ render_product

@pytest.mark.parametrize("size", [*SIZE_PRESETS, 777])
@pytest.mark.parametrize("aspect", [(1, 1), (4, 3), (3, 4)], ids=["1:1", "4:3", "3:4"])
def test_render_product_presets_give_exact_sizes(size, aspect):
    rgba = cut_out((40, 30), (5, 5, 35, 25))
    out = render_product(rgba, size=size, aspect=aspect, shadow=True)
    assert out.shape == (*canvas_shape(size, aspect), 3) and out.dtype == np.uint8
    if aspect == (1, 1):
        assert out.shape[:2] == (size, size)


@pytest.mark.parametrize(("width", "height"), [(1234, 567), (800, 1200), (1, 1), (2000, 2)])
def test_render_product_custom_size(width, height):
    rgba = cut_out((40, 30), (5, 5, 35, 25))
    out = render_product(rgba, size=max(width, height), aspect=(width, height), margin=0.05)
    assert out.shape == (height, width, 3)


def test_render_product_with_specks_centres_the_subject():
    rgba = cut_out((600, 800), (200, 300, 500, 450))
    rgba[10:13, 10:13] = (0, 0, 0, 255)       # specks that must not move the subject
    rgba[590, 700] = (0, 0, 0, 255)
    out = render_product(rgba, size=1000, margin=0.1)
    # 300 x 150 scaled to 800 x 400, centred: exactly the subject, no speck.
    assert content_box(out, (255, 255, 255)) == (100, 300, 900, 700)
    assert (out[100:900, 300:700] == RED).all()


def test_render_product_shadow_goes_between_background_and_subject():
    rgba = cut_out((300, 300), (50, 100, 250, 200), alpha=255)
    rgba[60:70, 110:190, 3] = 100  # a translucent part of the subject
    plain = render_product(rgba, size=500, margin=0.2)
    shaded = render_product(rgba, size=500, margin=0.2, shadow=True, shadow_strength=1.0)
    top, left, bottom, right = content_box(plain, (255, 255, 255))
    opaque = np.zeros(plain.shape[:2], bool)
    opaque[top:bottom, left:right] = True
    opaque[top:top + 25, :] = False  # the translucent band, scaled
    # The subject covers the shadow; the shadow darkens the background under it, in grey.
    np.testing.assert_array_equal(shaded[opaque], plain[opaque])
    under = shaded[bottom + 2, (left + right) // 2].astype(int)
    assert under[0] < 240 and under[0] == under[1] == under[2]
    assert (plain[bottom:] == 255).all() and (shaded[0] == 255).all()
    assert (shaded <= plain).all()  # a shadow only darkens
    # strength 0 is the same as no shadow.
    np.testing.assert_array_equal(render_product(rgba, size=500, margin=0.2, shadow=True, shadow_strength=0), plain)


def test_render_product_composites_exactly():
    # Unscaled (size=None) so the expected values are the compositing formula itself.
    rng = np.random.default_rng(5)
    rgba = rng.integers(0, 256, (30, 40, 4), dtype=np.uint8)
    rgba[0, 0, 3] = rgba[-1, -1, 3] = 255  # the box is the whole image
    background = (10, 200, 90)
    out = render_product(rgba, size=None, margin=0.0, background=background, threshold=0, min_area_fraction=0)
    assert out.shape == (40, 40, 3)
    alpha = rgba[..., 3:].astype(np.float64) / 255
    expected = np.round(rgba[..., :3] * alpha + np.asarray(background) * (1 - alpha))
    np.testing.assert_array_equal(out[5:35], expected.astype(np.uint8))
    assert (out[:5] == background).all() and (out[35:] == background).all()


def test_render_product_transparent_with_shadow():
    rgba = cut_out((300, 300), (50, 100, 250, 200))
    out = render_product(rgba, size=500, margin=0.2, background=None, shadow=True, shadow_strength=1.0)
    assert out.shape == (500, 500, 4)
    plain = render_product(rgba, size=500, margin=0.2, background=None)
    top, left, bottom, right = content_box(plain, None)
    np.testing.assert_array_equal(out[top:bottom, left:right], plain[top:bottom, left:right])
    under = out[bottom + 2, (left + right) // 2]
    assert 0 < under[3] <= 192 and tuple(under[:3]) == (0, 0, 0)  # black, translucent
    assert tuple(out[0, 0]) == (0, 0, 0, 0)


def test_render_product_no_subject_raises_typed_error():
    for alpha in (0, ALPHA_THRESHOLD):
        rgba = np.zeros((50, 60, 4), np.uint8)
        rgba[..., 3] = alpha
        with pytest.raises(NoSubjectError, match="^No subject found") as caught:
            render_product(rgba)
        error = caught.value
        assert error.code == "no-subject"
        assert isinstance(error, (InvalidImageError, PeelError, ValueError))


def test_render_product_is_deterministic_and_leaves_input_alone():
    rng = np.random.default_rng(2)
    rgba = rng.integers(0, 256, (120, 90, 4), dtype=np.uint8)
    before = rgba.copy()
    first = render_product(rgba, size=300, shadow=True, aspect=(4, 3))
    np.testing.assert_array_equal(render_product(rgba, size=300, shadow=True, aspect=(4, 3)), first)
    np.testing.assert_array_equal(rgba, before)


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"shadow": "yes"}, ArgumentTypeError, "shadow"),
        ({"shadow_strength": 2}, InvalidArgumentError, "shadow_strength"),
        ({"threshold": 300}, InvalidArgumentError, "threshold"),
        ({"background": (0, 0)}, ArgumentTypeError, "background"),
        ({"size": MAX_CANVAS_SIDE + 1}, InvalidArgumentError, "size"),
        ({"margin": 0.5}, InvalidArgumentError, "margin"),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else None,
)
def test_render_product_rejects_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        render_product(cut_out((10, 10), (2, 2, 8, 8)), **kwargs)
