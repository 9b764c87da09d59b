"""How people add images and follow the start-up: progress, paste, drop, keyboard, phone width."""

import re

from playwright.sync_api import expect

from tests.browser.helpers import PageErrors, card, open_app, wait_settled

RECORD_STATUS = """
new MutationObserver(() => {
  const status = document.querySelector('[data-testid=app-status]');
  if (status) (window.statusLog ??= []).push(status.textContent.trim());
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


def test_start_up_reports_download_progress_in_bytes(browser, base_url):
    errors = PageErrors()
    context = browser.new_context()
    context.add_init_script(RECORD_STATUS)
    page = open_app(context, f"{base_url}?backend=wasm", errors)
    log = page.evaluate("window.statusLog")
    progress = [line for line in log if line.startswith("Downloading")]
    assert progress, log
    assert any("MB of" in line for line in progress)
    # It names what start-up waits for: both parts first, then whichever is left.
    assert progress[0].startswith("Downloading Python and onnxruntime"), progress[0]
    assert page.locator("[data-testid=app-status]").inner_text().startswith("Ready")
    context.close()
    assert not errors, "\n".join(errors)


def png_bytes():
    return list(open("tests/fixtures/coffee.png", "rb").read())


def test_paste_anywhere_adds_the_image(app):
    before = app.locator("[data-testid=result]").count()
    app.evaluate("""bytes => {
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array(bytes)], 'image.png', { type: 'image/png' }));
        document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
    }""", png_bytes())
    wait_settled(app)
    cards = app.locator("[data-testid=result]")
    expect(cards).to_have_count(before + 1)
    expect(cards.last).to_have_attribute("data-state", "done")
    expect(cards.last).to_have_attribute("data-name", re.compile(r"^pasted-.*\.png$"))


def test_drop_on_the_drop_zone_adds_the_image(app):
    app.evaluate("""bytes => {
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array(bytes)], 'dropped.png', { type: 'image/png' }));
        document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }""", png_bytes())
    wait_settled(app)
    expect(card(app, "dropped.png")).to_have_attribute("data-state", "done")


def test_file_picker_is_reachable_by_keyboard_and_labelled(app):
    app.locator("body").focus()
    app.keyboard.press("Tab")
    focused = app.evaluate("document.activeElement.id")
    assert focused == "file-input"
    label = app.locator("label[for=file-input]")
    expect(label).to_be_visible()
    assert label.inner_text().strip()


def test_phone_width_has_no_horizontal_scroll(app):
    app.set_viewport_size({"width": 360, "height": 740})
    try:
        assert app.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        expect(app.locator("label[for=file-input]")).to_be_visible()
    finally:
        app.set_viewport_size({"width": 1280, "height": 720})
