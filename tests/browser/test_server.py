"""`build.py serve`'s server: isolation headers, CSP, MIME types; `--plain` sends none."""

import urllib.request

import pytest

from buildtools.server import CONTENT_SECURITY_POLICY
from tests.browser.conftest import start_server


def head(url):
    with urllib.request.urlopen(urllib.request.Request(url, method="HEAD")) as response:
        return response.headers


@pytest.mark.parametrize(
    ("path", "mime"),
    [
        ("", "text/html"),
        ("js/page/main.js", "text/javascript"),
        ("vendor/pyodide/pyodide.mjs", "text/javascript"),
        ("vendor/pyodide/pyodide.asm.wasm", "application/wasm"),
        ("vendor/ort/ort-wasm-simd-threaded.wasm", "application/wasm"),
        ("models/u2netp-320.onnx", "application/octet-stream"),
    ],
)
def test_every_response_is_isolated_and_locked_down(base_url, path, mime):
    headers = head(base_url + path)
    assert headers["Content-Type"].split(";")[0] == mime
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_csp_allows_no_other_origin_and_no_script_eval():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["script-src"] == "'self' 'wasm-unsafe-eval'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "'unsafe-eval'" not in CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY and "*" not in CONTENT_SECURITY_POLICY


def test_plain_mode_sends_no_special_headers():
    server = start_server(plain=True)
    try:
        headers = head(f"http://127.0.0.1:{server.server_address[1]}/vendor/pyodide/pyodide.asm.wasm")
    finally:
        server.shutdown()
    assert headers["Content-Type"] == "application/wasm"
    for name in ("Cross-Origin-Opener-Policy", "Cross-Origin-Embedder-Policy", "Content-Security-Policy"):
        assert name not in headers
