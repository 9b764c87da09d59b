"""The served app end to end in Chromium (WASM backend): photos in, cut-outs out."""

import io
import re
import zipfile

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from buildtools.paths import SERVED_MODEL
from tests.browser.helpers import add_files, alpha_mae, card, clear_results, download, png_image, set_form, wait_settled

FIXTURES = ("astronaut.png", "coffee.png")


@pytest.fixture(scope="module")
def cpython_alpha():
    """Alpha of Peel's CPython pipeline (native onnxruntime, the served model, the same default
    settings as the page) per fixture."""
    from peel.desktop.api import Remover

    remover = Remover(SERVED_MODEL)
    return {name: np.asarray(remover.remove(f"tests/fixtures/{name}"))[..., 3] for name in FIXTURES}


def test_page_is_isolated_and_says_which_backend(app):
    assert app.evaluate("crossOriginIsolated") is True
    status = app.locator("[data-testid=app-status]")
    expect(status).to_contain_text("running on this device's processor (2 threads)")
    expect(status).to_have_attribute("data-backend", "WASM ×2")
    assert status.get_attribute("title").startswith("WASM ×2, started in ")


def test_fixture_photos_match_the_cpython_pipeline(app, cpython_alpha):
    add_files(app, [f"tests/fixtures/{name}" for name in FIXTURES])
    wait_settled(app)
    for name in FIXTURES:
        result = card(app, name)
        expect(result).to_have_attribute("data-state", "done")
        expect(result.locator("[data-testid=backend]")).to_have_text(re.compile(r"^WASM ×\d+$"))
        expect(result.locator("img[data-testid=result-image]")).to_have_attribute("src", re.compile("^blob:"))

        filename, data = download(app, result)
        assert filename == name.replace(".png", "-nobg.png")
        image = png_image(data)
        with Image.open(f"tests/fixtures/{name}") as original:
            assert image.size == original.size
        assert image.mode == "RGBA"
        mae = alpha_mae(np.asarray(image)[..., 3], cpython_alpha[name])
        print(f"{name}: browser vs CPython alpha MAE {mae:.3f}/255")
        assert mae <= 2


HAZY = ("anime-girl-1.jpg", "plants-1.jpg")  # u2netp leaves a wide haze on both (bench/README.md)


def test_solid_subject_alpha_matches_the_cpython_pipeline(app):
    """With the solid-subject step on, the page's alpha is CPython's (MAE <= 1/255), on photos
    where the step fills something."""
    from peel.desktop.api import Remover

    remover = Remover(SERVED_MODEL)
    paths = [f"tests/fixtures/rembg/fixtures/{name}" for name in HAZY]
    clear_results(app)
    set_form(app, solid=True)
    try:
        add_files(app, paths)
        wait_settled(app)
        for name, path in zip(HAZY, paths):
            expected = np.asarray(remover.remove(path, solid=True))[..., 3]
            without = np.asarray(remover.remove(path, solid=False))[..., 3]
            assert alpha_mae(expected, without) > 0.05, name  # the step changed something here
            _, data = download(app, card(app, name))
            mae = alpha_mae(np.asarray(png_image(data))[..., 3], expected)
            print(f"{name}: solid, browser vs CPython alpha MAE {mae:.3f}/255")
            assert mae <= 1, name
    finally:
        clear_results(app)
        set_form(app, solid=False)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("empty.png", b"", "empty-file"),
        ("notes.txt", b"these are not pixels\n" * 20, "not-an-image"),
        ("truncated.png", None, "corrupt-image"),  # the first 2 kB of a real PNG
    ],
)
def test_bad_file_gets_an_error_card_and_the_next_image_works(app, name, content, code):
    if content is None:
        content = open("tests/fixtures/coffee.png", "rb").read()[:2048]
    add_files(app, [{"name": name, "mimeType": "application/octet-stream", "buffer": content}])
    add_files(app, ["tests/fixtures/coffee.png"])
    wait_settled(app)

    bad = card(app, name)
    expect(bad).to_have_attribute("data-state", "error")
    error = bad.locator("[data-testid=error]")
    expect(error).to_have_attribute("data-code", code)
    expect(error).to_be_visible()
    assert len(error.inner_text()) > 20  # a sentence, not a code
    expect(card(app, "coffee.png")).to_have_attribute("data-state", "done")


def test_download_all_zips_every_finished_result_with_unique_names(app):
    add_files(app, ["tests/fixtures/coffee.png", "tests/fixtures/coffee.png"])
    wait_settled(app)
    done = app.locator("[data-testid=result][data-state=done]").count()

    with app.expect_download() as info:
        app.locator("[data-testid=download-all]").click()
    assert re.fullmatch(r"peel-\d{4}-\d{2}-\d{2}\.zip", info.value.suggested_filename)
    with zipfile.ZipFile(info.value.path()) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert len(names) == done and len(set(names)) == done
        assert "coffee-nobg.png" in names and "coffee-nobg (2).png" in names
        with Image.open(io.BytesIO(archive.read("coffee-nobg (2).png"))) as image:
            assert (image.size, image.mode) == ((600, 400), "RGBA")


def test_a_hostile_file_name_is_shown_as_text_and_downloads_safely(app):
    name = "<img src=x onerror=alert(1)>.png"
    add_files(app, [{"name": name, "mimeType": "image/png", "buffer": open("tests/fixtures/coffee.png", "rb").read()}])
    wait_settled(app)
    result = app.locator("[data-testid=result]").last
    expect(result.locator(".result-name")).to_have_text(name)
    assert app.locator("img[src=x]").count() == 0
    filename, _ = download(app, result)
    assert filename == "_img src=x onerror=alert(1)_-nobg.png"
