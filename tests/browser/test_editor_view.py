"""The editor's view as a person uses it: files dropped anywhere in the window (and never opened
by the browser), zoom towards the pointer or the pinch with its level shown, a stroke's footprint
shown at once and kept until the render that includes it, snap explained in one line, Copy to
the clipboard."""

import base64
import io

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.helpers import PageErrors, add_files, card, clear_results, open_app, set_form, wait_settled
from tests.browser.test_editor import CAR, Editor, exact_composite
from tests.conftest import FIXTURES

#: Dispatches drag events with a DataTransfer holding a File on the element at a page point, as a
#: drag from the desktop does (Playwright cannot drag OS files); returns whether each event's
#: default (the browser opening the file) was prevented.
DRAG = """async ({ x, y, name, bytes, kinds }) => {
  const data = new DataTransfer();
  const buffer = Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0));
  data.items.add(new File([buffer], name, { type: 'image/png' }));
  const target = document.elementFromPoint(x, y);
  const prevented = {};
  for (const kind of kinds) {
    const event = new DragEvent(kind, { dataTransfer: data, bubbles: true, cancelable: true, clientX: x, clientY: y });
    target.dispatchEvent(event);
    prevented[kind] = event.defaultPrevented;
  }
  const overlay = document.querySelector('[data-testid=drop-overlay]');
  return { prevented, target: target.outerHTML.slice(0, 60), overlay: !overlay.hidden && overlay.textContent.trim() };
}"""


@pytest.fixture
def editor(app):
    set_form(app, format="png", background="transparent", product=False, feather=0)
    return Editor(app)


def drag(page, point, name, kinds):
    data = base64.b64encode((FIXTURES / "coffee.png").read_bytes()).decode()
    return page.evaluate(DRAG, {"x": point[0], "y": point[1], "name": name, "bytes": data, "kinds": kinds})


def test_files_dropped_anywhere_in_the_window_are_added_never_opened(app, editor):
    editor.open(CAR)
    url = app.url
    editor.canvas.scroll_into_view_if_needed()
    box = editor.canvas.bounding_box()
    on_editor = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    # Dragging over the editor: the overlay says what a drop does; leaving the window hides it.
    over = drag(app, on_editor, "x.png", ["dragenter", "dragover"])
    assert over["prevented"] == {"dragenter": True, "dragover": True}, over
    assert over["overlay"] == "Drop photos or folders to add them"
    expect(app.locator("[data-testid=drop-overlay]")).to_be_visible()
    drag(app, on_editor, "x.png", ["dragleave"])
    expect(app.locator("[data-testid=drop-overlay]")).to_be_hidden()

    # A drop on the big editor adds the file, as on the drop bar, and hides the overlay.
    dropped = drag(app, on_editor, "dropped-on-editor.png", ["dragenter", "dragover", "drop"])
    assert "editor-canvas" in dropped["target"], dropped
    assert dropped["prevented"] == {"dragenter": True, "dragover": True, "drop": True}
    assert dropped["overlay"] is False
    expect(card(app, "dropped-on-editor.png")).to_be_visible()

    # Anywhere else too: the settings, the header, the privacy panel.
    for name, selector in (("on-settings.png", "#settings legend"), ("on-header.png", "h1"),
                           ("on-privacy.png", "[data-testid=privacy] summary")):
        place = app.locator(selector).first
        place.scroll_into_view_if_needed()
        where = place.bounding_box()
        result = drag(app, (where["x"] + 5, where["y"] + where["height"] / 2), name, ["dragenter", "dragover", "drop"])
        assert result["prevented"]["drop"], (name, result)
        expect(card(app, name)).to_be_visible()
    wait_settled(app)
    for name in ("dropped-on-editor.png", "on-settings.png", "on-header.png", "on-privacy.png"):
        expect(card(app, name)).to_have_attribute("data-state", "done")
    assert app.url == url  # the page never went to a dropped file

    # A file input takes its own drop (the background image): not added as a photo. It shows
    # with the "Image" background, whose choice opens its picker at once (cancelled here).
    with app.expect_file_chooser() as chooser:
        set_form(app, background="image")
    assert chooser.value.element.get_attribute("id") == "background-image"
    field = app.locator("#background-image")
    field.scroll_into_view_if_needed()
    where = field.bounding_box()
    count = app.locator("[data-testid=result]").count()
    result = drag(app, (where["x"] + 5, where["y"] + where["height"] / 2), "backdrop.png", ["dragover", "drop"])
    assert "background-image" in result["target"] and result["prevented"] == {"dragover": False, "drop": False}
    app.wait_for_timeout(300)
    expect(app.locator("[data-testid=result]")).to_have_count(count)
    set_form(app, background="transparent")


def test_a_real_drag_of_a_file_from_the_desktop_adds_it_and_the_tab_stays(app, editor, tmp_path):
    """Chromium's own drag (CDP Input.dispatchDragEvent with a file path): the page must prevent
    the default, or the browser navigates to the file."""
    editor.open(CAR)
    url = app.url
    path = tmp_path / "from-the-desktop.png"
    path.write_bytes((FIXTURES / "coffee.png").read_bytes())
    box = editor.canvas.bounding_box()
    x, y = box["x"] + box["width"] / 3, box["y"] + box["height"] / 2
    cdp = app.context.new_cdp_session(app)
    data = {"items": [], "files": [str(path)], "dragOperationsMask": 1}
    try:
        for kind in ("dragEnter", "dragOver"):
            cdp.send("Input.dispatchDragEvent", {"type": kind, "x": x, "y": y, "data": data})
        expect(app.locator("[data-testid=drop-overlay]")).to_be_visible()
        cdp.send("Input.dispatchDragEvent", {"type": "drop", "x": x, "y": y, "data": data})
    finally:
        cdp.detach()
    expect(card(app, "from-the-desktop.png")).to_be_visible()
    expect(app.locator("[data-testid=drop-overlay]")).to_be_hidden()
    wait_settled(app)
    assert app.url == url


def view_of(canvas):
    """(zoom as CSS px per image px, offset [x, y] in CSS px) of the editor's view."""
    return float(canvas.get_attribute("data-zoom")) / 100, [float(v) for v in canvas.get_attribute("data-offset").split(",")]


def image_point(canvas, page_point):
    """The image pixel under a page point."""
    box = canvas.bounding_box()
    scale, (left, top) = view_of(canvas)
    return (page_point[0] - box["x"] - left) / scale, (page_point[1] - box["y"] - top) / scale


def page_point(canvas, point):
    box = canvas.bounding_box()
    scale, (left, top) = view_of(canvas)
    return box["x"] + left + point[0] * scale, box["y"] + top + point[1] * scale


def test_wheel_zooms_towards_the_pointer_buttons_towards_the_centre_and_the_level_shows(app, editor):
    editor.open(CAR)
    canvas, level = editor.canvas, editor.root.locator("[data-testid=zoom-level]")
    expect(level).to_be_visible()
    scale = view_of(canvas)[0]
    expect(level).to_have_text(f"{round(scale * 100)} %")

    # The rear wheel, off the view's centre; whole pixels, as a wheel event's clientX/Y are.
    pointer = tuple(round(v) for v in editor.to_page(330, 250))
    app.mouse.move(*pointer)
    under = image_point(canvas, pointer)
    for delta in (-240, -240, 120):  # in, in, out a little
        before = canvas.get_attribute("data-zoom")
        app.mouse.wheel(0, delta)
        expect(canvas).not_to_have_attribute("data-zoom", before)
        now = page_point(canvas, under)
        assert abs(now[0] - pointer[0]) <= 1 and abs(now[1] - pointer[1]) <= 1, (delta, now, pointer)
    scale = view_of(canvas)[0]
    assert scale > 1.5 * editor.fit_scale()[1]
    expect(level).to_have_text(f"{round(scale * 100)} %")

    # The + and − buttons (here by keyboard) zoom around the view's centre.
    box = canvas.bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    under = image_point(canvas, centre)
    text = level.text_content()
    zoom_in = editor.root.locator("[data-testid=zoom-in]")
    zoom_in.focus()
    app.keyboard.press("Enter")
    expect(level).not_to_have_text(text)
    now = page_point(canvas, under)
    assert abs(now[0] - centre[0]) <= 1 and abs(now[1] - centre[1]) <= 1
    editor.root.locator("[data-testid=zoom-100]").click()
    expect(level).to_have_text("100 %")
    editor.root.locator("[data-testid=zoom-fit]").click()
    expect(level).to_have_text(f"{round(editor.fit_scale()[1] * 100)} %")


#: Samples, every animation frame, the stroke overlay's and the picture's pixel at a page point.
SAMPLE = """(point) => {
  const overlay = document.querySelector('[data-testid=editor-overlay]');
  const canvas = document.querySelector('[data-testid=editor-canvas]');
  const editor = document.querySelector('[data-testid=editor]');
  const rect = canvas.getBoundingClientRect();
  const ratio = canvas.width / rect.width;
  const [x, y] = [Math.round((point[0] - rect.left) * ratio), Math.round((point[1] - rect.top) * ratio)];
  const pixel = (c) => [...c.getContext('2d').getImageData(x, y, 1, 1).data];
  const samples = (window.viewSamples = []);
  window.stopSampling = false;
  const sample = () => {
    samples.push({ overlay: pixel(overlay), picture: pixel(canvas), busy: editor.dataset.busy === 'true' });
    if (!window.stopSampling) requestAnimationFrame(sample);
  };
  requestAnimationFrame(sample);
  return { overlay: pixel(overlay), picture: pixel(canvas), strokes: overlay.dataset.strokes, busy: editor.dataset.busy === 'true' };
}"""


def is_orange(rgba):
    red, green, blue, _ = rgba
    return red > 180 and blue < 90 and green < 170


def test_a_stroke_shows_at_once_and_stays_until_its_render_shows(app, editor, tmp_path):
    data, _ = exact_composite()  # an orange box: erased, the checkerboard shows instead
    path = tmp_path / "box.png"
    path.write_bytes(data)
    editor.open(path)
    editor.tool("erase")
    editor.brush(14)
    start, end = editor.to_page(220, 250), editor.to_page(420, 250)
    app.mouse.move(*start)
    app.mouse.down()
    at_once = app.evaluate(SAMPLE, list(start))  # right after pointerdown: no render asked for yet
    assert not at_once["busy"] and at_once["strokes"] == "1"
    assert at_once["overlay"][3] == 255 and at_once["overlay"][0] > 200 > at_once["overlay"][1], at_once  # erase: red
    assert is_orange(at_once["picture"])
    app.mouse.move(*end, steps=12)
    middle = editor.to_page(320, 250)
    overlay_middle = app.evaluate("""([x, y]) => {
      const c = document.querySelector('[data-testid=editor-overlay]');
      const r = c.getBoundingClientRect(), k = c.width / r.width;
      return [...c.getContext('2d').getImageData(Math.round((x - r.left) * k), Math.round((y - r.top) * k), 1, 1).data];
    }""", list(middle))
    assert overlay_middle[3] == 255  # drawn along as the pointer moves
    app.mouse.up()
    expect(editor.root).to_have_attribute("data-edits", "1")
    editor.settle()
    app.wait_for_timeout(300)
    samples = app.evaluate("() => { window.stopSampling = true; return window.viewSamples; }")
    # Every frame shows the stroke: on the overlay until the refined picture has it, then there.
    gaps = [s for s in samples if s["overlay"][3] == 0 and is_orange(s["picture"])]
    assert not gaps, gaps[:3]
    assert any(s["busy"] and s["overlay"][3] == 255 for s in samples)  # kept while its render ran
    assert samples[-1]["overlay"][3] == 0 and not is_orange(samples[-1]["picture"])
    expect(editor.root.locator("[data-testid=editor-overlay]")).to_have_attribute("data-strokes", "0")


def test_snap_says_what_it_does(app, editor):
    editor.open(CAR)
    snap = editor.root.locator("input[name=snap]")
    help_text = editor.root.locator(f"#{snap.get_attribute('aria-describedby')}")
    expect(help_text).to_be_visible()
    assert "Snap to edges" in help_text.text_content() and "edge" in help_text.text_content()
    line = help_text.bounding_box()
    assert line["y"] > snap.bounding_box()["y"]  # under the checkbox
    assert line["height"] < 24  # one line on a desktop


def test_phone_touch_stroke_overlay_and_pinch_around_its_centre(browser, base_url):
    errors = PageErrors()
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                                  device_scale_factor=2)
    try:
        page = open_app(context, f"{base_url}?backend=wasm", errors)
        clear_results(page)
        add_files(page, [str(CAR)])
        wait_settled(page)
        editor = Editor(page)
        editor.settle()
        editor.size = (480, 360)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        expect(editor.root.locator("[data-testid=zoom-level]")).to_be_visible()
        editor.root.locator("[data-testid=tool-erase]").tap()
        cdp = context.new_cdp_session(page)

        def touch(kind, points):
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [
                {"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]})

        # One finger down: its footprint shows at once.
        start = editor.to_page(150, 215)
        touch("touchStart", [start])
        shown = page.evaluate(SAMPLE, list(start))
        assert shown["strokes"] == "1" and shown["overlay"][3] == 255 and not shown["busy"]
        page.evaluate("() => (window.stopSampling = true)")
        touch("touchMove", [editor.to_page(200, 215)])
        touch("touchEnd", [])
        expect(editor.root).to_have_attribute("data-edits", "1")
        editor.settle()

        # Two fingers spread and move: the image point between them follows their centre.
        canvas = editor.canvas
        middle = editor.to_page(250, 180)
        under = image_point(canvas, middle)
        zoom = canvas.get_attribute("data-zoom")
        touch("touchStart", [(middle[0] - 20, middle[1]), (middle[0] + 20, middle[1])])
        for step in range(1, 10):
            touch("touchMove", [(middle[0] - 20 - 6 * step + 2 * step, middle[1] + step),
                                (middle[0] + 20 + 6 * step + 2 * step, middle[1] + step)])
        touch("touchEnd", [])
        expect(canvas).not_to_have_attribute("data-zoom", zoom)
        moved = (middle[0] + 18, middle[1] + 9)
        now = page_point(canvas, under)
        assert abs(now[0] - moved[0]) <= 1 and abs(now[1] - moved[1]) <= 1, (now, moved)
        assert float(canvas.get_attribute("data-zoom")) > 2 * float(zoom)
        expect(editor.root).to_have_attribute("data-edits", "1")  # a pinch paints nothing
        scale = view_of(canvas)[0]
        expect(editor.root.locator("[data-testid=zoom-level]")).to_have_text(f"{round(scale * 100)} %")
        assert not errors, errors
    finally:
        context.close()


#: The clipboard's image/png, as base64 (the page reads it; the test context grants the permission).
READ_CLIPBOARD = """async () => {
  const [item] = await navigator.clipboard.read();
  const blob = await item.getType('image/png');
  const url = await new Promise((done) => { const r = new FileReader(); r.onload = () => done(r.result); r.readAsDataURL(blob); });
  return url.slice(url.indexOf(',') + 1);
}"""


def test_copy_in_the_editor_puts_its_output_file_on_the_clipboard(app, editor, base_url):
    app.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url.rstrip("/"))
    editor.open(CAR)
    # The file the editor copies is the one kept on this device (session.js), as the card's is.
    expect(card(app, "car-1.jpg").locator("[data-testid=download]")).to_have_attribute("data-kept", "true")
    copy = editor.root.locator("[data-testid=copy]")
    expect(copy).to_be_visible()
    expect(copy).to_have_accessible_name("Copy (car-1-nobg.png)")
    copy.focus()  # reachable and pressed with the keyboard
    app.keyboard.press("Enter")
    expect(editor.root.locator(".editor-note")).to_have_text("Copied to the clipboard ✓")
    copied = np.asarray(Image.open(io.BytesIO(base64.b64decode(app.evaluate(READ_CLIPBOARD)))).convert("RGBA"))
    downloaded = np.asarray(Image.open(io.BytesIO(editor.output()[1])).convert("RGBA"))
    assert copied.shape == downloaded.shape == (360, 480, 4)
    np.testing.assert_array_equal(copied[..., 3], downloaded[..., 3])
    # The clipboard keeps colours premultiplied by alpha: where the subject is opaque they are exact.
    opaque = downloaded[..., 3] == 255
    assert opaque.mean() > 0.1  # the car: about a sixth of the picture
    np.testing.assert_array_equal(copied[opaque], downloaded[opaque])
    # A card's Copy is the same code: the same image.
    app.evaluate("navigator.clipboard.writeText('')")
    result = card(app, "car-1.jpg")
    expect(result.locator("[data-testid=copy]")).to_have_accessible_name("Copy (car-1-nobg.png)")
    result.locator("[data-testid=copy]").click()
    expect(result.locator("[data-testid=note]")).to_have_text("Copied to the clipboard ✓")
    again = np.asarray(Image.open(io.BytesIO(base64.b64decode(app.evaluate(READ_CLIPBOARD)))).convert("RGBA"))
    np.testing.assert_array_equal(again, copied)
