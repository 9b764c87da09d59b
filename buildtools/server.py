"""A static file server for dist/ with the headers Peel needs (stdlib only)."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path

#: Every allowance, and why:
#: - default-src 'self': nothing from any other origin, ever (privacy is the product).
#: - script-src 'wasm-unsafe-eval': compiling WebAssembly (Pyodide, onnxruntime) and nothing
#:   else; JavaScript eval stays forbidden.
#: - worker-src 'self' blob:: the app's worker and onnxruntime's thread workers are same-origin
#:   files; emscripten's thread pool starts them from blob: URLs in some builds.
#: - img-src blob:: result previews are blob: URLs of Blobs made in the page.
#: - connect-src 'self': fetch() may reach the page's own origin only.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self' blob:",
    "img-src 'self' blob:",
    "connect-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
))

#: Cross-origin isolation: SharedArrayBuffer, hence multi-threaded WASM.
ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
}


class PeelRequestHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
        ".json": "application/json",
        ".webmanifest": "application/manifest+json",
        ".svg": "image/svg+xml",
        ".onnx": "application/octet-stream",
        ".whl": "application/zip",
        ".zip": "application/zip",
    }
    #: False for `serve --plain`: a host that sends no special headers at all.
    send_security_headers = True

    def end_headers(self) -> None:
        if self.send_security_headers:
            for name, value in ISOLATION_HEADERS.items():
                self.send_header(name, value)
            self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            self.send_header("X-Content-Type-Options", "nosniff")
        # Revalidate every time: a rebuilt dist/ is seen at once, unchanged files cost a 304.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (stdlib's name)
        if self.server.verbose:
            super().log_message(format, *args)


def make_server(root: Path, port: int, *, plain: bool = False,
                verbose: bool = False) -> http.server.ThreadingHTTPServer:
    """A server for `root` on 127.0.0.1:`port` (0 picks a free port); not started yet."""
    handler = type("Handler", (PeelRequestHandler,), {"send_security_headers": not plain})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(handler, directory=str(root)))
    server.daemon_threads = True
    server.verbose = verbose
    return server
