"""Reference mode in the browser is rembg's u2netp alpha: rembg's own test photos through the page.

The same check as tests/unit/test_rembg_parity.py (CPython), here through the real app: the
worker's decode, Pyodide's preprocessing, onnxruntime-web (WASM) and the canvas encoder. The
alpha of the downloaded PNG must be rembg's stored u2netp result to within 1/255 on every pixel.
"""

from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import expect

from tests.browser.helpers import add_files, card, download, png_image, set_form, wait_settled

REMBG = Path(__file__).resolve().parent.parent / "fixtures" / "rembg"
NAMES = ("anime-girl-1", "car-1", "cloth-1", "plants-1")


def test_reference_mode_gives_rembgs_alpha(app):
    set_form(app, refine="none", threshold="off")
    app.locator("#settings [name=decontaminate]").evaluate(
        "e => { e.value = '0'; e.dispatchEvent(new Event('input', {bubbles: true})); }")
    add_files(app, [str(REMBG / "fixtures" / f"{name}.jpg") for name in NAMES])
    wait_settled(app)
    for name in NAMES:
        result = card(app, f"{name}.jpg")
        expect(result).to_have_attribute("data-state", "done")
        _, data = download(app, result)
        alpha = np.asarray(png_image(data))[..., 3].astype(np.int16)
        with Image.open(REMBG / "results" / f"{name}.u2netp.png") as stored:
            expected = np.asarray(stored.convert("RGBA"))[..., 3]
        error = np.abs(alpha - expected)
        print(f"{name}: browser vs rembg alpha max diff {error.max()}/255 on {np.count_nonzero(error)} pixels")
        assert error.max() <= 1
