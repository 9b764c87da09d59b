#!/usr/bin/env python3
"""Peel's one entry point: fetch and verify the runtime, build dist/, serve it, test it.

    python3 build.py serve [--port 8000] [--plain]   build, then serve dist/ on 127.0.0.1
    python3 build.py build                           build dist/ only
    python3 build.py test [PYTEST ARGS...]           set up, build, run every test (node --test
                                                     tests/js/, then pytest; either failing fails)
    python3 build.py bench [ARGS...]                 build, then time the app (bench/browser.py)

Stdlib only, Python >= 3.10. Downloads are cached by hash in ~/.cache/peel (PEEL_CACHE).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from buildtools import dist, machine
from buildtools.paths import DIST, ROOT


def build() -> None:
    machine.ensure_tools()
    machine.ensure_venv()  # the model is derived and checked with onnx + onnxruntime
    dist.build()


def serve(port: int, plain: bool, verbose: bool) -> None:
    from buildtools.server import make_server

    build()
    server = make_server(DIST, port, plain=plain, verbose=verbose)
    host, bound_port = server.server_address[:2]
    headers = "no special headers (--plain)" if plain else "COOP/COEP + CSP"
    print(f"Peel at http://{host}:{bound_port}/  ({headers}; Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def browser_environment() -> dict:
    """Chromium, Firefox and WebKit (tests/engines) installed and dist/ built: the environment that
    the tests and the bench run in, with Chromium's path in PEEL_CHROMIUM."""
    chromium = machine.ensure_chromium()
    machine.ensure_engines()
    build()
    return {**os.environ, "PEEL_CHROMIUM": chromium}


def run_tests(pytest_arguments: list[str]) -> int:
    """The JS unit tests (`node --test tests/js/`), then pytest; non-zero when either fails."""
    env = browser_environment()
    node = subprocess.run(["node", "--test", "tests/js/"], cwd=ROOT, env=env).returncode
    if node != 0:
        print(f"build.py: the JS unit tests failed (node --test exit {node}); running pytest anyway",
              file=sys.stderr, flush=True)
    pytest = subprocess.run([machine.python(), "-m", "pytest", *pytest_arguments], cwd=ROOT, env=env).returncode
    return pytest or node


def run_in_venv(arguments: list[str]) -> int:
    """Build, then run `.venv/bin/python ARGUMENTS` in the browser environment."""
    return subprocess.run([machine.python(), *arguments], cwd=ROOT, env=browser_environment()).returncode


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="build dist/")
    serve_parser = commands.add_parser("serve", help="build, then serve dist/ on 127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    serve_parser.add_argument("--plain", action="store_true",
                              help="send no COOP/COEP/CSP headers, like a plain static host")
    serve_parser.add_argument("--verbose", action="store_true", help="log every request")
    commands.add_parser("test", help="set up, build and run every test (more args go to pytest)")
    commands.add_parser("bench", help="build, then time the app (more args go to bench/browser.py)")
    args, passed_on = parser.parse_known_args(argv)
    if passed_on and args.command not in ("test", "bench"):
        parser.error(f"unrecognized arguments: {' '.join(passed_on)}")

    try:
        if args.command == "build":
            build()
        elif args.command == "serve":
            serve(args.port, args.plain, args.verbose)
        elif args.command == "test":
            return run_tests(passed_on)
        else:
            return run_in_venv(["bench/browser.py", *passed_on])
    except (machine.SetupError, dist.assets.AssetError, subprocess.CalledProcessError) as error:
        machine.fail(error)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
