"""People mode: MODNet downloaded on demand, then run like u2netp, offline after (issue 16).

One fresh browser context walks the whole story, since each step needs the one before (a
download, then its cache): nothing is fetched before the click; u2netp images do not wait for
it; the result equals the CPython pipeline's, through the command the page copies; "Apply to
all" re-runs the other images with MODNet; and after an offline reload MODNet runs again.
"""

import io
import shlex

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from peel.desktop import assets, cli
from peel.models import modnet
from tests.browser.helpers import (
    OFFLINE_READY,
    READY_TIMEOUT_MS,
    RESULT_TIMEOUT_MS,
    PageErrors,
    add_files,
    alpha_mae,
    card,
    copy_command,
    download,
    open_app,
    set_form,
    wait_settled,
)
from tests.conftest import FIXTURES

PEOPLE = FIXTURES / "rembg" / "fixtures"
MODEL_FILE = "models/modnet.onnx"


def test_people_model_on_demand_matches_cpython_and_works_offline(fresh, base_url, tmp_path):
    context, errors = fresh
    fetched = []
    context.on("request", lambda request: MODEL_FILE in request.url and fetched.append(request.url))
    page = open_app(context, f"{base_url}?backend=wasm", errors)
    button = page.locator("[data-testid=model-download]")
    expect(button).to_be_hidden()

    # Picking MODNet offers the download, with its size, and fetches nothing.
    set_form(page, model="modnet")
    expect(button).to_be_visible()
    expect(button).to_contain_text("25.9 MB")
    add_files(page, [str(PEOPLE / "cloth-1.jpg")])
    person = card(page, "cloth-1.jpg")
    expect(person).to_contain_text("Waiting for the people model")

    # The general model does not wait for it.
    set_form(page, model="u2netp")
    expect(button).to_be_hidden()
    add_files(page, [str(FIXTURES / "coffee.png")])
    expect(card(page, "coffee.png")).to_have_attribute("data-state", "done", timeout=RESULT_TIMEOUT_MS)
    expect(card(page, "coffee.png").locator("[data-testid=model]")).to_have_attribute("data-model", "u2netp")
    assert person.get_attribute("data-state") == "queued"
    assert not fetched, fetched

    # The click downloads it (with progress), and the waiting image runs.
    set_form(page, model="modnet")
    button.click()
    expect(person).to_have_attribute("data-state", "done", timeout=RESULT_TIMEOUT_MS)
    assert fetched, "the model's download should be seen"
    expect(button).to_be_hidden()
    expect(person.locator("[data-testid=model]")).to_have_attribute("data-model", "modnet")
    expect(person.locator("[data-testid=model]")).to_have_text("MODNet (people)")

    # The copied command gives the same alpha under CPython (native onnxruntime).
    words = shlex.split(copy_command(page))
    assert words == ["peel", "--model", "modnet"]
    model_file = assets.cache_path(modnet.MODNET.file.sha256)
    assert cli.main([*words[1:], str(PEOPLE / "cloth-1.jpg"), "-o", str(tmp_path),
                     "--model-file", str(model_file), "--quiet"]) == 0
    name, data = download(page, person)
    page_alpha = np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))[..., 3]
    with Image.open(tmp_path / name) as image:
        desktop_alpha = np.asarray(image)[..., 3]
    mae = alpha_mae(page_alpha, desktop_alpha)
    print(f"cloth-1 MODNet: page vs CPython alpha MAE {mae:.3f}/255")
    assert mae <= 2
    assert 0.05 < (desktop_alpha > 127).mean() < 0.6  # a person, not all or nothing

    # With "All images" (the default scope), the u2netp image runs again with MODNet once it is here.
    expect(page.locator("#settings [name=scope][value=all]")).to_be_checked()
    expect(card(page, "coffee.png").locator("[data-testid=model]")).to_have_attribute(
        "data-model", "modnet", timeout=RESULT_TIMEOUT_MS)
    wait_settled(page)

    # Offline, after a reload: no download offered, and MODNet runs from the cache.
    expect(page.locator(OFFLINE_READY)).to_be_visible(
        timeout=RESULT_TIMEOUT_MS)
    context.set_offline(True)
    page.reload()
    expect(page.locator("[data-testid=app-status]")).to_have_attribute("data-ready", "true", timeout=READY_TIMEOUT_MS)
    set_form(page, model="modnet")
    add_files(page, [str(PEOPLE / "anime-girl-1.jpg")])
    again = card(page, "anime-girl-1.jpg")
    expect(again).to_have_attribute("data-state", "done", timeout=RESULT_TIMEOUT_MS)
    expect(again.locator("[data-testid=model]")).to_have_attribute("data-model", "modnet")
    expect(button).to_be_hidden()
