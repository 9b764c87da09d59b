"""A person's own model file in the page (issue 27): "Use a model file…" under Model.

One fresh browser context walks the whole story, since each step needs the one before (the
file kept in the browser, then an offline reload): a file of zeros is refused with a clear
message and the app goes on; a dropped file whose family cannot be told asks for it; the real ISNet file (the AGPL-3.0 fp16 copy: a test input only,
from the download cache, never served) is added through the picker, named with its size, runs
on a photo, and the page's alpha equals `peel --model-file`'s; nothing is requested meanwhile;
after an offline reload it is read from the browser's storage and runs again; once removed,
the images made with it still render from their kept masks, and new images use u2netp.
"""

import io
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.helpers import (
    OFFLINE_READY,
    READY_TIMEOUT_MS,
    add_files,
    alpha_mae,
    card,
    download,
    open_app,
    set_form,
    wait_settled,
)
from tests.conftest import FIXTURES, ROOT

CAR = FIXTURES / "rembg" / "fixtures" / "car-1.jpg"
#: ISNet at 1024 in WASM on two loaded cores: tens of seconds per image, more under load.
ISNET_TIMEOUT_MS = 600_000
#: Reading 88 MB, Python's md5 of it and onnxruntime's session.
LOAD_TIMEOUT_MS = 300_000


def status(page):
    return page.locator("[data-testid=model-file-status]")


def odd_model():
    """A small segmentation graph of a size no family has (256²): its family must be chosen."""
    from onnx import TensorProto, helper

    image = lambda name, shape: helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)  # noqa: E731
    graph = helper.make_graph([helper.make_node("ReduceMean", ["input"], ["out"], axes=[1], keepdims=1)], "odd",
                              [image("input", [1, 3, 256, 256])], [image("out", [1, 1, 256, 256])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()


def alpha_of(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))[..., 3]


def test_a_model_file_is_kept_used_offline_and_removed(fresh, base_url, tmp_path, isnet_model_path):
    context, errors = fresh
    requests = []
    context.on("request", lambda request: requests.append(request.url))
    page = open_app(context, f"{base_url}?backend=wasm", errors)
    expect(page.locator(OFFLINE_READY)).to_be_visible(timeout=READY_TIMEOUT_MS)
    page.locator("[data-testid=show-settings]").click()
    picker = page.locator("input[type=file][data-testid=model-file]")
    expect(page.locator(".model-file-hint")).to_contain_text("~/.u2net/")
    page.wait_for_timeout(500)  # let start-up requests settle
    before = len(requests)

    # 50 MB of zeros named .onnx: refused in words, and nothing is added.
    zeros = tmp_path / "zeros.onnx"
    with zeros.open("wb") as f:
        f.truncate(50_000_000)
    picker.set_input_files(str(zeros))
    expect(status(page)).to_have_attribute("data-error", "not-onnx", timeout=LOAD_TIMEOUT_MS)
    expect(status(page)).to_contain_text("zeros.onnx: not an ONNX model")
    expect(page.locator("[name=model][value=zeros]")).to_have_count(0)

    # Dropped anywhere: a model whose family cannot be told asks for it, then is added.
    page.evaluate("""(bytes) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], 'odd.onnx'));
        document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }""", list(odd_model()))
    expect(status(page)).to_have_attribute("data-error", "unknown-model-family", timeout=LOAD_TIMEOUT_MS)
    expect(status(page)).to_contain_text("choose its family")
    family = page.locator("[data-testid=model-family]")
    expect(family).to_be_visible()
    family.select_option("u2net")
    expect(status(page)).to_contain_text("Added odd (U²-Net", timeout=LOAD_TIMEOUT_MS)
    expect(family).to_be_hidden()
    expect(page.locator("[data-testid=result]")).to_have_count(0)  # a model file is no image
    page.locator("[data-model=odd] [data-testid=model-file-remove]").click()
    expect(status(page)).to_have_text("Removed odd from this browser.")
    expect(page.locator("[name=model][value=odd]")).to_have_count(0)

    # The real ISNet file, under the name a rembg user's copy might have.
    isnet = tmp_path / "isnet.onnx"
    shutil.copyfile(isnet_model_path, isnet)
    picker.set_input_files(str(isnet))
    expect(status(page)).to_contain_text("Added isnet (ISNet (DIS), 88.2 MB, runs at 1024 px", timeout=LOAD_TIMEOUT_MS)
    choice = page.locator("[name=model][value=isnet]")
    expect(choice.locator("xpath=..")).to_contain_text("isnet (ISNet (DIS), your file, 88.2 MB)")

    set_form(page, model="isnet")
    add_files(page, [str(CAR)])
    # A slow model's run is a stage with its deadline, said beside the model and on the card.
    expect(status(page)).to_contain_text("Running isnet on car-1.jpg", timeout=LOAD_TIMEOUT_MS)
    expect(status(page)).to_contain_text("it stops if it takes more than 600 s")
    expect(card(page, "car-1.jpg")).to_contain_text("Running isnet, your model file")
    expect(card(page, "car-1.jpg")).to_have_attribute("data-state", "done", timeout=ISNET_TIMEOUT_MS)
    expect(card(page, "car-1.jpg").locator("[data-testid=model]")).to_have_attribute("data-model", "isnet")
    during = [url for url in requests[before:] if not url.startswith("blob:")]
    assert during == [], during  # the file and the photo never left the page

    # The page's alpha is the command's on the same file.
    name, page_png = download(page, card(page, "car-1.jpg"))
    subprocess.run([sys.executable, "-m", "peel.desktop.cli", str(CAR), "-o", str(tmp_path / "cli"),
                    "--model-file", str(isnet), "--quiet"], check=True, cwd=ROOT / "py")
    with Image.open(tmp_path / "cli" / name) as image:
        desktop_alpha = np.asarray(image)[..., 3]
    page_alpha = alpha_of(page_png)
    assert page_alpha.shape == desktop_alpha.shape
    mae = alpha_mae(page_alpha, desktop_alpha)
    print(f"ISNet page vs peel --model-file: alpha MAE {mae:.3f}/255")
    assert mae <= 1
    subprocess.run([sys.executable, "-m", "peel.desktop.cli", str(CAR), "-o", str(tmp_path / "u2netp"), "--quiet"],
                   check=True, cwd=ROOT / "py")
    with Image.open(tmp_path / "u2netp" / name) as image:  # the model made the difference
        assert alpha_mae(page_alpha, np.asarray(image)[..., 3]) > 2
    assert 0.05 < (desktop_alpha > 127).mean() < 0.95  # a real cut-out

    # Offline, after a reload: the file comes from this browser's storage and runs again.
    context.set_offline(True)
    page.reload()
    expect(page.locator("[data-testid=app-status]")).to_have_attribute("data-ready", "true", timeout=READY_TIMEOUT_MS)
    expect(card(page, "car-1.jpg")).to_have_attribute("data-state", "done", timeout=ISNET_TIMEOUT_MS)
    expect(page.locator("[name=model][value=isnet]")).to_have_count(1)
    if not page.locator("#settings").is_visible():
        page.locator("[data-testid=show-settings]").click()
    set_form(page, model="isnet")
    add_files(page, [str(FIXTURES / "coffee.png")])
    expect(card(page, "coffee.png")).to_have_attribute("data-state", "done", timeout=ISNET_TIMEOUT_MS)
    expect(card(page, "coffee.png").locator("[data-testid=model]")).to_have_attribute("data-model", "isnet")

    # Removed: its images keep their cut-outs and still render; new images use u2netp.
    page.locator("[data-model=isnet] [data-testid=model-file-remove]").click()
    expect(page.locator("[name=model][value=isnet]")).to_have_count(0)
    expect(status(page)).to_contain_text("The 2 images made with it keep their cut-outs")
    set_form(page, feather=2)  # every image renders again, from its kept mask
    page.wait_for_timeout(300)
    wait_settled(page)
    for name in ("car-1.jpg", "coffee.png"):
        expect(card(page, name)).to_have_attribute("data-state", "done")
        expect(card(page, name).locator("[data-testid=error]")).to_be_hidden()
    add_files(page, [str(FIXTURES / "astronaut.png")])
    expect(card(page, "astronaut.png")).to_have_attribute("data-state", "done", timeout=ISNET_TIMEOUT_MS)
    expect(card(page, "astronaut.png").locator("[data-testid=model]")).to_have_attribute("data-model", "u2netp")
    expect(status(page)).to_contain_text("Removed isnet")  # the engine let go of it without a word

    # A later visit: the removed file is gone; its images come back from their kept masks.
    page.reload()
    expect(page.locator("[data-testid=app-status]")).to_have_attribute("data-ready", "true", timeout=READY_TIMEOUT_MS)
    for name in ("car-1.jpg", "coffee.png", "astronaut.png"):
        expect(card(page, name)).to_have_attribute("data-state", "done", timeout=ISNET_TIMEOUT_MS)
    expect(page.locator("[name=model][value=isnet]")).to_have_count(0)
    assert all(url.startswith((base_url, "blob:", "data:")) for url in requests), requests


STORE_SCRIPT = """async ({ prefer }) => {
  const { openModelStore } = await import('./js/page/model-store.js');
  const store = await openModelStore({ prefer });
  const record = (name, size) => ({ name, fileName: `${name}.onnx`, family: 'isnet', familyLabel: 'ISNet (DIS)',
    inputSize: 1024, size, added: Date.now() });
  const small = new Uint8Array(1000).map((_, i) => i % 251);
  await store.put(record('small', small.length), new Blob([small]));
  let full = null;
  try {
    // Made in the page: a file picked from disk was, now and then, refused by Chromium with a
    // NotReadableError instead of the quota error this test is about (its snapshot check).
    const file = new File([new Uint8Array(50_000_000)], 'huge.onnx');
    await store.put(record('huge', file.size), file);
  } catch (error) {
    full = { name: error.name, code: error.code, message: error.message };
  }
  const listed = (await store.list()).map((r) => r.name);
  const back = new Uint8Array(await (await store.file('small')).arrayBuffer());
  const huge = await store.file('huge');
  await store.remove('small');
  return { full, listed, same: back.every((value, i) => value === small[i]) && back.length === small.length,
           huge: huge === null, afterRemove: (await store.list()).length, gone: (await store.file('small')) === null };
}"""


@pytest.mark.parametrize("prefer", ["opfs", "idb"])
def test_model_files_storage_keeps_all_or_nothing_and_says_which_file_did_not_fit(browser, base_url, prefer):
    """js/page/model-store.js in Chromium's real storage, its quota made small (DevTools protocol):
    a file that does not fit is a StorageFullError naming it, leaves nothing behind, and the file
    kept before stays byte for byte; remove forgets it. A page of the app's origin that starts no
    engine (build.json), so the origin's storage is the store's alone."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base_url}build.json")
    session = context.new_cdp_session(page)
    origin = base_url.rstrip("/")
    usage = page.evaluate("navigator.storage.estimate().then((e) => e.usage)")
    session.send("Storage.overrideQuotaForOrigin", {"origin": origin, "quotaSize": usage + 2_000_000})
    try:
        result = page.evaluate(STORE_SCRIPT, {"prefer": prefer})
    finally:
        session.send("Storage.overrideQuotaForOrigin", {"origin": origin})
    context.close()
    assert result["full"]["code"] == "storage-full", result
    assert result["full"]["message"].startswith("There is no room in this browser's storage for huge.onnx (50.0 MB)")
    assert result["listed"] == ["small"] and result["same"] and result["huge"]
    assert result["afterRemove"] == 0 and result["gone"]
