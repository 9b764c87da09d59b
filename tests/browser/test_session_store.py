"""The kept session (js/page/session-store.js) in real Chromium storage: 20 images with masks,
strokes and outputs come back byte for byte after a reload, in the origin-private file system and
in the IndexedDB fallback; remove and clear; a full quota (simulated, and Chromium's own) gives
the typed error and keeps what was stored; the ZIP of 20 stored outputs equals them; no request.

The store is driven through page.evaluate with dynamic import(), in the built app's own origin.
"""

import base64
import io
import zipfile

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.helpers import OFFLINE_READY, PageErrors, open_app

#: JS: store `images` (see make_images) in a store named `name`; no flush at the end, so a
#: reload right after must write the pending changes itself (pagehide).
PUT_ALL = """async ({ name, prefer, images, flush }) => {
  const { SessionStore } = await import('./js/page/session-store.js');
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const store = await SessionStore.open({ name, prefer });
  const ids = await Promise.all(images.map((image) => store.putImage({
    file: new File([bytes(image.original)], image.name, { type: image.type, lastModified: image.lastModified }),
    model: 'u2netp', settings: image.settings, state: 'working',
    mask: new Float32Array(bytes(image.mask).buffer), maskShape: image.maskShape,
  })));
  const outputs = await Promise.all(ids.map((id, i) =>
    store.putOutput(id, new Blob([bytes(images[i].output)], { type: 'image/png' }), { name: images[i].outputName })));
  ids.forEach((id, i) => store.updateImage(id, { state: 'done', edits: images[i].edits }));
  if (flush) await store.close();
  return { ids, backend: store.backend, outputs: outputs.map((file) => [file.name, file.size]) };
}"""

#: JS: everything a store named `name` lists, as JSON (bytes as base64), and its estimate.
LIST_ALL = """async ({ name, prefer }) => {
  const { SessionStore } = await import('./js/page/session-store.js');
  const store = await SessionStore.open({ name, prefer });
  const b64 = async (blob) => {
    const data = new Uint8Array(await blob.arrayBuffer());
    let text = '';
    for (let i = 0; i < data.length; i += 8192) text += String.fromCharCode(...data.subarray(i, i + 8192));
    return btoa(text);
  };
  const records = [];
  for (const r of await store.list()) {
    records.push({
      id: r.id, model: r.model, settings: r.settings, state: r.state, edits: r.edits, maskShape: r.maskShape,
      name: r.file.name, type: r.file.type, lastModified: r.file.lastModified, original: await b64(r.file),
      maskType: r.mask.constructor.name, mask: await b64(new Blob([r.mask])),
      output: r.output && await b64(r.output), outputName: r.output?.name, outputType: r.output?.type,
    });
  }
  const estimate = await store.estimate();
  await store.close();
  return { records, estimate, backend: store.backend };
}"""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _png(array) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


def make_images(count=20, seed=0):
    """`count` small, different images as the page would keep them: the original PNG, a float32
    mask (H, W) in [0, 1], an RGBA output PNG, settings and an edit history of strokes."""
    rng = np.random.default_rng(seed)
    images = []
    for i in range(count):
        height, width = 12 + i, 20 + 2 * i
        rgb = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        mask = rng.random((height, width), dtype=np.float32)
        rgba = np.dstack([rgb, (mask * 255).astype(np.uint8)])
        stroke = {"tool": "erase" if i % 2 else "restore", "radius": 3.5 + i,
                  "points": [[1.25 * k, 2.5 + k] for k in range(i + 2)]}
        images.append({
            "name": f"photo {i:02d} é.png", "type": "image/png", "lastModified": 1_700_000_000_000 + i * 1000,
            "original": _b64(_png(rgb)), "mask": _b64(mask.tobytes()), "maskShape": [height, width],
            "output": _b64(_png(rgba)), "outputName": f"photo {i:02d} é-nobg.png",
            "settings": {"format": "png", "threshold": i / 100, "background": None},
            "edits": {"states": [[], [stroke]], "index": 1},
        })
    return images


def assert_same(listed, images):
    """Every listed record equals the image it was made from, in order, byte for byte."""
    assert [r["name"] for r in listed] == [i["name"] for i in images]
    for record, image in zip(listed, images):
        assert record["original"] == image["original"], record["name"]
        assert (record["type"], record["lastModified"]) == (image["type"], image["lastModified"])
        assert record["maskType"] == "Float32Array" and record["mask"] == image["mask"], record["name"]
        assert record["maskShape"] == image["maskShape"]
        assert record["output"] == image["output"], record["name"]
        assert (record["outputName"], record["outputType"]) == (image["outputName"], "image/png")
        assert record["settings"] == image["settings"] and record["edits"] == image["edits"]
        assert (record["state"], record["model"]) == ("done", "u2netp")


@pytest.fixture(scope="module")
def session_page(browser, base_url):
    """The app, ready, in its own context; `requests` lists every URL it asked for."""
    errors = PageErrors()
    context = browser.new_context(accept_downloads=True)
    requests = []
    context.on("request", lambda request: requests.append(request.url))
    page = open_app(context, f"{base_url}?backend=wasm", errors)
    expect(page.locator(OFFLINE_READY)).to_be_visible()
    page.wait_for_timeout(500)  # let start-up requests settle: what follows must make none
    yield page, errors, requests
    context.close()


@pytest.fixture
def page(session_page):
    page, errors, _ = session_page
    errors.clear()
    yield page
    assert not errors, "\n".join(errors)


def _warm_modules(page):
    """Import the store's modules once: later imports come from the module map, no request."""
    page.evaluate("Promise.all([import('./js/page/session-store.js'), import('./js/page/zip.js')]).then(() => true)")


@pytest.mark.parametrize("prefer", ["opfs", "idb"])
def test_twenty_images_come_back_byte_for_byte_after_a_reload(page, session_page, prefer, base_url):
    images = make_images()
    name = f"reload-{prefer}"
    _warm_modules(page)
    requests = session_page[2]
    before = len(requests)
    put = page.evaluate(PUT_ALL, {"name": name, "prefer": prefer, "images": images, "flush": False})
    assert put["backend"] == prefer and len(set(put["ids"])) == 20
    assert put["outputs"] == [[i["outputName"], len(base64.b64decode(i["output"]))] for i in images]
    stored = [url for url in requests[before:] if not url.startswith("blob:")]
    assert stored == [], stored  # storing makes no request

    page.reload()  # the last changes (state, strokes) were not flushed: pagehide must write them
    listed = page.evaluate(LIST_ALL, {"name": name, "prefer": prefer})
    assert [r["id"] for r in listed["records"]] == put["ids"]
    assert_same(listed["records"], images)
    expected = sum(len(base64.b64decode(i[k])) for i in images for k in ("original", "mask", "output"))
    assert listed["estimate"]["stored"] == expected
    assert listed["estimate"]["backend"] == prefer


def test_remove_and_clear_leave_nothing_behind(page):
    images = make_images(6, seed=1)
    _warm_modules(page)
    ids = page.evaluate(PUT_ALL, {"name": "remove", "prefer": "opfs", "images": images, "flush": True})["ids"]
    left = page.evaluate("""async ({ ids }) => {
      const { SessionStore } = await import('./js/page/session-store.js');
      const store = await SessionStore.open({ name: 'remove' });
      await Promise.all([store.remove(ids[1]), store.remove(ids[4])]);
      const files = async () => {
        const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('remove');
        const names = [];
        for await (const name of folder.keys()) names.push(name);
        return names.sort();
      };
      const afterRemove = { ids: (await store.list()).map((r) => r.id), files: await files(),
                            stored: (await store.estimate()).stored, gone: await store.getOutput(ids[1]) };
      await store.clear();
      const afterClear = { ids: (await store.list()).map((r) => r.id), files: await files(),
                           stored: (await store.estimate()).stored };
      await store.close();
      return { afterRemove, afterClear };
    }""", {"ids": ids})
    kept = [ids[i] for i in (0, 2, 3, 5)]
    assert left["afterRemove"]["ids"] == kept
    assert left["afterRemove"]["gone"] is None
    # One original and one output file per kept image, nothing of the removed ones.
    files = left["afterRemove"]["files"]
    assert len(files) == 8 and all(any(id_ in f for id_ in kept) for f in files), files
    sizes = sum(len(base64.b64decode(images[i][k])) for i in (0, 2, 3, 5) for k in ("original", "mask", "output"))
    assert left["afterRemove"]["stored"] == sizes
    assert left["afterClear"] == {"ids": [], "files": [], "stored": 0}


#: JS: a store capped at `quota` bytes: put images until it is full, then an output and a mask
#: past it; report the errors and what is kept.
FILL_UP = """async ({ name, prefer, images, quota, big, bigMask }) => {
  const { SessionStore } = await import('./js/page/session-store.js');
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const background = [];
  const store = await SessionStore.open({ name, prefer, quotaBytes: quota, onError: (e) => background.push([e.name, e.code]) });
  const kept = [];
  let full = null;
  let withoutOutput = null; // kept, but its output was refused
  for (const image of images) {
    try {
      const id = await store.putImage({
        file: new File([bytes(image.original)], image.name, { type: image.type, lastModified: image.lastModified }),
        model: 'u2netp', settings: image.settings, mask: new Float32Array(bytes(image.mask).buffer), maskShape: image.maskShape,
      });
      kept.push(id);
      withoutOutput = id;
      await store.putOutput(id, new Blob([bytes(image.output)], { type: 'image/png' }), { name: image.outputName });
      withoutOutput = null;
      store.updateImage(id, { state: 'done', edits: image.edits });
    } catch (error) {
      full = { name: error.name, code: error.code, message: error.message };
      break;
    }
  }
  await store.flush();
  // A new output bigger than what is left, and a bigger mask: refused, the old ones stay.
  let outputError = null;
  try {
    await store.putOutput(kept[0], new Blob([new Uint8Array(big)], { type: 'image/png' }));
  } catch (error) {
    outputError = [error.name, error.code];
  }
  if (bigMask) store.updateImage(kept[1], { mask: new Float32Array(Math.ceil(big / 4)) });
  await store.flush();
  await store.close();
  return { kept, full, withoutOutput, outputError, background, estimate: await store.estimate() };
}"""


def test_a_full_quota_gives_the_typed_error_and_keeps_what_was_stored(page):
    images = make_images(20, seed=2)
    _warm_modules(page)
    per_image = [sum(len(base64.b64decode(i[k])) for k in ("original", "mask", "output")) for i in images]
    quota = sum(per_image[:7]) + 100  # room for seven images, not for an eighth original
    result = page.evaluate(FILL_UP, {"name": "quota", "prefer": "opfs", "images": images, "quota": quota,
                                      "big": quota, "bigMask": True})
    assert result["full"]["name"] == "StorageFullError" and result["full"]["code"] == "storage-full"
    assert "download your results and clear them" in result["full"]["message"]
    assert len(result["kept"]) == 7 and result["withoutOutput"] is None
    assert result["outputError"] == ["StorageFullError", "storage-full"]
    assert result["background"] == [["StorageFullError", "storage-full"]]
    listed = page.evaluate(LIST_ALL, {"name": "quota", "prefer": "opfs"})
    assert [r["id"] for r in listed["records"]] == result["kept"]
    assert_same(listed["records"], images[:7])  # the refused output and mask changed nothing
    assert listed["estimate"]["stored"] == sum(per_image[:7])


@pytest.mark.parametrize("prefer", ["opfs", "idb"])
def test_chromiums_own_full_quota_becomes_the_same_typed_error(browser, prefer, base_url):
    """Chromium's quota made small (DevTools protocol): its QuotaExceededError, from the file
    system or from IndexedDB, comes out as StorageFullError, and what was stored stays.
    A document of the app's origin that does not start the engine (build.json): the origin's
    storage is the store's alone, so the quota's room is known."""
    context = browser.new_context()
    page_errors = []
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(f"{base_url}build.json")
    session = context.new_cdp_session(page)
    origin = base_url.rstrip("/")
    usage = page.evaluate("navigator.storage.estimate().then((e) => e.usage)")
    # Images of 256 KiB of noise (PNG cannot shrink them): a few fit in the room left, not 20.
    rng = np.random.default_rng(3)
    images = make_images(20, seed=3)
    for image in images:
        image["original"] = _b64(_png(rng.integers(0, 256, (256, 341, 3), dtype=np.uint8)))
    session.send("Storage.overrideQuotaForOrigin", {"origin": origin, "quotaSize": usage + 3_000_000})
    try:
        result = page.evaluate(FILL_UP, {"name": f"real-quota-{prefer}", "prefer": prefer, "images": images,
                                         "quota": None, "big": 4_000_000, "bigMask": False})
    finally:
        session.send("Storage.overrideQuotaForOrigin", {"origin": origin})
    assert result["full"] is not None, ("Chromium never said the quota was full", usage, result)
    assert (result["full"]["name"], result["full"]["code"]) == ("StorageFullError", "storage-full"), result
    assert 0 < len(result["kept"]) < 20
    listed = page.evaluate(LIST_ALL, {"name": f"real-quota-{prefer}", "prefer": prefer})["records"]
    assert [r["id"] for r in listed] == result["kept"]
    if result["withoutOutput"]:  # its original fitted, its output did not: kept as queued
        last, listed = listed[-1], listed[:-1]
        assert last["id"] == result["withoutOutput"] and last["output"] is None and last["state"] == "queued"
        assert last["original"] == images[len(listed)]["original"]
    assert_same(listed, images[:len(listed)])
    context.close()
    assert page_errors == []


def test_the_zip_of_twenty_stored_outputs_equals_them(page, session_page):
    images = make_images(20, seed=4)
    _warm_modules(page)
    ids = page.evaluate(PUT_ALL, {"name": "zip", "prefer": "opfs", "images": images, "flush": True})["ids"]
    requests = session_page[2]
    before = len(requests)
    archive = page.evaluate("""async ({ ids }) => {
      const { SessionStore } = await import('./js/page/session-store.js');
      const { createZip } = await import('./js/page/zip.js');
      const store = await SessionStore.open({ name: 'zip' });
      const entries = [];
      for (const id of ids) {
        const file = await store.getOutput(id);
        entries.push({ name: file.name, blob: file });
      }
      const zip = await createZip(entries);
      const data = new Uint8Array(await zip.arrayBuffer());
      let text = '';
      for (let i = 0; i < data.length; i += 8192) text += String.fromCharCode(...data.subarray(i, i + 8192));
      await store.close();
      return btoa(text);
    }""", {"ids": ids})
    assert [url for url in requests[before:] if not url.startswith("blob:")] == []
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(archive))) as read:
        assert read.testzip() is None
        assert read.namelist() == [i["outputName"] for i in images]
        for image in images:
            assert read.read(image["outputName"]) == base64.b64decode(image["output"])


def test_persistence_is_asked_for_only_when_installed(page):
    """A tab's storage stays best-effort; an installed app asks the browser to keep it
    (navigator.storage.persist, watched, not replaced). Chromium's DevTools protocol cannot
    emulate display-mode, so the installed case is passed in as isInstalled() would say it."""
    ask = """async (installed) => {
      const { isInstalled, requestPersistence } = await import('./js/page/session-store.js');
      const persist = navigator.storage.persist;
      let asked = 0;
      navigator.storage.persist = function () { asked += 1; return persist.call(this); };
      try {
        const persisted = await requestPersistence(installed === null ? {} : { installed });
        return { installed: isInstalled(), asked, persisted, now: await navigator.storage.persisted() };
      } finally {
        navigator.storage.persist = persist;
      }
    }"""
    tab = page.evaluate(ask, None)
    assert tab["installed"] is False and tab["asked"] == 0 and tab["persisted"] is tab["now"]
    app = page.evaluate(ask, True)
    assert app["asked"] == (0 if tab["now"] else 1) and app["persisted"] is app["now"]


def test_one_tab_keeps_the_session(page, base_url):
    """A second tab of the app cannot open the kept session while the first has it (they would
    overwrite each other's images): it gets SessionInUseError, and the session once the first
    tab lets it go."""
    _warm_modules(page)
    page.evaluate("""async () => {
      const { SessionStore } = await import('./js/page/session-store.js');
      self.heldStore = await SessionStore.open({ name: 'tabs' });
    }""")
    other = page.context.new_page()
    other.goto(f"{base_url}build.json")  # the same origin, without starting a second engine
    try_open = """async () => {
      const { SessionStore } = await import('./js/page/session-store.js');
      try {
        const store = await SessionStore.open({ name: 'tabs' });
        await store.close();
        return 'opened';
      } catch (error) {
        return [error.name, error.code, error.message];
      }
    }"""
    refused = other.evaluate(try_open)
    assert refused[:2] == ["SessionInUseError", "session-in-use"] and "another tab" in refused[2]
    page.evaluate("self.heldStore.close()")
    assert other.evaluate(try_open) == "opened"
    other.close()
