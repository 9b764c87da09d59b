"""Browser-test fixtures: the real server on a free port, Debian's Chromium, a ready app page."""

import os
import threading

import pytest

from buildtools.paths import DIST
from buildtools.server import make_server
from tests.browser.helpers import CHROMIUM_ARGS, PageErrors, open_app


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("PEEL_CHROMIUM", "/usr/bin/chromium"),
        "args": CHROMIUM_ARGS,
    }


def start_server(plain=False, root=DIST):
    """Serve `root` (dist/ by default) on a free port, in a thread; call .shutdown() after."""
    if not (root / "build.json").is_file():
        pytest.fail(f"{root} is not built: run `python3 build.py build` (or `build.py test`)")
    server = make_server(root, 0, plain=plain)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="session")
def base_url():
    """URL of dist/ served with the production headers (COOP/COEP/CSP)."""
    server = start_server()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def app_session(browser, base_url):
    errors = PageErrors()
    context = browser.new_context(accept_downloads=True)
    page = open_app(context, f"{base_url}?backend=wasm", errors)
    yield page, errors
    context.close()


@pytest.fixture
def app(app_session):
    """One ready app page (WASM backend) shared by a module's tests, as a boot costs seconds.

    A page or worker error during a test fails that test.
    """
    page, errors = app_session
    errors.clear()
    yield page
    assert not errors, "\n".join(errors)


@pytest.fixture
def app_errors(app_session):
    """The errors `app` collected so far, for a test that provokes one on purpose to drop it."""
    return app_session[1]


@pytest.fixture
def fresh(browser):
    """A new, empty browser context (no cache, no service worker) and its page errors."""
    context = browser.new_context(accept_downloads=True)
    errors = PageErrors()
    yield context, errors
    context.close()
    assert not errors, "\n".join(errors)


#: The two windows a new user's run is tried in: a desktop, and a phone with touch.
VIEWS = {
    "1280": {"viewport": {"width": 1280, "height": 800}},
    "390-touch": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}


@pytest.fixture(params=list(VIEWS), ids=list(VIEWS))
def view(request, browser, base_url):
    """(name, ready page) at each of VIEWS, a fresh context each; its errors fail the test."""
    errors = PageErrors()
    context = browser.new_context(accept_downloads=True, **VIEWS[request.param])
    page = open_app(context, f"{base_url}?backend=wasm", errors)
    yield request.param, page
    context.close()
    assert not errors, "\n".join(errors)
