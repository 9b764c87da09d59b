#!/usr/bin/env python3
"""Peel's one entry point: fetch and verify the runtime, build dist/, serve it, test it.

    python3 build.py serve [--port 8000] [--plain]   build, then serve dist/ on 127.0.0.1
    python3 build.py build                           build dist/ only
    python3 build.py test [PYTEST ARGS...]           set up, build, run every test

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


def test(pytest_args: list[str]) -> int:
    chromium = machine.ensure_chromium()
    build()
    command = [machine.python(), "-m", "pytest", *pytest_args]
    env = {**os.environ, "PEEL_CHROMIUM": chromium}
    return subprocess.run(command, cwd=ROOT, env=env).returncode


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="build dist/")
    serve_parser = commands.add_parser("serve", help="build, then serve dist/ on 127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    serve_parser.add_argument("--plain", action="store_true",
                              help="send no COOP/COEP/CSP headers, like a plain static host")
    serve_parser.add_argument("--verbose", action="store_true", help="log every request")
    test_parser = commands.add_parser("test", help="set up, build and run every test")
    test_parser.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed to pytest")
    args = parser.parse_args(argv)

    try:
        if args.command == "build":
            build()
        elif args.command == "serve":
            serve(args.port, args.plain, args.verbose)
        else:
            return test(args.pytest_args)
    except (machine.SetupError, dist.assets.AssetError, subprocess.CalledProcessError) as error:
        machine.fail(error)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
