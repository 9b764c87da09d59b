"""Settings after a result exists: re-rendered from the kept mask (no model run), and the file
reflects them."""

import base64
import io
import json
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import expect

from tests.browser.helpers import add_files, card, clear_results, download, set_form, wait_settled


#: How long the settings panel waits for the form to rest before it hands a change over
#: (js/page/settings-panel.js SETTLE_MS), and a margin.
FORM_REST_MS = 150 + 100


def rendered_again(app, result, renders):
    """Wait for the output of the settings now in the form, after `renders`; its timings
    (returned) show no model run. A form filled slower than the panel's rest (a loaded machine)
    is handed over in parts, each rendered, the latest last: so at least one render, then none
    outdated or pending in the editor."""
    expect(result).not_to_have_attribute("data-renders", str(renders))
    app.wait_for_timeout(FORM_REST_MS)
    expect(app.locator("[data-testid=editor]")).not_to_have_attribute("data-busy", "true")
    wait_settled(app)
    expect(result.locator(".result-time")).to_contain_text("no model run")
    timings = json.loads(result.get_attribute("data-timings"))
    assert "inference" not in timings, timings
    return timings


def change(app, result, **values):
    """Change settings as a user does, wait for the selected result to be rendered again, and
    return its timings."""
    renders = int(result.get_attribute("data-renders"))
    set_form(app, **values)
    return rendered_again(app, result, renders)


def test_settings_apply_to_a_finished_image_without_the_model(app):
    clear_results(app)
    add_files(app, ["tests/fixtures/coffee.png"])
    wait_settled(app)
    result = card(app, "coffee.png")

    timings = change(app, result, background="color", background_color="#ff0000", format="jpeg")
    assert "decode" not in timings, timings  # the worker kept the image it had just cut out
    name, data = download(app, result)
    assert name == "coffee-nobg.jpg"
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (600, 400)
        corners = np.asarray(image.convert("RGB"))[[0, 0, -1, -1], [0, -1, 0, -1]]
    assert (corners[:, 0] > 240).all() and (corners[:, 1:] < 20).all(), corners

    change(app, result, format="mask")
    name, data = download(app, result)
    assert name == "coffee-mask.png"
    with Image.open(io.BytesIO(data)) as image:
        assert (image.mode, image.size) == ("L", (600, 400))

    change(app, result, format="png", background="transparent", product=True, product_size=1000, product_aspect="4:3")
    _, data = download(app, result)
    with Image.open(io.BytesIO(data)) as image:
        assert (image.mode, image.size) == ("RGBA", (1000, 750))
        # Product mode turned on over Transparent gives the white canvas shops ask for.
        assert (np.asarray(image)[[0, -1], [0, -1]] == 255).all()

    change(app, result, product=False, background="transparent", feather=0)
    _, sharp = download(app, result)
    change(app, result, feather=8)
    _, soft = download(app, result)
    alpha = lambda data: np.asarray(Image.open(io.BytesIO(data)))[..., 3]  # noqa: E731
    partial = lambda a: int(((a > 0) & (a < 255)).sum())  # noqa: E731
    assert partial(alpha(soft)) > 2 * partial(alpha(sharp))


def test_new_images_use_the_current_settings_and_all_images_updates_the_rest(app):
    clear_results(app)
    set_form(app, scope="all", format="png", background="transparent", product=False, feather=0)
    add_files(app, ["tests/fixtures/coffee.png", "tests/fixtures/astronaut.png"])
    wait_settled(app)
    # "This image": the one in the editor (the first result) only; a new image takes the form's.
    set_form(app, scope="image", format="webp")
    expect(card(app, "coffee.png").locator("[data-testid=download]")).to_have_attribute("download", "coffee-nobg.webp")
    add_files(app, ["tests/fixtures/coffee.png"])
    wait_settled(app)
    names = app.locator("[data-testid=result] [data-testid=download]").evaluate_all("links => links.map((a) => a.download)")
    assert names == ["coffee-nobg.webp", "astronaut-nobg.png", "coffee-nobg.webp"], names

    # Choosing "All images" gives every finished image the settings shown.
    set_form(app, scope="all")
    expect(card(app, "astronaut.png").locator("[data-testid=download]")).to_have_attribute("download", "astronaut-nobg.webp")
    wait_settled(app)
    names = app.locator("[data-testid=result] [data-testid=download]").evaluate_all("links => links.map((a) => a.download)")
    assert all(name.endswith(".webp") for name in names), names
    # Not the image the worker kept (the last one cut out): its file was decoded again.
    assert "decode" in json.loads(card(app, "astronaut.png").get_attribute("data-timings"))
    set_form(app, format="png")


def test_copy_to_clipboard_confirms_or_explains(app, browser):
    clear_results(app)
    add_files(app, ["tests/fixtures/coffee.png"])
    wait_settled(app)
    result = card(app, "coffee.png")
    result.locator("[data-testid=copy]").click()
    # Headless Chromium without the permission refuses: the user is told, nothing breaks.
    expect(result.locator("[data-testid=note]")).to_be_visible()
    text = result.locator("[data-testid=note]").inner_text()
    assert text.startswith("Copied") or "Download instead" in text


def test_zoom_shows_the_full_resolution_result(app):
    clear_results(app)
    add_files(app, ["tests/fixtures/coffee.png"])
    wait_settled(app)
    card(app, "coffee.png").locator("[data-testid=zoom]").click()
    dialog = app.locator("[data-testid=zoom-dialog]")
    expect(dialog).to_be_visible()
    image = dialog.locator("img")
    expect(image).to_have_js_property("naturalWidth", 600)
    dialog.locator("button").click()
    expect(dialog).to_be_hidden()


PREVIEW_FIRST = """async (png) => {
  const { createRemover } = await import('./js/page/peel.js');
  const remover = await createRemover({ backend: 'wasm' });
  const blob = new Blob([Uint8Array.from(atob(png), (c) => c.charCodeAt(0))], { type: 'image/png' });
  const events = [];
  const onPreview = ({ preview, width, height }) => events.push(['preview', preview.type, width, height]);
  const first = await remover.remove(blob, { onPreview });
  events.push(['result', first.blob.type]);
  const again = await remover.render(blob, first.mask, { imageId: first.imageId, settings: { format: 'jpeg' }, onPreview });
  events.push(['result', again.blob.type]);
  remover.close();
  return events;
}"""


def test_the_preview_comes_before_the_file(app):
    """The page gets each result's preview (Event.PREVIEW) before the file is encoded."""
    png = base64.b64encode(Path("tests/fixtures/coffee.png").read_bytes()).decode()
    assert app.evaluate(PREVIEW_FIRST, png) == [
        ["preview", "image/webp", 600, 400], ["result", "image/png"],
        ["preview", "image/webp", 600, 400], ["result", "image/jpeg"],
    ]
