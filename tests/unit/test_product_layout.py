"""The product layout: the transform from the photo's pixels to the product canvas is the one
product.py draws with, and strokes in product mode act on the photo's pixels before the layout."""

import numpy as np
import pytest

from peel import ArgumentTypeError, InvalidArgumentError
from peel.hints import Hints, Stroke
from peel.product import ProductLayout, product_layout, render_product, subject_bbox
from peel.render_cache import RenderCache
from peel.settings import Settings
from tests.unit.test_product import content_box, cut_out
from tests.unit.test_render_cache import scene


def to_canvas(layout, x, y):
    """Canvas coordinates of photo coordinates ``(x, y)`` through ``layout``."""
    (scale_y, scale_x), (offset_y, offset_x) = layout.scale, layout.offset
    return offset_x + x * scale_x, offset_y + y * scale_y


@pytest.mark.parametrize("box", [(20, 30, 80, 60), (0, 0, 100, 150), (45, 70, 47, 140), (10, 149, 90, 150)])
@pytest.mark.parametrize("aspect", [(1, 1), (4, 3), (3, 4)], ids=["1:1", "4:3", "3:4"])
@pytest.mark.parametrize("margin", [0.0, 0.1, 0.3])
@pytest.mark.parametrize("size", [None, 64, 1000])
def test_the_layout_maps_the_subject_box_to_where_it_is_drawn(box, aspect, margin, size):
    rgba = cut_out((100, 150), box)
    image, layout = render_product(rgba, size=size, aspect=aspect, margin=margin, background=None, return_layout=True)
    assert isinstance(layout, ProductLayout)
    assert layout == product_layout(box, rgba.shape[:2], size=size, aspect=aspect, margin=margin)
    assert layout.canvas_shape == image.shape[:2] and layout.source_shape == (100, 150) and layout.bbox == box
    top, left, bottom, right = box
    corners = (*to_canvas(layout, left, top), *to_canvas(layout, right, bottom))
    x0, y0, x1, y1 = (round(value, 9) for value in corners)  # exact up to float rounding
    assert (y0, x0) == layout.position
    assert (y1 - y0, x1 - x0) == layout.placed_shape
    assert content_box(image, None) == (y0, x0, y1, x1)  # the solid box covers exactly its place
    scale_y, scale_x = layout.scale
    if min(layout.placed_shape) > 1:  # one scale, but for the rounding of each placed side
        assert abs(scale_y - scale_x) <= 0.5 / (bottom - top) + 0.5 / (right - left) + 1e-9


@pytest.mark.parametrize("size", [None, 300, 1200])
def test_the_layout_maps_a_point_of_the_photo_onto_its_place(size):
    # A red subject with a green marker off its centre: the marker's centre on the canvas is its
    # centre in the photo, mapped.
    rgba = cut_out((240, 320), (40, 60, 200, 300))
    rgba[150:170, 250:280, :3] = (0, 255, 0)
    image, layout = render_product(rgba, size=size, margin=0.05, background=None, return_layout=True)
    green = (image[..., 1] > 128) & (image[..., 0] < 128) & (image[..., 3] > 128)
    rows, cols = np.nonzero(green)
    x, y = to_canvas(layout, (250 + 280) / 2, (150 + 170) / 2)
    assert abs(cols.mean() + 0.5 - x) < 0.6 and abs(rows.mean() + 0.5 - y) < 0.6


def test_as_dict_gives_the_page_x_before_y():
    layout = product_layout((20, 10, 60, 30), (100, 50), size=100, aspect=(1, 1), margin=0.1)
    assert layout.as_dict() == {"scale": [2.0, 2.0], "offset": [10.0, -30.0], "source": [50, 100],
                                "canvas": [100, 100]}


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(ArgumentTypeError, match="return_layout"):
        render_product(cut_out((10, 10), (2, 2, 8, 8)), return_layout="yes")
    with pytest.raises(InvalidArgumentError, match="bbox"):
        product_layout((0, 0, 20, 5), (10, 10))
    with pytest.raises(InvalidArgumentError, match="margin"):
        product_layout((0, 0, 5, 5), (10, 10), margin=0.6)


def stroke(tool, radius, *points):
    return Stroke(tool, float(radius), tuple(map(tuple, points)))


PRODUCT = dict(product_size=500, product_aspect="4:3", product_margin=0.1)


def product_photo(cutout):
    """``render_product`` of a cut-out with the settings of :data:`PRODUCT`: (image, layout)."""
    return render_product(cutout, size=500, aspect=(4, 3), margin=0.1, background=None, return_layout=True)


@pytest.mark.parametrize("snap", [True, False])
def test_a_stroke_in_product_mode_changes_the_photo_pixels_it_changes_without_it(snap):
    rgba, mask = scene((300, 400))
    plain = Settings(format="png", background="transparent")
    product = Settings(format="png", background="transparent", product=True, **PRODUCT)
    before = RenderCache(rgba, mask).render(plain).copy()
    _, unedited = product_photo(before)
    # An erase inside the disc (its box stays), and one across its left side: the subject's box,
    # and so the whole layout, moves (far, painted literally: the disc's left part goes).
    inside = stroke("erase", 12, (170, 150), (230, 150))
    across = stroke("erase", 40, (110, 40), (110, 260))
    for strokes in [(inside,), (across,), (inside, across)]:
        hints = Hints(strokes, snap)
        cutout = RenderCache(rgba, mask).render(plain, hints=hints).copy()
        assert (cutout[..., 3] != before[..., 3]).sum() > 300  # the strokes did something
        kept = RenderCache(rgba, mask)
        output = kept.render(product, hints=hints)
        # Applied before the layout: the product photo is the edited cut-out, laid out.
        expected, layout = product_photo(cutout)
        np.testing.assert_array_equal(output, expected)
        assert kept.layout == layout == product_layout(subject_bbox(cutout[..., 3]), rgba.shape[:2], size=500,
                                                         aspect=(4, 3), margin=0.1)
        assert (layout != unedited) == (across in strokes)  # snapped too: the rim's haze goes
        if across in strokes and not snap:
            assert layout.bbox[1] - unedited.bbox[1] > 30
        # Where the inside stroke's centre line lies, the canvas is see-through at the mapped place.
        if inside in strokes:
            for x in range(175, 230, 5):
                canvas_x, canvas_y = to_canvas(layout, x + 0.5, 150.5)
                assert before[150, x, 3] == 255 and output[int(canvas_y), int(canvas_x), 3] == 0
    # Without product mode the cache says the output is in the photo's own pixels.
    kept.render(plain, hints=hints)
    assert kept.layout is None


def test_a_region_render_after_a_product_render_says_it_is_in_the_photo_pixels():
    rgba, mask = scene((150, 200))
    kept = RenderCache(rgba, mask)
    one = Hints((stroke("erase", 8, (90, 75), (110, 75)),))
    kept.render(Settings(product=True, product_size=200), hints=one)
    assert kept.layout is not None
    output, box = kept.render_region(Settings(product=True, product_size=200), hints=Hints(one.strokes * 2))
    assert kept.layout is not None and box == (slice(0, output.shape[0]), slice(0, output.shape[1]))
    kept.render(Settings(), hints=one)
    kept.render_region(Settings(), hints=Hints(one.strokes * 2))
    assert kept.layout is None
