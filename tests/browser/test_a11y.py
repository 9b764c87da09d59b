"""Keyboard and screen readers, WCAG 2.2 AA: axe-core on the first screen, the editor and a
batch; every control at least 24 × 24 CSS px; focus rings on exactly the focused control; a
keyboard-only flow from a sample to a named download; cards open and step with the keyboard, and
so do the arrow keys in the editor."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import run_axe, serious
from tests.browser.helpers import RESULT_TIMEOUT_MS, add_files, card, clear_results, wait_settled

#: Every control a person can operate (visible ones are measured).
CONTROLS = "button, a[href], input:not(.visually-hidden), select, summary, label:has(> input.visually-hidden)"
SMALL_CONTROLS = """(selector) => [...document.querySelectorAll(selector)]
    .filter((e) => e.checkVisibility() && !e.closest('[hidden]'))
    .map((e) => ({ e, r: e.getBoundingClientRect() }))
    .map(({ e, r }) => ({ what: e.outerHTML.slice(0, 90), w: r.width, h: r.height }))"""


def check_view(page, label, report):
    violations = run_axe(page)
    report.append((label, [(v["id"], v["impact"], len(v["nodes"])) for v in violations]))
    assert not serious(violations), (label, serious(violations))
    controls = page.evaluate(SMALL_CONTROLS, CONTROLS)
    small = [c for c in controls if c["w"] < 24 or c["h"] < 24]
    assert not small, (label, small)
    print(f"{label}: axe {len(violations)} violations, none serious or critical; {len(controls)} controls ≥ 24 px")
    return len(controls)


def test_axe_and_target_sizes_on_the_first_screen_the_editor_and_a_batch(view):
    name, page = view
    report = []
    check_view(page, f"{name} first screen", report)
    page.locator("[data-testid=sample]").first.click()
    expect(card(page, "astronaut.jpg")).to_have_attribute("data-state", "done", timeout=RESULT_TIMEOUT_MS)
    toggle = page.locator("[data-testid=settings-toggle]")
    if toggle.is_visible():
        toggle.click()
    closed = page.locator("#settings details:not([open]) summary")
    while closed.count():
        closed.first.click()  # every section open: all its controls measured
    check_view(page, f"{name} editor", report)
    add_files(page, [{"name": "broken.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0 no JPEG"},
                     {"name": "coffee.png", "mimeType": "image/png", "buffer": open("tests/fixtures/coffee.png", "rb").read()}])
    wait_settled(page)
    check_view(page, f"{name} batch", report)
    print(report)


def test_focus_rings_exactly_the_focused_control(app):
    app.locator("body").focus()
    app.keyboard.press("Tab")
    assert app.evaluate("document.activeElement.id") == "file-input"
    outlined = app.evaluate("""() => [...document.querySelectorAll('.button, [data-testid=sample]')]
        .filter((e) => getComputedStyle(e).outlineStyle !== 'none' && parseFloat(getComputedStyle(e).outlineWidth) > 0)
        .map((e) => e.textContent.trim())""")
    assert outlined == ["Choose photos…"], outlined


def test_keyboard_only_from_a_sample_to_a_named_download(app):
    app.locator("body").focus()
    for _ in range(10):
        app.keyboard.press("Tab")
        if app.evaluate("document.activeElement.dataset.testid") == "sample":
            break
    else:
        pytest.fail("no sample photo reached with Tab")
    app.keyboard.press("Enter")
    expect(card(app, "astronaut.jpg")).to_have_attribute("data-state", "done", timeout=RESULT_TIMEOUT_MS)
    for _ in range(120):
        app.keyboard.press("Tab")
        focused = app.evaluate("document.activeElement.matches('a[data-testid=download]')")
        if focused:
            break
    else:
        pytest.fail("no download link reached with Tab")
    link = app.locator("a[data-testid=download]:focus")
    expect(link).to_have_accessible_name("Download PNG (astronaut-nobg.png)")
    with app.expect_download() as info:
        app.keyboard.press("Enter")
    assert info.value.suggested_filename == "astronaut-nobg.png"


def test_a_card_opens_with_the_keyboard_and_the_arrows_step(app):
    add_files(app, ["tests/fixtures/coffee.png", "tests/fixtures/astronaut.png"])
    wait_settled(app)
    editor = app.locator("[data-testid=editor]")
    shown = editor.get_attribute("data-name")
    other = card(app, "astronaut.png").locator("[data-testid=open]")
    other.focus()
    app.keyboard.press("Enter")
    expect(editor).to_have_attribute("data-name", "astronaut.png")
    app.keyboard.press("ArrowLeft")
    expect(editor).not_to_have_attribute("data-name", "astronaut.png")
    assert app.evaluate("document.activeElement.dataset.testid") == "open"
    app.locator("[data-testid=next]").click()
    expect(editor).to_have_attribute("data-name", "astronaut.png")
    card(app, "astronaut.png").locator("[data-testid=open]").focus()
    app.keyboard.press(" ")
    expect(editor).to_have_attribute("data-name", "astronaut.png")
    assert shown


def test_arrow_keys_step_images_from_the_editor_but_not_in_a_slider_or_mid_drag(app):
    clear_results(app)
    add_files(app, ["tests/fixtures/coffee.png", "tests/fixtures/astronaut.png"])
    wait_settled(app)
    editor = app.locator("[data-testid=editor]")
    card(app, "coffee.png").locator("[data-testid=open]").click()
    expect(editor).to_have_attribute("data-name", "coffee.png")
    # Focus on one of the editor's buttons: Right and Left step as › and ‹ do.
    editor.locator("[data-testid=zoom-fit]").focus()
    app.keyboard.press("ArrowRight")
    expect(editor).to_have_attribute("data-name", "astronaut.png")
    expect(card(app, "astronaut.png")).to_have_class(re.compile(r"\bselected\b"))
    app.keyboard.press("ArrowLeft")
    expect(editor).to_have_attribute("data-name", "coffee.png")
    # After a click on no control focus is on the page itself: the arrows still step.
    editor.locator(".editor-name").click()
    assert app.evaluate("document.activeElement === document.body")
    app.keyboard.press("ArrowRight")
    expect(editor).to_have_attribute("data-name", "astronaut.png")
    # In a slider the arrows move the slider, not the image.
    compare = editor.locator("input[data-testid=compare]")
    compare.focus()
    app.keyboard.press("ArrowLeft")
    expect(compare).to_have_value("99")
    expect(editor).to_have_attribute("data-name", "astronaut.png")
    compare.fill("100")
    # While the pointer is down on the picture (a pan or a stroke under way) they do nothing.
    box = editor.locator("[data-testid=editor-canvas]").bounding_box()
    app.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    app.mouse.down()
    app.keyboard.press("ArrowLeft")
    app.mouse.up()
    app.wait_for_timeout(200)
    expect(editor).to_have_attribute("data-name", "astronaut.png")
    app.keyboard.press("ArrowLeft")  # once it is up, they do again
    expect(editor).to_have_attribute("data-name", "coffee.png")
