"""Useful before ready: images picked, pasted or dropped while the engine starts wait in the queue,
the status says what start-up waits for, and the queue starts when the engine is ready; a first
visit does not wait for the service worker to install."""

import json
import re

from playwright.sync_api import expect

from tests.browser.helpers import READY_TIMEOUT_MS, PageErrors, add_files, card, wait_settled

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
    # Hold the model back (no service worker, so the worker's requests reach the route):
    # start-up then stays in its last stage for as long as the test needs.
    context = browser.new_context(service_workers="block")
    held = []
    context.route(re.compile(r"/models/u2netp-320\.onnx$"), lambda route: held.append(route))
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
    # Python gets ready meanwhile; the status then names what is left, and the queue.
    expect(status).to_contain_text(re.compile(r"^\s*Downloading onnxruntime…"), timeout=READY_TIMEOUT_MS)
    expect(status).to_contain_text("3 images queued")
    assert status.get_attribute("data-ready") != "true"
    expect(page.locator("[data-testid=result][data-state=queued]")).to_have_count(3)

    for route in held:
        route.continue_()
    context.unroute(re.compile(r"/models/u2netp-320\.onnx$"))
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
    expect(page.locator("[data-testid=offline-status]")).to_have_attribute("data-available", "true",
                                                                          timeout=READY_TIMEOUT_MS)
    worker_at = json.loads(status.get_attribute("data-timings"))["workerAt"]
    controlled_at = page.evaluate("window.controlledAt")
    assert controlled_at is not None and worker_at < controlled_at
    assert not errors, "\n".join(errors)
    context.close()
