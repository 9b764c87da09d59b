"""The WebGPU path: the prepared model on onnxruntime-web's WebGPU backend (SwiftShader here).

Software WebGPU is slow (minutes for one u2netp run on 2 cores), so this runs one image once.
"""

import re

import numpy as np
import pytest
from playwright.sync_api import expect

from buildtools.paths import SERVED_MODEL
from tests.browser.helpers import CHROMIUM_ARGS, PageErrors, add_files, alpha_mae, card, download, open_app, png_image

WEBGPU_ARGS = [*CHROMIUM_ARGS, "--enable-unsafe-webgpu", "--enable-features=Vulkan"]
#: SwiftShader compiles every shader on the CPU: one inference took ~3 min on 2 cores.
SOFTWARE_WEBGPU_TIMEOUT_MS = 600_000


@pytest.fixture(scope="module")
def webgpu_browser(browser_type, browser_type_launch_args):
    browser = browser_type.launch(**{**browser_type_launch_args, "args": WEBGPU_ARGS})
    yield browser
    browser.close()


def test_auto_never_picks_a_software_adapter(webgpu_browser, base_url):
    errors = PageErrors()
    context = webgpu_browser.new_context()
    page = open_app(context, base_url, errors)  # backend=auto
    adapter = page.evaluate("""async () => {
        const adapter = await navigator.gpu.requestAdapter();
        return adapter && { fallback: adapter.info.isFallbackAdapter, architecture: adapter.info.architecture };
    }""")
    assert adapter is not None, "the test browser should expose SwiftShader's WebGPU adapter"
    expect(page.locator("[data-testid=app-status]")).to_have_attribute("data-backend", re.compile("^WASM"))
    expect(page.locator("[data-testid=app-status]")).to_contain_text("processor")
    context.close()
    assert not errors, "\n".join(errors)


def test_prepared_model_runs_on_webgpu_and_matches_wasm(webgpu_browser, base_url):
    errors = PageErrors()
    context = webgpu_browser.new_context(accept_downloads=True)
    page = open_app(context, f"{base_url}?backend=webgpu", errors)
    expect(page.locator("[data-testid=app-status]")).to_have_attribute("data-backend", "WebGPU")
    expect(page.locator("[data-testid=app-status]")).to_contain_text("graphics card")

    add_files(page, ["tests/fixtures/astronaut.png"])
    result = card(page, "astronaut.png")
    expect(result).to_have_attribute("data-state", "done", timeout=SOFTWARE_WEBGPU_TIMEOUT_MS)
    expect(result.locator("[data-testid=backend]")).to_have_text("WebGPU")
    _, data = download(page, result)
    webgpu_alpha = np.asarray(png_image(data))[..., 3]
    context.close()
    assert not errors, "\n".join(errors)

    from peel.desktop.api import Remover

    reference = np.asarray(Remover(SERVED_MODEL).remove("tests/fixtures/astronaut.png"))
    mae = alpha_mae(webgpu_alpha, reference[..., 3])
    print(f"astronaut: WebGPU vs CPU alpha MAE {mae:.3f}/255")
    assert mae <= 2
