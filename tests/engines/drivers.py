"""Firefox and WebKit for the tests and the bench, behind one small interface.

Firefox: Debian's ``firefox-esr`` over WebDriver BiDi, through ``firefox-driver.mjs``
(puppeteer-core, pinned in this folder's package.json). WebKit: Debian's WebKitGTK MiniBrowser
through ``WebKitWebDriver`` (classic WebDriver over HTTP, spoken here with the stdlib), under
``xvfb-run``. Each ``launch`` starts the browser with a fresh, empty profile.

Both drivers offer: ``goto``, ``reload``, ``evaluate`` (an expression; promises are awaited),
``wait_for`` (an expression polled until truthy), ``set_files``, ``viewport``, ``screenshot``,
``errors`` (page errors so far), ``close``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIREFOX = "/usr/bin/firefox-esr"
WEBKIT_DRIVER = "/usr/bin/WebKitWebDriver"
MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
ENGINES = ("firefox", "webkit")


class DriverError(RuntimeError):
    """The browser or its driver failed or did not answer in time."""


class Driver:
    name = "?"

    def wait_for(self, expression: str, timeout: float, every: float = 0.25):
        """Poll `expression` in the page until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: still false after {timeout:.0f} s: {expression}")
            time.sleep(every)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Firefox(Driver):
    """firefox-esr through puppeteer-core (Node); one process per launch."""

    name = "firefox"

    def __init__(self, timeout: float = 60):
        node_modules = HERE / "node_modules" / "puppeteer-core"
        if not node_modules.is_dir():
            raise DriverError(f"{node_modules} is missing: run `python3 build.py test` (it runs npm ci there)")
        self.process = subprocess.Popen(
            ["node", str(HERE / "firefox-driver.mjs"), FIREFOX], cwd=HERE, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.version = self._read(timeout)

    def _read(self, timeout: float):
        import selectors

        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                self.process.kill()
                raise DriverError(f"firefox did not answer within {timeout:.0f} s")
        line = self.process.stdout.readline()
        if not line:
            raise DriverError(f"firefox driver exited ({self.process.wait()})")
        reply = json.loads(line)
        if not reply["ok"]:
            raise DriverError(reply["error"])
        return reply["value"]

    def _call(self, cmd: str, timeout: float = 120, **args):
        self.process.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        self.process.stdin.flush()
        return self._read(timeout)

    def goto(self, url):
        self._call("goto", url=url)

    def reload(self):
        self._call("reload")

    def evaluate(self, expression, timeout=120):
        return self._call("evaluate", timeout=timeout, expression=expression)

    def set_files(self, selector, paths):
        self._call("setFiles", selector=selector, paths=[str(Path(p).resolve()) for p in paths])

    def viewport(self, width, height):
        self._call("viewport", width=width, height=height)

    def screenshot(self, path):
        self._call("screenshot", path=str(Path(path).resolve()))

    def errors(self):
        return self._call("errors")

    def close(self):
        if self.process.poll() is None:
            try:
                self._call("close", timeout=20)
            except (DriverError, BrokenPipeError, ValueError):
                pass
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebKit(Driver):
    """MiniBrowser through WebKitWebDriver under xvfb-run; a new session per launch."""

    name = "webkit"

    def __init__(self, timeout: float = 60):
        self.home = tempfile.mkdtemp(prefix="peel-webkit-")  # fresh data and cache dirs
        port = _free_port()
        env = {**os.environ, "HOME": self.home, "XDG_CACHE_HOME": f"{self.home}/cache",
               "XDG_DATA_HOME": f"{self.home}/data", "XDG_CONFIG_HOME": f"{self.home}/config"}
        self.process = subprocess.Popen(
            ["xvfb-run", "-a", "-s", "-screen 0 1400x1000x24", WEBKIT_DRIVER, f"--port={port}"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.base = f"http://127.0.0.1:{port}"
        self.session = None
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._http("GET", "/status", timeout=2)
                break
            except (OSError, DriverError):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.close()
                    raise DriverError("WebKitWebDriver did not start")
                time.sleep(0.2)
        capabilities = {"alwaysMatch": {
            "webkitgtk:browserOptions": {"binary": MINIBROWSER, "args": ["--automation"]},
            "timeouts": {"script": 600_000, "pageLoad": 120_000}}}  # our own waits bound them
        reply = self._http("POST", "/session", {"capabilities": capabilities}, timeout=timeout)
        self.session = reply["sessionId"]
        self.version = reply["capabilities"].get("browserVersion", "?")
        self._page_errors_hook = False

    def _http(self, method, path, body=None, timeout=120):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read() or b"{}").get("value")
        except urllib.error.HTTPError as error:
            detail = json.loads(error.read() or b"{}").get("value", {})
            raise DriverError(f"webkit {path}: {detail.get('error')}: {detail.get('message')}") from None

    def _cmd(self, method, path, body=None, timeout=120):
        return self._http(method, f"/session/{self.session}{path}", body, timeout)

    def goto(self, url):
        self._cmd("POST", "/url", {"url": url})
        self._watch_errors()

    def reload(self):
        self._cmd("POST", "/refresh", {})
        self._watch_errors()

    def _watch_errors(self):
        # Classic WebDriver has no log of page errors: the page collects them itself.
        self.evaluate("(self.__errors ??= [], addEventListener('error', (e) => __errors.push("
                      "'pageerror: ' + e.message)), addEventListener('unhandledrejection', (e) => "
                      "__errors.push('unhandledrejection: ' + (e.reason?.message ?? e.reason))), true)")

    def evaluate(self, expression, timeout=120):
        script = f"return (async () => ({expression}))();"
        return self._cmd("POST", "/execute/sync", {"script": script, "args": []}, timeout)

    def set_files(self, selector, paths):
        element = self._cmd("POST", "/element", {"using": "css selector", "value": selector})
        element_id = next(iter(element.values()))
        text = "\n".join(str(Path(p).resolve()) for p in paths)
        self._cmd("POST", f"/element/{element_id}/value", {"text": text})

    def viewport(self, width, height):
        self._cmd("POST", "/window/rect", {"width": width, "height": height})

    def screenshot(self, path):
        import base64

        Path(path).write_bytes(base64.b64decode(self._cmd("GET", "/screenshot")))

    def errors(self):
        return self.evaluate("(self.__errors ?? []).splice(0)")

    def close(self):
        if self.session:
            try:
                self._cmd("DELETE", "", timeout=20)
            except (OSError, DriverError):
                pass
            self.session = None
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)  # xvfb-run, Xvfb and the driver: our own group
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        shutil.rmtree(self.home, ignore_errors=True)


def launch(engine: str, timeout: float = 60) -> Driver:
    """A fresh `engine` ('firefox' or 'webkit') with an empty profile."""
    if engine == "firefox":
        return Firefox(timeout)
    if engine == "webkit":
        return WebKit(timeout)
    raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
