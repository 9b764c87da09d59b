"""Where things live: the repository, the build output and the download cache."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
VENV = ROOT / ".venv"
CACHE = Path(os.environ.get("PEEL_CACHE") or Path.home() / ".cache" / "peel")

if str(ROOT / "py") not in sys.path:  # build.py runs from the repository, not an install
    sys.path.insert(0, str(ROOT / "py"))

from peel.models import DEFAULT_MODEL, get_model  # noqa: E402  (the declarations are stdlib only)

#: The default model's upstream file (see docs/assets.md); the served model is derived from it.
UPSTREAM_MODEL_SHA256 = get_model(DEFAULT_MODEL).file.sha256
#: The default model as the app serves it, written by `build.py build`.
SERVED_MODEL = DIST / get_model(DEFAULT_MODEL).served


def cached(sha256: str) -> Path:
    """Path of the cached file whose content has this sha256 (it may not exist yet)."""
    return CACHE / "by-sha256" / sha256


def upstream_model() -> Path:
    return cached(UPSTREAM_MODEL_SHA256)
