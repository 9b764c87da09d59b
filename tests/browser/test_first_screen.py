"""The first screen as a new user meets it, at 1280 px and at 390 px with touch: one action,
sample photos, the privacy line, no settings until there is an image; then a sample cuts out."""

import io

import numpy as np
from PIL import Image
from playwright.sync_api import expect

from tests.browser.helpers import RESULT_TIMEOUT_MS, PageErrors, card, download, open_app



def above_the_fold(page, locator):
    box = locator.bounding_box()
    return box is not None and box["y"] + box["height"] <= page.viewport_size["height"]


def test_first_screen_has_one_action_and_samples_then_a_sample_cuts_out(view):
    name, page = view
    phone = name != "1280"
    expect(page.locator("#settings")).to_be_hidden()
    expect(page.locator("[data-testid=editor]")).to_be_hidden()
    expect(page.locator("[data-testid=result]")).to_have_count(0)
    main = page.locator("label[for=file-input]")
    samples = page.locator("[data-testid=sample]")
    expect(samples).to_have_count(2)
    for part in (main, samples.first, samples.last, page.locator(".tagline")):
        expect(part).to_be_visible()
        assert above_the_fold(page, part)
    assert main.bounding_box()["height"] >= 44
    # A phone offers the camera, and no folder; a desktop the reverse.
    expect(page.locator("label[for=camera-input]")).to_be_visible() if phone else \
        expect(page.locator("label[for=camera-input]")).to_be_hidden()
    expect(page.locator("label[for=folder-input]")).to_be_hidden() if phone else \
        expect(page.locator("label[for=folder-input]")).to_be_visible()
    assert page.locator("#camera-input").get_attribute("capture") == "environment"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    samples.first.click()
    result = card(page, "astronaut.jpg")
    expect(result).to_have_attribute("data-state", "done", timeout=RESULT_TIMEOUT_MS)
    expect(page.locator("[data-testid=editor]")).to_have_attribute("data-name", "astronaut.jpg")
    # Now the settings: beside the editor, or a phone's sheet over its bottom.
    settings = page.locator("[data-testid=settings-toggle]") if phone else page.locator("#settings [name=format]")
    expect(settings).to_be_visible()
    assert above_the_fold(page, settings)
    expect(samples.first).to_be_hidden()
    file_name, data = download(page, result)
    assert file_name == "astronaut-nobg.png"
    alpha = np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))[..., 3]
    assert 0.1 < (alpha > 127).mean() < 0.9  # a cut-out: subject kept, background gone
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_no_horizontal_scrolling_at_320_px(browser, base_url):
    errors = PageErrors()
    context = browser.new_context(viewport={"width": 320, "height": 640}, has_touch=True, is_mobile=True)
    page = open_app(context, f"{base_url}?backend=wasm", errors)
    try:
        assert page.evaluate("document.documentElement.scrollWidth <= 320")
        page.locator("[data-testid=sample]").last.click()
        expect(card(page, "coffee.jpg")).to_have_attribute("data-state", "done", timeout=RESULT_TIMEOUT_MS)
        page.locator("[data-testid=settings-toggle]").click()
        page.locator("#settings details:has([name=refine]) summary").click()
        assert page.evaluate("document.documentElement.scrollWidth <= 320")
    finally:
        context.close()
    assert not errors, "\n".join(errors)
