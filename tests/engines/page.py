"""What the Firefox and WebKit tests and the bench do to the app, as JavaScript expressions
run through tests/engines/drivers.py (the Chromium tests use Playwright's own helpers)."""

from __future__ import annotations

import base64
import json
import subprocess
import threading
from contextlib import contextmanager

import numpy as np

STATUS = "document.querySelector('[data-testid=app-status]')"
#: Generous for a cold start on a loaded 2-core machine; the app's own stage deadlines are shorter.
READY_TIMEOUT_S = 150
RESULT_TIMEOUT_S = 120


def wait_ready(driver, timeout=READY_TIMEOUT_S) -> dict:
    """Wait for the app to be ready; return its status data (timings, backend...)."""
    driver.wait_for(f"{STATUS}.dataset.ready === 'true' || {STATUS}.dataset.failed === 'true'", timeout)
    status = driver.evaluate(f"({{...{STATUS}.dataset, text: {STATUS}.textContent.trim()}})")
    if status.get("failed"):
        raise AssertionError(f"{driver.name}: the app failed to start: {status['text']}")
    return status


def add_files(driver, paths):
    driver.set_files("#file-input", paths)


def wait_settled(driver, count, timeout=RESULT_TIMEOUT_S):
    """Wait until `count` cards exist and every one is done or error; return their states."""
    cards = "[...document.querySelectorAll('[data-testid=result]')]"
    driver.wait_for(f"{cards}.length === {count} && {cards}.every((c) => ['done', 'error'].includes(c.dataset.state))",
                    timeout)
    return driver.evaluate(f"{cards}.map((c) => [c.dataset.name, c.dataset.state])")


def card_info(driver, name) -> dict:
    """State, backend label and error (message, code) of the last card of file `name`."""
    return driver.evaluate(f"""(() => {{
      const cards = document.querySelectorAll('[data-testid=result][data-name={json.dumps(name)}]');
      const card = cards[cards.length - 1];
      const error = card.querySelector('[data-testid=error]');
      return {{state: card.dataset.state, backend: card.querySelector('[data-testid=backend]')?.textContent,
               error: error && !error.hidden ? error.textContent : null, code: error?.dataset.code ?? null}};
    }})()""")


def download_alpha(driver, name) -> np.ndarray:
    """(H, W) uint8 alpha of the file behind a card's download link, decoded by the browser.

    The app's CSP forbids fetch(blob:); an <img> may show blob: URLs, and a canvas keeps alpha
    exact (premultiplication only rounds colours).
    """
    width, height, data = driver.evaluate(f"""(async () => {{
      const links = document.querySelectorAll('[data-testid=result][data-name={json.dumps(name)}] a[data-testid=download]');
      const image = new Image();
      image.src = links[links.length - 1].href;
      await image.decode();
      const canvas = new OffscreenCanvas(image.naturalWidth, image.naturalHeight);
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
      let text = '';
      for (let i = 3; i < rgba.length; i += 4) text += String.fromCharCode(rgba[i]);
      return [canvas.width, canvas.height, btoa(text)];
    }})()""")
    return np.frombuffer(base64.b64decode(data), np.uint8).reshape(height, width)


@contextmanager
def busy_cpu(processes=2, seconds=180):
    """`processes` busy loops (each ends by itself after `seconds`), stopped on exit."""
    loops = [subprocess.Popen(["timeout", str(seconds), "python3", "-c", "while True: pass"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(processes)]
    try:
        yield
    finally:
        for loop in loops:
            loop.terminate()  # timeout passes SIGTERM on to its busy loop
            loop.wait()


def serve(root, plain=False):
    """The real server on a free port in a thread: (server, base URL); .shutdown() after."""
    from buildtools.server import make_server

    server = make_server(root, 0, plain=plain)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"
