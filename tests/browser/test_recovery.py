"""A dead or silent engine: the item fails with a message, a fresh worker takes the rest."""

import io

from PIL import Image
from playwright.sync_api import expect

from tests.browser.helpers import PageErrors, add_files, card, open_app, wait_settled


def jpeg(size):
    buffer = io.BytesIO()
    Image.open("tests/fixtures/astronaut.png").convert("RGB").resize(size).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def test_a_worker_that_dies_mid_image_is_replaced_and_the_queue_goes_on(browser, base_url):
    context = browser.new_context()
    # The page's clock is Playwright's: it runs as usual, and the test moves it past the watchdog's
    # stall timeout once the worker is gone. The replacement then keeps the real stall timeout
    # (a shorter one, `?stall=`, also ended a live worker that a loaded machine kept silent).
    context.clock.install()
    errors = PageErrors()
    page = open_app(context, f"{base_url}?backend=wasm", errors)
    page.evaluate("window.sameDocument = true")  # gone if the page reloads
    engine = next(worker for worker in page.workers if worker.url.endswith("/js/worker/worker.js"))
    add_files(page, [{"name": "victim.jpg", "mimeType": "image/jpeg", "buffer": jpeg((4000, 3000))},
                     {"name": "next.png", "mimeType": "image/png", "buffer": open("tests/fixtures/coffee.png", "rb").read()}])
    expect(card(page, "victim.jpg")).to_have_attribute("data-state", "working")
    engine.evaluate("self.close()")  # what an out-of-memory kill looks like from the page: silence
    stall_ms = page.evaluate("import('./js/page/worker-client.js').then((m) => m.DEFAULT_STALL_TIMEOUT_MS)")
    page.clock.fast_forward(stall_ms + 1000)

    wait_settled(page)
    error = card(page, "victim.jpg").locator("[data-testid=error]")
    expect(error).to_have_attribute("data-code", "worker-died")
    expect(error).to_contain_text("stopped responding")
    expect(card(page, "next.png")).to_have_attribute("data-state", "done")
    assert page.evaluate("window.sameDocument") is True
    context.close()
    assert not errors, "\n".join(errors)
