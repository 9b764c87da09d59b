"""Batches: many images queued, one at a time, errors isolated, cancel, ZIP of the results."""

import io
import re
import zipfile

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.browser.helpers import add_files, card, clear_results, wait_settled

#: The ZIP test's inputs: (name, size) of generated photos-like images, plus the two fixtures
#: and two corrupt files: 20 in all, two of them sharing a name.
GENERATED = [(f"generated-{i:02d}.jpg", (160 + 37 * i, 120 + 23 * i)) for i in range(15)]


def generated_image(size, seed):
    """A simple scene: a light background and a coloured blob in the middle."""
    image = Image.new("RGB", size, (235 - seed * 5, 232, 225))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse([w * 0.3, h * 0.2, w * 0.7, h * 0.9], fill=(40 + seed * 10, 90, 160))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


#: Whether a blob: URL still resolves (the CSP lets images, not fetch(), read blob: URLs).
LOADS_AS_IMAGE = """url => new Promise((resolve) => {
    const image = new Image();
    image.onload = () => resolve(true);
    image.onerror = () => resolve(false);
    image.src = url;
})"""


@pytest.fixture(scope="module")
def batch_files():
    files = [{"name": name, "mimeType": "image/jpeg", "buffer": generated_image(size, i)}
             for i, (name, size) in enumerate(GENERATED)]
    files += [{"name": n, "mimeType": "image/png", "buffer": open(f"tests/fixtures/{n}", "rb").read()}
              for n in ("astronaut.png", "coffee.png")]
    files.append({"name": "coffee.png", "mimeType": "image/png", "buffer": open("tests/fixtures/coffee.png", "rb").read()})
    files.append({"name": "broken.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0" + b"\x00" * 300})
    files.append({"name": "renamed.png", "mimeType": "image/png", "buffer": b"%PDF-1.4 not an image at all"})
    return files


def test_a_batch_of_20_finishes_with_errors_isolated_and_zips_the_rest(app, batch_files):
    clear_results(app)
    assert len(batch_files) == 20
    add_files(app, batch_files)
    expect(app.locator("[data-testid=batch-progress]")).to_contain_text("of 20 finished")
    wait_settled(app)
    expect(app.locator("[data-testid=result][data-state=done]")).to_have_count(18)
    expect(app.locator("[data-testid=result][data-state=error]")).to_have_count(2)
    expect(app.locator("[data-testid=batch-progress]")).to_have_text("20 of 20 finished (2 failed)")
    expect(card(app, "broken.jpg").locator("[data-testid=error]")).to_have_attribute("data-code", "corrupt-image")
    expect(card(app, "renamed.png").locator("[data-testid=error]")).to_have_attribute("data-code", "not-an-image")

    with app.expect_download() as info:
        app.locator("[data-testid=download-all]").click()
    expected_sizes = {name.replace(".jpg", "-nobg.png"): size for name, size in GENERATED}
    expected_sizes |= {"astronaut-nobg.png": (512, 512), "coffee-nobg.png": (600, 400), "coffee-nobg (2).png": (600, 400)}
    with zipfile.ZipFile(info.value.path()) as archive:
        names = archive.namelist()
        assert sorted(names) == sorted(expected_sizes)
        for name in names:
            with Image.open(io.BytesIO(archive.read(name))) as image:
                assert (image.size, image.mode) == (expected_sizes[name], "RGBA"), name


def test_cancel_the_rest_stops_the_queue_and_keeps_what_is_done(app, batch_files):
    clear_results(app)
    add_files(app, batch_files[:8])
    expect(app.locator("[data-testid=result][data-state=working]")).to_have_count(1)
    app.locator("[data-testid=cancel-rest]").click()
    wait_settled(app, also_settled=("cancelled",))
    states = app.locator("[data-testid=result]").evaluate_all("cards => cards.map((c) => c.dataset.state)")
    assert states.count("done") == 1 and states.count("cancelled") == 7, states
    app.wait_for_timeout(1500)  # nothing else starts
    assert app.locator("[data-testid=result][data-state=working]").count() == 0
    assert app.locator("[data-testid=result][data-state=done]").count() == 1


def test_one_queued_item_can_be_cancelled_and_a_card_removed_frees_its_urls(app, app_errors, batch_files):
    clear_results(app)
    add_files(app, batch_files[:3])
    second = card(app, batch_files[1]["name"])
    second.locator("[data-testid=cancel]").click()
    wait_settled(app, also_settled=("cancelled",))
    expect(second).to_have_attribute("data-state", "cancelled")
    third = card(app, batch_files[2]["name"])
    expect(third).to_have_attribute("data-state", "done")

    url = third.locator("[data-testid=download]").get_attribute("href")
    assert app.evaluate(LOADS_AS_IMAGE, url) is True
    third.locator("[data-testid=remove]").click()
    expect(third).to_have_count(0)
    assert app.evaluate(LOADS_AS_IMAGE, url) is False
    app_errors.remove("console: Failed to load resource: net::ERR_FILE_NOT_FOUND")  # that revoked URL


def test_previews_are_small_and_downloads_are_full_size(app):
    clear_results(app)
    big = Image.open("tests/fixtures/astronaut.png").convert("RGB").resize((3000, 3000))
    buffer = io.BytesIO()
    big.save(buffer, "JPEG", quality=85)
    add_files(app, [{"name": "big.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}])
    wait_settled(app)
    result = card(app, "big.jpg")
    size = result.locator("img[data-testid=result-image]").evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert max(size) <= 640, size
    expect(result.locator(".result-state")).to_have_text(re.compile("3000 × 3000 px"))
