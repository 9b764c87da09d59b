"""Brushes on a product photo: the user paints on the canvas, the stroke is kept in the original's
pixels and applied before the layout (py/peel/product.py product_layout maps one onto the other)."""

import io

import numpy as np
from PIL import Image
from playwright.sync_api import expect

from peel.hints import read_hints_png, snap_hints
from peel.product import product_layout, render_product, subject_bbox
from peel.refine import HINT_BACKGROUND
from tests.browser.helpers import click_in_settings, set_form
from tests.browser.test_editor import CAR, Editor, editor  # noqa: F401  (the fixture)

SIZE, ASPECT = 1000, (4, 3)  # the canvas: 1000 × 750


def rgba_of(data):
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


def test_an_erase_stroke_on_a_product_canvas_removes_what_is_under_the_pointer_and_undo_restores(app, editor):
    editor.open(CAR)
    _, data = editor.output()
    plain = rgba_of(data)  # the cut-out in the photo's pixels, 480 × 360
    height, width = plain.shape[:2]
    # Where the product photo will put the photo's pixels, from the cut-out alone.
    layout = product_layout(subject_bbox(plain[..., 3]), (height, width), size=SIZE, aspect=ASPECT, margin=0.1)
    (scale_y, scale_x), (offset_y, offset_x) = layout.scale, layout.offset

    def on_canvas(x, y):
        return offset_x + x * scale_x, offset_y + y * scale_y

    set_form(app, product=True, product_size=SIZE, product_aspect="4:3")
    set_form(app, background="transparent")  # product mode turns a transparent background white
    editor.settle()
    name, data = editor.output()
    unedited = rgba_of(data)
    assert unedited.shape[:2] == (750, 1000)
    editor.size = (1000, 750)
    editor.root.locator("[data-testid=zoom-fit]").click()
    # The file is that layout of the cut-out (the engine's own; alpha: the canvas keeps it exactly).
    expected = render_product(plain, size=SIZE, aspect=ASPECT, margin=0.1, background=None)
    assert np.abs(unedited[..., 3].astype(int) - expected[..., 3]).max() <= 1
    assert not editor.root.locator("[data-testid=tool-erase]").is_disabled()

    # An erase stroke along the car's body, painted on the canvas, with the mouse.
    radius = 10  # photo pixels
    path = [(150, 215), (190, 215), (230, 215), (270, 215), (300, 215)]
    editor.tool("erase")
    editor.brush(radius * scale_x)
    mouse = app.mouse
    mouse.move(*editor.to_page(*on_canvas(*path[0])))
    mouse.down()
    for point in path[1:]:
        mouse.move(*editor.to_page(*on_canvas(*point)), steps=6)
    # Mid-stroke, the overlay shows it where the pointer went, not where the photo's pixels would
    # be without the layout.
    overlay = editor.root.locator(".editor-overlay")
    box = overlay.bounding_box()

    def overlay_alpha(x, y):
        """The overlay's opacity over canvas pixel coordinates (x, y)."""
        page_x, page_y = editor.to_page(x, y)
        return overlay.evaluate("""(canvas, [x, y]) => {
            const ratio = canvas.width / canvas.clientWidth;
            return canvas.getContext('2d').getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data[3];
        }""", [page_x - box["x"], page_y - box["y"]])

    assert overlay_alpha(*on_canvas(225, 215)) > 0 and overlay_alpha(*on_canvas(225, 215 + 4 * radius)) == 0
    assert np.hypot(*np.subtract(on_canvas(225, 215), (225, 215))) > 8 * radius  # (the layout moves it far)
    assert overlay_alpha(225, 215) == 0
    mouse.up()
    expect(editor.root).to_have_attribute("data-edits", "1")
    editor.settle()

    # The stroke is kept in the photo's pixels: its hints PNG has the photo's size, the paint
    # along the path.
    with app.expect_download() as info:
        click_in_settings(app, "[data-testid=download-hints]")  # under Advanced
    literal = read_hints_png(open(info.value.path(), "rb").read(), (height, width))
    rows, cols = np.nonzero(literal == HINT_BACKGROUND)
    assert abs(rows.mean() - 215) < 1.5 and 150 - radius - 2 <= cols.min() and cols.max() <= 300 + radius + 2
    assert abs((rows.max() - rows.min()) / 2 - radius) < 2.5

    # The file: see-through under the painted path, unchanged far from it, and still the layout
    # of the (edited) cut-out.
    _, data = editor.output()
    erased = rgba_of(data)
    for x, y in [(160, 215), (200, 215), (240, 215), (280, 215)]:
        canvas_x, canvas_y = on_canvas(x + 0.5, y + 0.5)
        assert unedited[int(canvas_y), int(canvas_x), 3] == 255 and erased[int(canvas_y), int(canvas_x), 3] == 0
    core = snap_hints(literal) == HINT_BACKGROUND
    reach = 2 * radius + 16
    far = np.ones(erased.shape[:2], bool)
    top, left = on_canvas(150 - reach, 215 - reach)[::-1]
    bottom, right = on_canvas(300 + reach, 215 + reach)[::-1]
    far[max(0, int(top)):int(bottom) + 1, max(0, int(left)):int(right) + 1] = False
    assert core.sum() > 1000 and far.mean() > 0.8
    assert np.abs(erased[..., 3].astype(int) - unedited[..., 3])[far].max() <= 1

    # Product mode off: the same stroke, on the photo's pixels.
    set_form(app, product=False)
    editor.settle()
    _, data = editor.output()
    cut = rgba_of(data)
    assert cut.shape[:2] == (height, width) and (cut[..., 3][core] == 0).all()
    assert np.abs(render_product(cut, size=SIZE, aspect=ASPECT, margin=0.1, background=None)[..., 3].astype(int)
                  - erased[..., 3]).max() <= 1  # the product photo was the edited cut-out, laid out

    # Undo (product mode on again) restores the unedited product photo.
    set_form(app, product=True)
    set_form(app, background="transparent")
    editor.settle()
    editor.root.locator("[data-testid=undo]").click()
    expect(editor.root).to_have_attribute("data-edits", "0")
    editor.settle()
    _, data = editor.output()
    np.testing.assert_array_equal(rgba_of(data)[..., 3], unedited[..., 3])
    set_form(app, product=False)
    editor.settle()
