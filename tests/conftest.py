"""Shared pytest setup: import paths, the upstream model and the fixture images."""

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# `peel` lives in py/ (it is shipped to Pyodide as is); `buildtools` at the root.
for path in (ROOT / "py", ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


@pytest.fixture(scope="session")
def upstream_model_path():
    """Path of the pinned upstream u2netp.onnx in the download cache."""
    from buildtools import paths

    path = paths.upstream_model()
    if not path.is_file():
        pytest.fail(f"upstream model missing at {path}: run `python3 build.py build` first")
    return path


@pytest.fixture(scope="session")
def native_infer(upstream_model_path):
    """An OnnxInference (native onnxruntime) on the upstream model, shared by the session."""
    from peel.desktop.native import OnnxInference

    return OnnxInference(upstream_model_path)


@pytest.fixture(scope="session")
def fixture_image():
    """Loader ``fixture_image(name) -> ndarray`` of tests/fixtures/<name>.png, in its stored mode.

    The arrays are read-only and cached, so a test cannot change them for the next one.
    """
    cache = {}

    def load(name):
        if name not in cache:
            path = FIXTURES / (name if name.endswith(".png") else f"{name}.png")
            with Image.open(path) as image:
                array = np.array(image)
            array.flags.writeable = False
            cache[name] = array
        return cache[name]

    return load


@pytest.fixture(scope="session")
def isnet_model_path():
    """Path of the fp16 ISNet (general use) from @imgly/background-removal-data, in the cache.

    AGPL-3.0: a test input only, used the way a user's own model file would be (never served,
    never in dist/, never committed); fetched and reassembled once, verified by its sha256.
    """
    from buildtools.isnet_copy import fetch_isnet_copy

    return fetch_isnet_copy()
