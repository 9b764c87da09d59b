"""The kept session in the app (js/page/session.js), as a user meets it: a reload mid-batch brings
every finished image back with its strokes and settings (rendered again, no model run, offline)
and runs the unfinished ones again; outputs are links to the kept files, readable after a reload,
and the ZIP of them equals the single downloads; a full quota says so, keeps what was kept and
the app goes on; "Clear all" empties the store.

Each test has its own browser context: its own storage, its own kept session.
"""

import io
import zipfile

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.browser.helpers import (OFFLINE_READY, RESULT_TIMEOUT_MS, PageErrors, add_files, card, open_app,
                                   set_form, wait_settled)
from tests.browser.test_editor import Editor

CARDS = "[data-testid=result]"
NOTICE = "[data-testid=storage-notice]"


def scene(size, seed, kind="PNG"):
    """A light background and a coloured blob, different for each seed."""
    image = Image.new("RGB", size, (235 - seed * 3 % 60, 232, 225))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse([w * 0.3, h * 0.2, w * 0.7, h * 0.9], fill=(40 + seed * 9 % 200, 90, 160))
    buffer = io.BytesIO()
    image.save(buffer, kind, **({"quality": 90} if kind == "JPEG" else {}))
    return buffer.getvalue()


def png_file(name, size, seed):
    return {"name": name, "mimeType": "image/png", "buffer": scene(size, seed)}


@pytest.fixture
def kept(browser, base_url):
    """Open the app in a new context; returns open(query) → page. Errors fail the test."""
    context = browser.new_context(accept_downloads=True)
    errors = PageErrors()

    def open_page(query=""):
        page = open_app(context, f"{base_url}?backend=wasm{query}", errors)
        expect(page.locator(OFFLINE_READY)).to_be_visible(timeout=RESULT_TIMEOUT_MS)
        return page

    open_page.context = context
    yield open_page
    context.close()
    assert not errors, "\n".join(errors)


def reload(page):
    page.reload()
    expect(page.locator("[data-testid=app-status]")).to_have_attribute("data-ready", "true", timeout=RESULT_TIMEOUT_MS)


def downloads(page, names):
    """The bytes of each named card's download, as the user gets them. A click that starts no
    download within 15 s is made once more: in 2 of 4 runs of 20 downloads in a row, Chromium
    started no download for one click (the link's href and `download` were right, not inert)."""
    got = {}
    for name in names:
        link = card(page, name).locator("[data-testid=download]")
        for timeout in (15_000, 30_000):
            try:
                with page.expect_download(timeout=timeout) as info:
                    link.click()
                break
            except PlaywrightTimeoutError:
                if timeout == 30_000:
                    raise
        got[name] = open(info.value.path(), "rb").read()
    return got


def wait_kept(page, count):
    """`count` cards done, each link reading the kept file (a batch gets time for each image)."""
    expect(page.locator(f"{CARDS}[data-state=done] a[data-testid=download][data-kept=true]")).to_have_count(
        count, timeout=RESULT_TIMEOUT_MS * max(1, count / 5))


def test_a_reload_mid_batch_brings_back_the_finished_images_and_runs_the_rest_offline(kept):
    page = kept()
    # The first image: a colour background, and a stroke in the editor.
    set_form(page, background="color")
    editor = Editor(page)
    add_files(page, [png_file("first.png", (160, 120), 1)])
    wait_settled(page)
    expect(editor.root).to_have_attribute("data-name", "first.png")
    editor.settle()
    editor.size = (160, 120)
    editor.root.locator("[data-testid=zoom-fit]").click()
    editor.stroke("erase", 8, [(40, 60), (80, 60), (120, 60)])
    wait_kept(page, 1)
    add_files(page, [png_file("second.png", (140, 100), 2)]
              + [{"name": f"big-{i}.jpg", "mimeType": "image/jpeg", "buffer": scene((1600, 1200), 10 + i, "JPEG")}
                 for i in range(3)])
    second = card(page, "second.png")
    expect(second).to_have_attribute("data-state", "done", timeout=RESULT_TIMEOUT_MS)
    # The second image gets other settings of its own: a transparent background.
    second.locator("[data-testid=open]").click()
    expect(editor.root).to_have_attribute("data-name", "second.png")
    set_form(page, scope="image", background="transparent")
    expect(second).to_have_attribute("data-renders", "2", timeout=RESULT_TIMEOUT_MS)
    editor.settle()
    before = downloads(page, ["first.png", "second.png"])
    states = page.locator(CARDS).evaluate_all("cards => cards.map((c) => c.dataset.state)")
    assert states.count("done") < 5, states  # the reload comes mid-batch
    alpha = {name: Image.open(io.BytesIO(data)).convert("RGBA").getextrema()[3] for name, data in before.items()}
    assert alpha["first.png"] == (255, 255)  # its colour background
    assert alpha["second.png"][0] == 0  # transparent around the subject

    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    kept.context.set_offline(True)  # restoring must need nothing from the network
    try:
        reload(page)
        expect(page.locator(CARDS)).to_have_count(5)
        names = page.locator(CARDS).evaluate_all("cards => cards.map((c) => c.dataset.name)")
        assert names == ["first.png", "second.png", "big-0.jpg", "big-1.jpg", "big-2.jpg"]
        wait_settled(page)
        expect(page.locator(f"{CARDS}[data-state=done]")).to_have_count(5)
    finally:
        kept.context.set_offline(False)
    assert failed == []
    # The finished ones are the same files: each one's own settings and strokes came back with
    # it (whatever the form says now), and they were only rendered again (no model run).
    assert downloads(page, ["first.png", "second.png"]) == before
    for name in ("first.png", "second.png"):
        assert "inference" not in card(page, name).get_attribute("data-timings")
    first = card(page, "first.png")
    first.locator("[data-testid=open]").click()
    expect(editor.root).to_have_attribute("data-name", "first.png")
    expect(editor.root).to_have_attribute("data-edits", "1")
    expect(page.locator(NOTICE)).to_be_hidden()


def test_twenty_outputs_are_kept_files_readable_after_a_reload_and_zip_to_the_same_bytes(kept):
    page = kept()
    files = [png_file(f"small-{i:02d}.png", (48 + 3 * i, 40 + 2 * i), i) for i in range(20)]
    add_files(page, files)
    wait_kept(page, 20)
    names = [file["name"] for file in files]

    reload(page)  # no output in memory any more: what comes back is what was kept
    expect(page.locator(CARDS)).to_have_count(20)
    wait_kept(page, 20)
    # "Download all" first: Chromium lets the first download of a page start without the click's
    # user activation (the ZIP is made after it), and asks before the next ones.
    with page.expect_download() as info:
        page.locator("[data-testid=download-all]").click()
    with zipfile.ZipFile(info.value.path()) as archive:
        assert archive.testzip() is None
        zipped = {entry.filename: archive.read(entry) for entry in archive.infolist()}
    singles = downloads(page, names)
    assert sorted(zipped) == sorted(name.replace(".png", "-nobg.png") for name in names)
    assert {name: zipped[name.replace(".png", "-nobg.png")] for name in names} == singles
    assert all(data.startswith(b"\x89PNG") for data in singles.values())


def test_a_full_quota_says_so_keeps_what_was_kept_and_the_app_goes_on(kept):
    files = [png_file(f"q-{i}.png", (64, 48), 20 + i) for i in range(4)]
    mask = 320 * 320 * 4  # the model's float32 mask
    # Room for two images with their outputs, not for three.
    quota = sum(len(file["buffer"]) + mask for file in files[:2]) + 2 * 40_000
    page = kept(f"&storage.quota={quota}")
    for i, file in enumerate(files[:3]):
        add_files(page, [file])
        expect(card(page, file["name"])).to_have_attribute("data-state", "done", timeout=RESULT_TIMEOUT_MS)
        if i < 2:
            wait_kept(page, i + 1)
    notice = page.locator(NOTICE)
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Storage is full")
    expect(notice).to_contain_text("download")
    expect(notice).to_have_attribute("data-code", "storage-full")
    # The app goes on: the image that did not fit works, and so does the next one.
    add_files(page, [files[3]])
    expect(card(page, files[3]["name"])).to_have_attribute("data-state", "done", timeout=RESULT_TIMEOUT_MS)
    third = downloads(page, [files[2]["name"], files[3]["name"]])
    assert all(data.startswith(b"\x89PNG") for data in third.values())
    kept_before = downloads(page, [files[0]["name"], files[1]["name"]])

    reload(page)  # what was kept before the quota ran out comes back as it was, no model run
    wait_settled(page)
    for file in files[:2]:
        expect(card(page, file["name"]).locator("a[data-testid=download]")).to_have_attribute("data-kept", "true")
    assert downloads(page, [files[0]["name"], files[1]["name"]]) == kept_before
    for file in files[:2]:
        assert "inference" not in card(page, file["name"]).get_attribute("data-timings")
    # The others' originals may have fitted without their masks: they come back, and run again.
    names = page.locator(CARDS).evaluate_all("cards => cards.map((c) => c.dataset.name)")
    assert names[:2] == [files[0]["name"], files[1]["name"]]
    expect(page.locator(f"{CARDS}:not([data-state=done])")).to_have_count(0)


def test_clear_all_empties_the_kept_session_as_the_privacy_panel_says(kept):
    page = kept()
    privacy = page.locator("[data-testid=privacy]")
    for words in ("What Peel keeps on this device", "IndexedDB", "never leaves this device", "Clear all"):
        expect(privacy).to_contain_text(words)
    add_files(page, [png_file(f"c-{i}.png", (50, 40), 40 + i) for i in range(3)])
    wait_kept(page, 3)
    reload(page)
    wait_kept(page, 3)
    page.locator("[data-testid=clear-all]").click()
    expect(page.locator(CARDS)).to_have_count(0)
    page.wait_for_timeout(500)  # the store empties in the background
    reload(page)
    page.wait_for_timeout(1000)  # time for anything kept to come back
    expect(page.locator(CARDS)).to_have_count(0)
