"""Useful before ready: images picked, pasted or dropped while the engine starts wait in the queue,
the status says what start-up waits for, and the queue starts when the engine is ready; a first
visit does not wait for the service worker to install."""

import json
import re
import time

from playwright.sync_api import expect

from tests.browser.helpers import OFFLINE_READY, READY_TIMEOUT_MS, PageErrors, add_files, card, open_app, wait_settled

ADD_BY_PASTE_AND_DROP = """async (bytes) => {
  const file = (name) => new File([new Uint8Array(bytes)], name, { type: 'image/png' });
  const pasted = new DataTransfer();
  pasted.items.add(file('clipboard.png'));
  document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: pasted, bubbles: true }));
  const dropped = new DataTransfer();
  dropped.items.add(file('dropped.png'));
  document.querySelector('#drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: dropped, bubbles: true, cancelable: true }));
}"""

#: Notes, on the page's clock, when a card first becomes `working`.
WATCH_FIRST_WORK = """() => {
  new MutationObserver(() => {
    if (!window.firstWorkAt && document.querySelector('[data-testid=result][data-state=working]'))
      window.firstWorkAt = performance.now();
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
}"""


def test_images_added_during_start_up_are_queued_and_start_when_the_engine_is_ready(browser, base_url):
    # Hold the peel package back (no service worker, so the worker's requests reach the route):
    # start-up then stays in its last stage for as long as the test needs.
    context = browser.new_context(service_workers="block")
    held = []
    context.route(re.compile(r"/py/peel\.zip$"), lambda route: held.append(route))
    errors = PageErrors()
    page = errors.watch(context.new_page())
    page.goto(f"{base_url}?backend=wasm")
    page.evaluate(WATCH_FIRST_WORK)
    status = page.locator("[data-testid=app-status]")

    add_files(page, ["tests/fixtures/astronaut.png"])
    page.evaluate(ADD_BY_PASTE_AND_DROP, list(open("tests/fixtures/coffee.png", "rb").read()))
    cards = page.locator("[data-testid=result]")
    expect(cards).to_have_count(3)
    expect(page.locator("[data-testid=result][data-state=queued]")).to_have_count(3)
    expect(card(page, "dropped.png")).to_be_visible()
    # onnxruntime gets ready meanwhile; the status then names what is left, and the queue.
    expect(status).to_contain_text(re.compile(r"^\s*Downloading Python…"), timeout=READY_TIMEOUT_MS)
    expect(status).to_contain_text("3 images queued")
    assert status.get_attribute("data-ready") != "true"
    expect(page.locator("[data-testid=result][data-state=queued]")).to_have_count(3)

    for route in held:
        route.continue_()
    context.unroute(re.compile(r"/py/peel\.zip$"))
    expect(status).to_have_attribute("data-ready", "true", timeout=READY_TIMEOUT_MS)
    wait_settled(page)
    for name in ("astronaut.png", "dropped.png"):
        expect(card(page, name)).to_have_attribute("data-state", "done")
    assert page.locator("[data-testid=result][data-state=done]").count() == 3
    ready_at = int(status.get_attribute("data-ready-at"))
    assert page.evaluate("window.firstWorkAt") >= ready_at  # nothing ran before ready
    assert not errors, "\n".join(errors)
    context.close()


#: Notes, on the page's clock, when a service worker first controls the page.
WATCH_CONTROL = """() => navigator.serviceWorker.addEventListener('controllerchange', () => {
  window.controlledAt ??= performance.now();
})"""


#: The trace category in which Chromium notes each WebAssembly module it took from its code cache.
CODE_CACHE_CATEGORY = "disabled-by-default-devtools.timeline"
RUNTIME_MODULES = {"pyodide.asm.wasm", "ort-wasm-simd-threaded.wasm"}


def start_from_code_cache(context, url, errors) -> set[str]:
    """Open the app in a just started `context`, traced over the DevTools protocol from before the
    navigation until the app is ready: the names of the WebAssembly files Chromium took from its
    code cache meanwhile. (A start-up trace, `--trace-startup`, cost 12–20 s a start: it runs for
    a fixed time, records Chromium's default categories too, and is written at shutdown.)"""
    page = errors.watch(context.pages[0] if context.pages else context.new_page())
    session = context.new_cdp_session(page)
    events, complete = [], []
    session.on("Tracing.dataCollected", lambda event: events.extend(event["value"]))
    session.on("Tracing.tracingComplete", lambda event: complete.append(event))
    session.send("Tracing.start", {"transferMode": "ReportEvents", "traceConfig": {
        "includedCategories": [CODE_CACHE_CATEGORY], "excludedCategories": ["*"]}})
    page.goto(url)
    expect(page.locator("[data-testid=app-status]")).to_have_attribute("data-ready", "true", timeout=READY_TIMEOUT_MS)
    session.send("Tracing.end")
    deadline = time.monotonic() + 30
    while not complete:  # Playwright hands over the trace's events while the page is waited on
        assert time.monotonic() < deadline, "Chromium never finished the trace"
        page.wait_for_timeout(50)
    return {event["args"]["url"].rsplit("/", 1)[-1] for event in events if event["name"] == "v8.wasm.moduleCacheHit"}


def test_after_a_browser_restart_python_and_onnxruntime_come_compiled_from_the_code_cache(
        browser_type, browser_type_launch_args, base_url, tmp_path):
    """The service worker answers a cached runtime file with the cache entry itself, so Chromium
    keeps the compiled WebAssembly beside the entry, and a start after a browser restart need not
    compile Pyodide's and onnxruntime's 10 MB modules again (bench/README.md, "Start-up, third
    round"). What the first visit compiled before the service worker took over is cached by the
    first start through it: from the next start on, both must come from the code cache."""
    profile = tmp_path / "profile"
    errors = PageErrors()
    context = browser_type.launch_persistent_context(profile, **browser_type_launch_args)
    page = open_app(context, f"{base_url}?backend=wasm", errors)
    expect(page.locator(OFFLINE_READY)).to_be_attached(timeout=READY_TIMEOUT_MS)
    context.close()
    cached = set()
    for restart in range(3):
        context = browser_type.launch_persistent_context(profile, **browser_type_launch_args)
        cached = start_from_code_cache(context, f"{base_url}?backend=wasm", errors)
        context.close()
        if cached == RUNTIME_MODULES:
            break
    assert cached == RUNTIME_MODULES, f"after {restart + 1} restarts, from the code cache: {sorted(cached)}"
    assert not errors, "\n".join(errors)


def test_the_session_is_made_first_then_python_boots(fresh, base_url):
    """One after the other (boot.js): side by side they took turns on the worker's thread, and
    Chromium often compiled onnxruntime again instead of taking it from its code cache."""
    context, errors = fresh
    for _ in range(2):  # a first visit, then a return visit from the cache
        page = open_app(context, f"{base_url}?backend=wasm", errors)
        timings = json.loads(page.locator("[data-testid=app-status]").get_attribute("data-timings"))
        assert timings["sessionAt"] <= timings["pyodideAt"], timings
        expect(page.locator(OFFLINE_READY)).to_be_attached(timeout=READY_TIMEOUT_MS)


def test_a_first_visit_starts_the_engine_before_the_service_worker_and_is_then_available_offline(browser, base_url):
    """The test server isolates the page itself, so the first visit need not wait for the service
    worker to install; the service worker then gets the runtime the engine used."""
    context = browser.new_context()
    context.add_init_script(f"({WATCH_CONTROL})()")
    errors = PageErrors()
    page = errors.watch(context.new_page())
    page.goto(base_url)
    status = page.locator("[data-testid=app-status]")
    expect(status).to_have_attribute("data-ready", "true", timeout=READY_TIMEOUT_MS)
    expect(page.locator(OFFLINE_READY)).to_be_attached(timeout=READY_TIMEOUT_MS)
    worker_at = json.loads(status.get_attribute("data-timings"))["workerAt"]
    controlled_at = page.evaluate("window.controlledAt")
    assert controlled_at is not None and worker_at < controlled_at
    assert not errors, "\n".join(errors)
    context.close()
