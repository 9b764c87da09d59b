"""Offline use, installability, isolation on plain hosts, privacy, and the update flow (sw.js)."""

import re
import shutil

import pytest
from playwright.sync_api import expect

from buildtools import dist
from buildtools.paths import DIST
from tests.browser.conftest import start_server
from tests.browser.helpers import (
    OFFLINE_READY,
    READY_TIMEOUT_MS,
    PageErrors,
    add_files,
    card,
    open_app,
    wait_settled,
)

def test_after_one_online_run_the_app_works_offline(fresh, base_url):
    context, errors = fresh
    page = open_app(context, f"{base_url}?backend=wasm", errors)
    add_files(page, ["tests/fixtures/coffee.png"])
    wait_settled(page)
    expect(page.locator(OFFLINE_READY)).to_have_text("✓ Available offline")

    context.set_offline(True)
    page.reload()
    expect(page.locator("[data-testid=app-status]")).to_have_attribute("data-ready", "true", timeout=READY_TIMEOUT_MS)
    add_files(page, ["tests/fixtures/astronaut.png"])
    wait_settled(page)
    expect(card(page, "astronaut.png")).to_have_attribute("data-state", "done")


def test_offline_before_the_engine_was_ever_downloaded_says_so(browser, base_url):
    context = browser.new_context(service_workers="block")
    context.route(re.compile(r"/(vendor|models)/"), lambda route: route.abort("internetdisconnected"))
    page = context.new_page()
    page.goto(base_url)
    status = page.locator("[data-testid=app-status]")
    expect(status).to_have_attribute("data-failed", "true", timeout=READY_TIMEOUT_MS)
    expect(status).to_contain_text("You are offline")
    expect(status).to_contain_text("Connect to the internet once")
    context.close()


def test_chromium_finds_the_app_installable(browser_type, browser_type_launch_args, base_url, tmp_path):
    # Incognito contexts are never installable: this one needs a real profile.
    context = browser_type.launch_persistent_context(tmp_path / "profile", **browser_type_launch_args)
    errors = PageErrors()
    try:
        page = open_app(context, base_url, errors)
        session = context.new_cdp_session(page)
        assert session.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        manifest = session.send("Page.getAppManifest")
        assert not manifest.get("errors"), manifest.get("errors")
    finally:
        context.close()
    assert not errors, "\n".join(errors)


def test_plain_static_host_gets_isolation_and_threads_from_the_service_worker(browser):
    server = start_server(plain=True)
    context = browser.new_context()
    errors = PageErrors()
    try:
        page = open_app(context, f"http://127.0.0.1:{server.server_address[1]}/?backend=wasm", errors)
        assert page.evaluate("crossOriginIsolated") is True
        add_files(page, ["tests/fixtures/coffee.png"])
        wait_settled(page)
        backend = card(page, "coffee.png").locator("[data-testid=backend]").inner_text()
        assert int(backend.removeprefix("WASM ×")) > 1, backend
    finally:
        context.close()
        server.shutdown()
    assert not errors, "\n".join(errors)


def test_processing_an_image_makes_no_request_and_nothing_leaves_the_origin(fresh, base_url):
    context, errors = fresh
    requests = []
    context.on("request", lambda request: requests.append(request.url))
    page = open_app(context, f"{base_url}?backend=wasm", errors)
    expect(page.locator(OFFLINE_READY)).to_be_visible()
    page.wait_for_timeout(500)  # let start-up requests settle

    before = len(requests)
    add_files(page, ["tests/fixtures/coffee.png", "tests/fixtures/astronaut.png"])
    wait_settled(page)
    expect(card(page, "astronaut.png").locator("img[data-testid=result-image]")).to_have_attribute("src", re.compile("^blob:"))
    during = [url for url in requests[before:] if not url.startswith("blob:")]
    assert during == [], during
    assert all(url.startswith((base_url, "blob:", "data:")) for url in requests), requests


def test_offline_availability_can_be_restored_with_the_button(fresh, base_url):
    context, errors = fresh
    page = open_app(context, f"{base_url}?backend=wasm", errors)
    expect(page.locator(OFFLINE_READY)).to_be_visible()
    page.evaluate("""async () => {
        const name = (await caches.keys()).find((n) => n.startsWith('peel-runtime-'));
        await (await caches.open(name)).delete(new URL('models/u2netp-320.onnx', location.href));
    }""")
    add_files(page, ["tests/fixtures/coffee.png"])  # after each run the page checks again
    wait_settled(page)
    button = page.locator("[data-testid=make-offline]")
    expect(button).to_contain_text("Make available offline (4.5 MB)")
    button.click()
    expect(page.locator(OFFLINE_READY)).to_have_text("✓ Available offline")
    expect(button).to_be_hidden()


def test_an_update_waits_for_the_user_then_runs_everywhere_with_no_stale_cache(browser, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(DIST, site)
    server = start_server(plain=False, root=site)
    url = f"http://127.0.0.1:{server.server_address[1]}/?backend=wasm"
    context = browser.new_context()
    errors = PageErrors()
    try:
        page = open_app(context, url, errors)
        expect(page.locator(OFFLINE_READY)).to_be_visible()
        old_version = page.locator("[data-testid=app-status]").get_attribute("data-version")
        old_caches = page.evaluate("caches.keys()")

        with open(site / "css" / "app.css", "a") as css:
            css.write("\n/* version 2 */\n")
        new_version = dist.finalize(site)["version"]
        assert new_version != old_version
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        banner = page.locator("[data-testid=update-available]")
        expect(banner).to_be_visible(timeout=30_000)
        expect(page.locator("[data-testid=app-status]")).to_have_attribute("data-version", old_version)

        banner.locator("[data-testid=update-apply]").click()
        status = page.locator("[data-testid=app-status]")
        expect(status).to_have_attribute("data-version", new_version, timeout=READY_TIMEOUT_MS)
        expect(status).to_have_attribute("data-ready", "true", timeout=READY_TIMEOUT_MS)
        assert "version 2" in page.evaluate("fetch('css/app.css').then((r) => r.text())")

        caches_now = page.evaluate("caches.keys()")
        shell = [name for name in caches_now if name.startswith("peel-shell-")]
        runtime = [name for name in caches_now if name.startswith("peel-runtime-")]
        assert len(shell) == 1 and shell[0] not in old_caches, (old_caches, caches_now)
        assert runtime == [name for name in old_caches if name.startswith("peel-runtime-")]  # not downloaded again
    finally:
        context.close()
        server.shutdown()
    assert not errors, "\n".join(errors)


def test_images_shared_to_the_app_open_in_peel_and_are_processed(fresh, base_url):
    context, errors = fresh
    open_app(context, f"{base_url}?backend=wasm", errors).close()  # installs the service worker
    # What the OS share sheet does for an installed PWA: a multipart POST to share_target.action,
    # from outside the app (the app's own CSP, form-action 'none', forbids forms inside it).
    page = errors.watch(context.new_page())
    page.goto("about:blank")
    page.evaluate("""([action, bytes]) => {
        const form = Object.assign(document.createElement('form'),
            { method: 'POST', action, enctype: 'multipart/form-data' });
        const input = Object.assign(document.createElement('input'), { type: 'file', name: 'images' });
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array(bytes)], 'shared photo.png', { type: 'image/png' }));
        input.files = data.files;
        form.append(input);
        document.body.append(form);
        form.submit();
    }""", [f"{base_url}share-target", list(open("tests/fixtures/coffee.png", "rb").read())])
    page.wait_for_url(re.compile(r"/(\?.*)?$"))
    expect(page.locator("[data-testid=app-status]")).to_have_attribute("data-ready", "true", timeout=READY_TIMEOUT_MS)
    wait_settled(page)
    expect(card(page, "shared photo.png")).to_have_attribute("data-state", "done")
    assert "shared" not in page.url  # a reload must not import the same files again
    assert page.evaluate("caches.open('peel-share').then((c) => c.keys()).then((k) => k.length)") == 0
