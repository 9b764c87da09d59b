"""The editor: the selected result large, zoom and before/after, and erase/restore strokes that
steer the refinement (py/peel/hints.py), with undo/redo, on a desktop and on a touch phone."""

import io

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from peel.hints import read_hints_png, snap_hints
from peel.refine import HINT_BACKGROUND, HINT_FOREGROUND
from tests.browser.helpers import (RESULT_TIMEOUT_MS, PageErrors, add_files, alpha_mae, card, clear_results,
                                   click_in_settings, download, open_app, set_form, wait_settled)
from tests.conftest import FIXTURES

CAR = FIXTURES / "rembg" / "fixtures" / "car-1.jpg"  # 480 × 360, a car on a plain background


class Editor:
    """The editor panel, driven as a user would: tools, strokes with the mouse, downloads."""

    def __init__(self, page):
        self.page = page
        self.root = page.locator("[data-testid=editor]")
        self.canvas = self.root.locator("[data-testid=editor-canvas]")

    def open(self, path):
        clear_results(self.page)
        add_files(self.page, [str(path)])
        wait_settled(self.page)
        expect(self.root).to_have_attribute("data-name", path.name)
        self.settle()
        self.size = self.alpha().shape[::-1]  # (width, height) of the image
        self.root.locator("[data-testid=zoom-fit]").click()
        return self

    def settle(self):
        """Wait until no render for the image in the editor is pending."""
        expect(self.root).not_to_have_attribute("data-busy", "true", timeout=RESULT_TIMEOUT_MS)
        expect(self.root.locator("a[data-testid=download]")).to_be_visible()

    def fit_scale(self):
        box = self.canvas.bounding_box()
        width, height = self.size
        return box, min(box["width"] / width, box["height"] / height)

    def to_page(self, x, y):
        """Page coordinates of image pixel coordinates, with the view fitted (zoom-fit)."""
        box, scale = self.fit_scale()
        width, height = self.size
        left = box["x"] + (box["width"] - width * scale) / 2
        top = box["y"] + (box["height"] - height * scale) / 2
        return left + x * scale, top + y * scale

    def tool(self, name):
        button = self.root.locator(f"[data-testid=tool-{name}]")
        if button.get_attribute("aria-pressed") != "true":
            button.click()
        expect(button).to_have_attribute("aria-pressed", "true")

    def brush(self, radius):
        """Set the brush (a diameter in screen px) to `radius` image px at the fitted zoom."""
        _, scale = self.fit_scale()
        self.root.locator("input[name=brush_size]").fill(str(round(2 * radius * scale)))

    def stroke(self, tool, radius, points):
        """A mouse stroke through image points; returns once its render is done."""
        edits = int(self.root.get_attribute("data-edits"))
        self.tool(tool)
        self.brush(radius)
        mouse = self.page.mouse
        mouse.move(*self.to_page(*points[0]))
        mouse.down()
        for point in points[1:]:
            mouse.move(*self.to_page(*point), steps=8)
        mouse.up()
        expect(self.root).to_have_attribute("data-edits", str(edits + 1))
        self.settle()

    def output(self):
        with self.page.expect_download() as info:
            self.root.locator("a[data-testid=download]").click()
        return info.value.suggested_filename, open(info.value.path(), "rb").read()

    def alpha(self):
        image = Image.open(io.BytesIO(self.output()[1]))
        return np.asarray(image if image.mode == "L" else image.convert("RGBA"))[..., 3] if image.mode != "L" \
            else np.asarray(image)

    def hints(self):
        """(file name, literal hint map, bytes) of the editor's "Download edits" (under Advanced)."""
        with self.page.expect_download() as info:
            click_in_settings(self.page, "[data-testid=download-hints]")
        data = open(info.value.path(), "rb").read()
        width, height = self.size
        return info.value.suggested_filename, read_hints_png(data, (height, width)), data


def far_from(hints, margin):
    """Pixels farther than `margin` px (square) from any painted pixel."""
    painted = (hints == HINT_BACKGROUND) | (hints == HINT_FOREGROUND)
    rows, cols = np.nonzero(painted)
    far = np.ones(hints.shape, bool)
    far[max(0, rows.min() - margin):rows.max() + margin + 1, max(0, cols.min() - margin):cols.max() + margin + 1] = False
    return far


@pytest.fixture
def editor(app):
    set_form(app, format="png", background="transparent", product=False, feather=0)
    return Editor(app)


def test_erase_and_restore_strokes_steer_the_result_and_undo_redo(app, editor):
    editor.open(CAR)
    plain = editor.alpha()
    assert (plain[205:225, 150:300] == 255).all() and (plain[50:70, 100:300] == 0).all()  # body / background

    editor.stroke("erase", 10, [(150, 215), (300, 215)])
    erased = editor.alpha()
    name, literal, _ = editor.hints()
    assert name == "car-1-hints.png"
    core = snap_hints(literal)
    assert (core == HINT_BACKGROUND).sum() > 1000
    assert (erased[core == HINT_BACKGROUND] == 0).all()
    far = far_from(literal, 48)
    assert np.abs(erased.astype(int) - plain)[far].max() <= 1

    editor.stroke("restore", 10, [(100, 60), (300, 60)])
    restored = editor.alpha()
    _, literal, _ = editor.hints()
    core = snap_hints(literal)
    assert (core == HINT_FOREGROUND).sum() > 1000
    assert (restored[core == HINT_FOREGROUND] == 255).all()
    assert (restored[core == HINT_BACKGROUND] == 0).all()  # the first stroke still holds

    # Undo / redo: buttons and keys; each brings back exactly the output of that state.
    root = editor.root
    root.locator("[data-testid=undo]").click()
    expect(root).to_have_attribute("data-edits", "1")
    editor.settle()
    np.testing.assert_array_equal(editor.alpha(), erased)
    editor.canvas.focus()
    app.keyboard.press("Control+z")
    expect(root).to_have_attribute("data-edits", "0")
    expect(root.locator("[data-testid=undo]")).to_be_disabled()
    editor.settle()
    np.testing.assert_array_equal(editor.alpha(), plain)
    app.keyboard.press("Control+Shift+z")
    expect(root).to_have_attribute("data-edits", "1")
    app.keyboard.press("Control+y")
    expect(root).to_have_attribute("data-edits", "2")
    expect(root.locator("[data-testid=redo]")).to_be_disabled()
    editor.settle()
    np.testing.assert_array_equal(editor.alpha(), restored)

    # The strokes survive a settings change: the mask output has them too, as has the card's file.
    set_form(app, format="mask")
    editor.settle()
    expect(root).to_have_attribute("data-edits", "2")
    name, data = editor.output()
    assert name == "car-1-mask.png"
    mask = np.asarray(Image.open(io.BytesIO(data)))
    assert (mask[core == HINT_BACKGROUND] == 0).all() and (mask[core == HINT_FOREGROUND] == 255).all()
    assert download(app, card(app, "car-1.jpg"))[1] == data
    set_form(app, format="png")
    editor.settle()

    # Reset edits: undoable too.
    root.locator("[data-testid=reset-edits]").click()
    expect(root).to_have_attribute("data-edits", "0")
    editor.settle()
    np.testing.assert_array_equal(editor.alpha(), plain)
    root.locator("[data-testid=undo]").click()
    expect(root).to_have_attribute("data-edits", "2")
    editor.settle()


def exact_composite():
    """640 × 480: an orange, lightly textured box on a blue-grey gradient; its exact alpha."""
    height, width = 480, 640
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:height, 0:width]
    background = np.stack([90 + x / 8, 130 + y / 10, 190 + 0 * x], -1) + rng.normal(0, 3, (height, width, 3))
    subject = np.array([235, 120, 30]) + rng.normal(0, 6, (height, width, 3))
    truth = np.zeros((height, width), np.uint8)
    truth[100:400, 160:480] = 255
    a = truth[..., None] / 255.0
    rgb = np.clip(np.round(a * subject + (1 - a) * background), 0, 255).astype(np.uint8)
    rgba = np.dstack([rgb, np.full((height, width), 255, np.uint8)])
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, "PNG")
    return buffer.getvalue(), truth


def test_snap_to_edges_follows_the_true_edge(app, editor, tmp_path):
    data, truth = exact_composite()
    path = tmp_path / "box.png"
    path.write_bytes(data)
    editor.open(path)
    snap = editor.root.locator("input[name=snap]")
    expect(snap).to_be_checked()  # on by default
    # A rough restore stroke along the right edge (x = 480): its paint overshoots by 4 px.
    editor.stroke("restore", 12, [(472, 130), (472, 370)])
    snapped = editor.alpha()
    snap.uncheck()  # the same stroke, literally
    expect(editor.root).to_have_attribute("data-busy", "true")
    editor.settle()
    literal = editor.alpha()
    region = (slice(120, 380), slice(440, 520))
    error = lambda alpha: np.abs(alpha[region].astype(int) - truth[region]).mean()  # noqa: E731
    assert error(snapped) < error(literal)
    assert (literal[140:360, 480:483] == 255).all()  # painted over the background
    assert (snapped[140:360, 482:490] <= 16).all()  # the photo's edge
    snap.check()
    editor.settle()


def test_zoom_fit_and_100_and_the_compare_slider(app, editor, tmp_path):
    big = tmp_path / "car-big.jpg"  # larger than the 640-px preview
    Image.open(CAR).resize((1440, 1080), Image.Resampling.BICUBIC).save(big, quality=92)
    editor.open(big)
    canvas = editor.canvas
    _, scale = editor.fit_scale()
    expect(canvas).to_have_attribute("data-zoom", str(round(scale * 1000) / 10).removesuffix(".0"))
    expect(canvas).to_have_attribute("data-source", "preview")
    editor.root.locator("[data-testid=zoom-100]").click()
    expect(canvas).to_have_attribute("data-zoom", "100")
    expect(canvas).to_have_attribute("data-source", "full", timeout=RESULT_TIMEOUT_MS)  # the output file (decoded), not the preview blown up
    # The fitted view shows the whole image, centred: the canvas's edges show no picture.
    editor.root.locator("[data-testid=zoom-fit]").click()
    compare = editor.root.locator("input[data-testid=compare]")
    expect(compare).to_have_value("100")
    compare.fill("0")  # all "before": the original photo, opaque everywhere on the picture
    app.wait_for_timeout(200)
    shot = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")).astype(int)
    box, scale = editor.fit_scale()
    width, height = editor.size
    ratio = shot.shape[1] / box["width"]
    left = round((box["width"] - width * scale) / 2 * ratio)
    top = round((box["height"] - height * scale) / 2 * ratio)
    shown = shot[top:shot.shape[0] - top, left:shot.shape[1] - left]
    original = Image.open(big).convert("RGB").resize((shown.shape[1], shown.shape[0]), Image.Resampling.BOX)
    difference = np.abs(shown - np.asarray(original).astype(int))[3:-3, 3:-3]
    # The browser's and PIL's downscaling differ: 8.0 with a 313-px-tall view, 8.1 with 289 px.
    assert difference.mean() < 9
    compare.fill("100")


def test_keyboard_reaches_and_labels_every_editor_control(app, editor):
    editor.open(CAR)
    root = editor.root
    unlabelled = root.evaluate("""(root) => [...root.querySelectorAll('button, input, a, canvas')].filter((el) => {
      const label = el.getAttribute('aria-label') || el.labels?.[0]?.textContent || el.textContent;
      return !label || !label.trim();
    }).map((el) => el.outerHTML)""")
    assert unlabelled == []
    erase = root.locator("[data-testid=tool-erase]")
    erase.focus()
    app.keyboard.press("Enter")
    expect(erase).to_have_attribute("aria-pressed", "true")
    app.keyboard.press("Tab")
    restore = root.locator("[data-testid=tool-restore]")
    expect(restore).to_be_focused()
    app.keyboard.press("Space")
    expect(restore).to_have_attribute("aria-pressed", "true")
    expect(erase).to_have_attribute("aria-pressed", "false")
    size = root.locator("input[name=brush_size]")
    before = int(size.input_value())
    app.keyboard.press("]")
    assert int(size.input_value()) > before
    app.keyboard.press("[")
    app.keyboard.press("[")
    assert int(size.input_value()) < before
    compare = root.locator("input[data-testid=compare]")
    compare.focus()
    app.keyboard.press("ArrowLeft")
    expect(compare).to_have_value("99")
    compare.fill("100")
    zoom = root.locator("[data-testid=zoom-100]")
    zoom.focus()
    app.keyboard.press("Enter")
    expect(editor.canvas).to_have_attribute("data-zoom", "100")
    root.locator("[data-testid=zoom-fit]").focus()
    app.keyboard.press("Enter")
    restore.click()  # back to no tool
    expect(restore).to_have_attribute("aria-pressed", "false")


def test_phone_width_touch_strokes_and_pinch(browser, base_url):
    errors = PageErrors()
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                                  device_scale_factor=2, accept_downloads=True)
    try:
        page = open_app(context, f"{base_url}?backend=wasm", errors)
        add_files(page, [str(CAR)])
        wait_settled(page)
        editor = Editor(page)
        editor.settle()
        editor.size = (480, 360)
        drop = page.locator("#drop-zone").bounding_box()
        box = editor.root.bounding_box()
        assert drop["y"] + drop["height"] <= box["y"] <= drop["y"] + drop["height"] + 32  # right after it
        assert box["width"] >= 370 and page.evaluate("document.documentElement.scrollWidth") <= 390
        plain = editor.alpha()

        editor.root.locator("[data-testid=tool-erase]").tap()
        cdp = context.new_cdp_session(page)

        def touch(kind, points):
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [
                {"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]})

        _, scale = editor.fit_scale()
        editor.root.locator("input[name=brush_size]").fill(str(round(20 * scale)))
        touch("touchStart", [editor.to_page(150, 215)])
        for x in range(160, 310, 10):
            touch("touchMove", [editor.to_page(x, 215)])
        touch("touchEnd", [])
        expect(editor.root).to_have_attribute("data-edits", "1")
        editor.settle()
        _, literal, _ = editor.hints()
        alpha = editor.alpha()
        assert (alpha[snap_hints(literal) == HINT_BACKGROUND] == 0).all()
        assert (plain[snap_hints(literal) == HINT_BACKGROUND] == 255).all()

        # Two fingers zoom (and pan), and paint nothing.
        zoom = float(editor.canvas.get_attribute("data-zoom"))
        cx, cy = editor.to_page(240, 180)
        touch("touchStart", [(cx - 20, cy), (cx + 20, cy)])
        for step in range(1, 10):
            touch("touchMove", [(cx - 20 - 8 * step, cy), (cx + 20 + 8 * step, cy)])
        touch("touchEnd", [])
        expect(editor.canvas).not_to_have_attribute("data-zoom", str(zoom))
        assert float(editor.canvas.get_attribute("data-zoom")) > 2 * zoom
        expect(editor.root).to_have_attribute("data-edits", "1")
        assert not errors, errors
    finally:
        context.close()


def test_results_come_first_and_cards_open_in_the_editor(app, editor):
    clear_results(app)
    add_files(app, [str(CAR), str(FIXTURES / "coffee.png")])
    wait_settled(app)
    root = editor.root
    # Only the first result opens by itself; the next is marked new and counted, and waits.
    expect(root).to_have_attribute("data-name", "car-1.jpg")
    expect(card(app, "coffee.png")).to_have_attribute("data-new", "true")
    expect(app.locator("[data-testid=new-count]")).to_have_text("1 new")
    box = root.bounding_box()
    assert box["y"] + box["height"] <= app.viewport_size["height"] + 1  # all of it without scrolling
    assert box["y"] < app.locator("[data-testid=result]").first.bounding_box()["y"]  # above the list
    card(app, "coffee.png").locator(".result-name").click()
    expect(root).to_have_attribute("data-name", "coffee.png")
    expect(card(app, "coffee.png")).not_to_have_attribute("data-new", "true")
    expect(app.locator("[data-testid=new-count]")).to_be_hidden()
    card(app, "car-1.jpg").locator(".result-name").click()
    expect(root).to_have_attribute("data-name", "car-1.jpg")
    expect(root).to_have_attribute("data-edits", "0")
    editor.settle()
    assert editor.output()[0] == "car-1-nobg.png"
    # The edges controls are behind a disclosure; the background is a visual choice.
    edges = app.locator("#settings details:has([name=refine])")
    if edges.get_attribute("open") is not None:
        edges.locator("summary").click()
    expect(app.locator("#settings [name=refine]")).to_be_hidden()
    expect(app.locator("#settings [name=background][value=blur]")).to_be_visible()
    assert alpha_mae(editor.alpha(), editor.alpha()) == 0
