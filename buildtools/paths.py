"""Where things live: the repository, the build output and the download cache."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
VENV = ROOT / ".venv"
CACHE = Path(os.environ.get("PEEL_CACHE") or Path.home() / ".cache" / "peel")

#: The upstream u2netp.onnx (see docs/assets.md); the served model is derived from it.
UPSTREAM_MODEL_SHA256 = "309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8"
#: The model the app serves, written by `build.py build`.
SERVED_MODEL = DIST / "models" / "u2netp-320.onnx"


def cached(sha256: str) -> Path:
    """Path of the cached file whose content has this sha256 (it may not exist yet)."""
    return CACHE / "by-sha256" / sha256


def upstream_model() -> Path:
    return cached(UPSTREAM_MODEL_SHA256)
