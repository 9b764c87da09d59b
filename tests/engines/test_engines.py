"""Peel in Firefox (firefox-esr, WebDriver BiDi) and WebKit (WebKitGTK MiniBrowser, WebDriver):
start-up in fresh profiles, also under CPU load; the fixtures against CPython; a broken file
then a good one; offline reload. tests/browser/ covers everything else in Chromium."""

import pytest
from PIL import Image

from buildtools.paths import DIST
from tests.conftest import FIXTURES
from tests.engines import drivers
from tests.engines.page import (
    STATUS,
    add_files,
    busy_cpu,
    card_info,
    download_alpha,
    serve,
    wait_ready,
    wait_settled,
)

ENGINES = drivers.ENGINES
#: Fresh start-ups per engine: the first at rest, the others while two busy loops load the CPU.
START_UPS = 3


@pytest.fixture
def site():
    """dist/ on a server of the test's own: the offline test stops it."""
    if not (DIST / "build.json").is_file():
        pytest.fail(f"{DIST} is not built: run `python3 build.py build` (or `build.py test`)")
    server, url = serve(DIST)
    yield {"server": server, "url": url}
    server.shutdown()


def label_is_honest(driver, status):
    """The backend label says the threads onnxruntime really runs: its pool workers + 1."""
    threads, workers = int(status["threads"]), int(status["poolWorkers"])
    assert threads == workers + 1, status
    assert status["backend"] == f"WASM ×{threads}", status
    shared = driver.evaluate("self.crossOriginIsolated && typeof WebAssembly.Memory === 'function'")
    assert shared, "the page is not cross-origin isolated"


@pytest.mark.parametrize("engine", ENGINES)
def test_starts_in_fresh_profiles_also_under_load(engine, site):
    """Fresh profiles in a row, the later ones while two busy loops load the CPU; the last one
    with a 1 ms session deadline: a threaded session past its deadline is retried with one
    thread, and the label says so."""
    for attempt in range(START_UPS):
        fallback = attempt == START_UPS - 1
        with busy_cpu(processes=2 if attempt else 0), drivers.launch(engine) as driver:
            driver.goto(f"{site['url']}?backend=wasm" + ("&deadline.session=1" if fallback else ""))
            status = wait_ready(driver)
            if fallback:
                assert status["backend"] == "WASM ×1", status
            else:
                label_is_honest(driver, status)
            assert driver.errors() == []


@pytest.mark.parametrize("engine", ENGINES)
def test_fixtures_broken_file_and_offline_reload(engine, site, tmp_path, upstream_model_path):
    from peel import Remover

    with drivers.launch(engine) as driver:
        driver.goto(f"{site['url']}?backend=wasm")
        status = wait_ready(driver)

        # The two fixtures: the same cut-out as the CPython pipeline (default settings).
        names = ["astronaut.png", "coffee.png"]
        add_files(driver, [FIXTURES / name for name in names])
        assert wait_settled(driver, 2) == [[name, "done"] for name in names]
        remover = Remover(upstream_model_path)
        for name in names:
            assert card_info(driver, name)["backend"] == status["backend"]
            page_alpha = download_alpha(driver, name)
            native_alpha = np_alpha(remover.remove(FIXTURES / name))
            assert page_alpha.shape == native_alpha.shape
            difference = abs(page_alpha.astype(int) - native_alpha.astype(int))
            assert difference.mean() <= 1 and (difference > 8).mean() < 0.001, name
            assert 0.05 < (native_alpha > 0).mean() < 0.95  # a real cut-out

        # A broken file (a JPEG cut after its headers) gets a clear message; the next one works.
        broken = tmp_path / "broken.jpg"
        with Image.open(FIXTURES / "coffee.png") as image:
            image.save(broken, "JPEG")
        broken.write_bytes(broken.read_bytes()[:300])
        add_files(driver, [broken])
        wait_settled(driver, 3)
        failed = card_info(driver, "broken.jpg")
        assert failed["state"] == "error" and failed["code"] == "corrupt-image", failed
        assert len(failed["error"]) > 20, failed
        add_files(driver, [FIXTURES / "coffee.png"])
        wait_settled(driver, 4)
        assert card_info(driver, "coffee.png")["state"] == "done"
        assert driver.errors() == []

        # Offline: once the runtime is cached, the app reloads and works with the server gone.
        driver.wait_for("document.querySelector('[data-testid=offline-status]')?.dataset.available === 'true'", 60)
        site["server"].shutdown()
        site["server"].server_close()
        driver.reload()
        wait_ready(driver)
        assert driver.evaluate(f"{STATUS}.dataset.version") == status["version"]
        # The kept session brings the four images back (offline, no model run), then a new one works.
        assert wait_settled(driver, 4) == [["astronaut.png", "done"], ["coffee.png", "done"],
                                           ["broken.jpg", "error"], ["coffee.png", "done"]]
        add_files(driver, [FIXTURES / "astronaut.png"])
        assert wait_settled(driver, 5)[-1] == ["astronaut.png", "done"]
        assert driver.errors() == []


def np_alpha(image):
    import numpy as np

    return np.asarray(image.convert("RGBA"))[..., 3]
