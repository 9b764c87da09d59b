"""The editor never moves under the user: during a batch a stroke begun on the image shown stays
on it while another image finishes, and the new result is marked and counted, not opened; at
1280 px and on a 390-px phone the strip under it shows progress and a failure without scrolling."""

import io

from PIL import Image
from playwright.sync_api import expect

from tests.browser.helpers import RESULT_TIMEOUT_MS, add_files, card, clear_results, wait_settled

CAR = "tests/fixtures/rembg/fixtures/car-1.jpg"


def big_photo():
    """A photo that takes a while to cut out: time for a stroke to be under way meanwhile."""
    buffer = io.BytesIO()
    Image.open("tests/fixtures/astronaut.png").convert("RGB").resize((2400, 2400)).save(buffer, "JPEG", quality=90)
    return {"name": "second.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def test_a_stroke_stays_on_its_image_while_another_finishes(app):
    clear_results(app)
    add_files(app, [CAR])
    wait_settled(app)
    editor = app.locator("[data-testid=editor]")
    expect(editor).to_have_attribute("data-name", "car-1.jpg")
    expect(editor).not_to_have_attribute("data-busy", "true")
    first_renders = card(app, "car-1.jpg").get_attribute("data-renders")

    app.locator("[data-testid=tool-erase]").click()
    box = app.locator("[data-testid=editor-canvas]").bounding_box()
    y = box["y"] + box["height"] * 0.3
    add_files(app, [big_photo()])
    app.mouse.move(box["x"] + box["width"] * 0.3, y)
    app.mouse.down()
    second = card(app, "second.jpg")
    expect(second).to_have_attribute("data-state", "working", timeout=RESULT_TIMEOUT_MS)
    for step in range(1, 11):
        app.mouse.move(box["x"] + box["width"] * (0.3 + 0.02 * step), y)
    expect(second).to_have_attribute("data-state", "done", timeout=RESULT_TIMEOUT_MS)
    app.mouse.up()  # the second image finished in the middle of the stroke

    expect(editor).to_have_attribute("data-name", "car-1.jpg")
    expect(editor).to_have_attribute("data-edits", "1")
    expect(second).to_have_attribute("data-new", "true")
    expect(app.locator("[data-testid=new-count]")).to_have_text("1 new")
    expect(card(app, "car-1.jpg")).not_to_have_attribute("data-renders", first_renders, timeout=RESULT_TIMEOUT_MS)
    wait_settled(app)
    expect(editor).not_to_have_attribute("data-busy", "true")
    second.locator("[data-testid=open]").click()
    expect(editor).to_have_attribute("data-name", "second.jpg")
    expect(editor).to_have_attribute("data-edits", "0")  # the stroke is not on the other image
    expect(app.locator("[data-testid=new-count]")).to_be_hidden()


#: Whether the element's centre is on top there (not under the phone's settings bar, say).
ON_TOP = "(e) => { const r = e.getBoundingClientRect(); return e.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)); }"


def test_a_failed_image_shows_its_reason_in_the_strip_without_scrolling(view):
    name, app = view
    car = {"name": "car-1.jpg", "mimeType": "image/jpeg", "buffer": open(CAR, "rb").read()}
    add_files(app, [{"name": "broken.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0 not a JPEG"}, car])
    failed = card(app, "broken.jpg")
    expect(failed).to_have_attribute("data-state", "error")
    # The image still in the works is in view too, with its state, while it is cut out.
    working = card(app, "car-1.jpg")
    height = app.viewport_size["height"]
    box = working.bounding_box()
    assert box["y"] + box["height"] / 2 <= height, (name, box)
    wait_settled(app)
    reason = failed.locator("[data-testid=error]")
    expect(reason).to_be_visible()
    assert app.evaluate("window.scrollY") == 0
    box = reason.bounding_box()
    assert box["y"] + box["height"] <= height, (name, box)
    assert reason.evaluate(ON_TOP), name
    # The editor, with the image that worked, on the same screen.
    expect(app.locator("[data-testid=editor]")).to_have_attribute("data-name", "car-1.jpg")
    assert app.locator("[data-testid=editor-canvas]").bounding_box()["y"] < box["y"]
    # Its own photo, dimmed, not an empty checkerboard (a file that cannot be shown leaves none).
    assert failed.locator("img").get_attribute("alt") == "broken.jpg (not cut out)" or \
        failed.locator("img").get_attribute("src") is None
