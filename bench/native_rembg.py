"""Native rembg on the bench's images: JPEG bytes in, PNG bytes out, one u2netp session reused.

Runs in the bench's own virtualenv (bench/.venv, see requirements-rembg.txt), started by
bench/browser.py, which reads the JSON this prints on its last line:

    bench/.venv/bin/python bench/native_rembg.py MODEL_DIR --runs 5 NAME=PATH ...

MODEL_DIR holds u2netp.onnx (the pinned upstream file, byte for byte rembg's release asset);
rembg is pointed at it with U2NET_HOME and is not allowed to download anything.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import clean_runs, wait_quiet  # noqa: E402  (bench/load.py, stdlib only)

BUSY_CORES = 0.1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("images", nargs="+", help="NAME=PATH")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    os.environ["U2NET_HOME"] = args.model_dir
    import pooch

    def no_download(*_args, **_kwargs):
        raise RuntimeError("the bench must not download a model: U2NET_HOME should hold u2netp.onnx")

    pooch.retrieve = no_download  # rembg fetches with pooch.retrieve when the file is missing
    t0 = time.perf_counter()
    import onnxruntime
    from rembg import new_session, remove

    import_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    session = new_session("u2netp")  # onnxruntime's defaults, as rembg's users get them
    session_ms = (time.perf_counter() - t0) * 1000

    results = {}
    for item in args.images:
        name, path = item.split("=", 1)
        with open(path, "rb") as f:
            data = f.read()
        remove(data, session=session)  # warm-up: first-call allocations

        def measure():
            started = time.perf_counter()
            png = remove(data, session=session)  # bytes in -> PNG bytes out
            return (time.perf_counter() - started) * 1000, len(png)

        wait_quiet(BUSY_CORES, log=lambda message: print(message, file=sys.stderr, flush=True))
        samples, loads = clean_runs(measure, args.runs, BUSY_CORES,
                                    log=lambda message: print(message, file=sys.stderr, flush=True))
        results[name] = {"total_ms": round(statistics.median(ms for ms, _ in samples)),
                         "samples_ms": [round(ms) for ms, _ in samples], "png_bytes": samples[-1][1],
                         "load_cores": max(loads)}
        print(f"  rembg {name}: {results[name]['total_ms']} ms", file=sys.stderr, flush=True)

    print(json.dumps({
        "versions": {name: metadata.version(name) for name in ("rembg", "onnxruntime", "numpy", "pillow")},
        "providers": session.inner_session.get_providers(),
        "intra_op_threads": "onnxruntime default (all cores)",
        "onnxruntime": onnxruntime.__version__,
        "import_ms": round(import_ms),
        "session_ms": round(session_ms),
        "images": results,
    }))


if __name__ == "__main__":
    main()
