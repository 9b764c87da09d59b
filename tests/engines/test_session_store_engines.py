"""The kept session (js/page/session-store.js) in Firefox and WebKit: images with masks, strokes
and outputs come back byte for byte after a reload, in the engine's own choice of storage (the
origin-private file system where it can be written, else IndexedDB Blobs) and in the IndexedDB
fallback. tests/browser/test_session_store.py covers the rest in Chromium."""

import json
import time

import pytest

from buildtools.paths import DIST
from tests.browser.test_session_store import LIST_ALL, PUT_ALL, assert_same, make_images
from tests.engines import drivers
from tests.engines.page import serve, wait_ready


@pytest.fixture
def site():
    if not (DIST / "build.json").is_file():
        pytest.fail(f"{DIST} is not built: run `python3 build.py build` (or `build.py test`)")
    server, url = serve(DIST)
    yield url
    server.shutdown()


def call(driver, function, argument):
    """`function` (JS source of an async arrow function) applied to `argument`, in the page."""
    return driver.evaluate(f"({function})({json.dumps(argument)})")


@pytest.mark.parametrize("engine", drivers.ENGINES)
def test_images_come_back_byte_for_byte_after_a_reload(engine, site):
    images = make_images(6, seed=5)
    with drivers.launch(engine) as driver:
        driver.goto(f"{site}?backend=wasm")
        wait_ready(driver)
        # Once the service worker has cached the runtime: a reload while it still fetches it
        # is another test's subject.
        driver.wait_for("document.querySelector('[data-testid=offline-status]')?.dataset.available === 'true'", 90)
        put = {prefer: call(driver, PUT_ALL, {"name": f"engine-{prefer}", "prefer": prefer, "images": images,
                                              "flush": False})
               for prefer in ("auto", "idb")}
        print(f"\n{engine} {driver.version}: the store chose {put['auto']['backend']}")
        assert put["idb"]["backend"] == "idb" and put["auto"]["backend"] in ("opfs", "idb")
        if engine == "webkit":
            # WebKit does not finish an IndexedDB write that pagehide starts (Chromium and
            # Firefox do): the changes are written once they rest (UPDATE_DELAY_MS), not later.
            time.sleep(0.5)
        driver.reload()  # Firefox: the last changes were not flushed, pagehide must write them
        for prefer in ("auto", "idb"):
            listed = call(driver, LIST_ALL, {"name": f"engine-{prefer}", "prefer": prefer})
            assert [r["id"] for r in listed["records"]] == put[prefer]["ids"], prefer
            assert_same(listed["records"], images)
        assert driver.errors() == []
