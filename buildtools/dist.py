"""Assemble dist/: the app's own files, the verified third-party files and the prepared model."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

from buildtools import assets
from buildtools.paths import CACHE, DIST, ROOT, SERVED_MODEL, VENV

APP_FILES = ("index.html", "favicon.svg")
APP_DIRS = ("js", "css")
PYTHON_PACKAGE = ROOT / "py" / "peel"
PREPARE_MODEL = ROOT / "buildtools" / "prepare_model.py"
#: Zip entries get this fixed time so the archive's bytes depend on content only.
_ZIP_EPOCH = (2020, 1, 1, 0, 0, 0)


def build_python_archive() -> bytes:
    """The `peel` package as a deterministic zip, unpacked into site-packages by the worker."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(PYTHON_PACKAGE.rglob("*.py")):
            entry = zipfile.ZipInfo(path.relative_to(PYTHON_PACKAGE.parent).as_posix(), _ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes())
    return buffer.getvalue()


def prepare_model(upstream: Path, log=print) -> Path:
    """The served model, derived from `upstream`; cached by the inputs of the derivation."""
    key = hashlib.sha256(assets.sha256_of(upstream).encode() + PREPARE_MODEL.read_bytes())
    derived = CACHE / "derived" / f"u2netp-320-{key.hexdigest()[:16]}.onnx"
    if not derived.exists():
        log("deriving the static 320x320 model (checked against upstream under onnxruntime)")
        derived.parent.mkdir(parents=True, exist_ok=True)
        partial = derived.with_suffix(".partial")
        fixtures = sorted(str(p) for p in (ROOT / "tests" / "fixtures").glob("*.png"))
        subprocess.run([str(VENV / "bin" / "python"), str(PREPARE_MODEL), str(upstream),
                        str(partial), "--images", *fixtures], check=True, cwd=ROOT)
        partial.replace(derived)
    return derived


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard-link a cached, read-only asset: the cache and dist usually share a disk."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def build(log=print) -> dict:
    """Write dist/ from scratch and return its manifest (also written as dist/build.json)."""
    if DIST.exists():
        shutil.rmtree(DIST)
    DIST.mkdir()
    for name in APP_FILES:
        shutil.copyfile(ROOT / name, DIST / name)
    for folder in APP_DIRS:
        shutil.copytree(ROOT / folder, DIST / folder)
    for asset in assets.SERVED:
        _link_or_copy(assets.fetch(asset, log), DIST / asset.dest)
    upstream_model = assets.fetch(assets.UPSTREAM_MODEL, log)
    served_model = prepare_model(upstream_model, log)
    _link_or_copy(served_model, SERVED_MODEL)
    (DIST / "py").mkdir()
    (DIST / "py" / "peel.zip").write_bytes(build_python_archive())

    files = {path.relative_to(DIST).as_posix(): path.stat().st_size
             for path in sorted(DIST.rglob("*")) if path.is_file()}
    manifest = {
        "version": _version_of(DIST, files),
        "model": {"upstream_sha256": assets.UPSTREAM_MODEL.sha256,
                  "served_sha256": assets.sha256_of(served_model)},
        "files": files,
    }
    (DIST / "build.json").write_text(json.dumps(manifest, indent=1) + "\n")
    log(f"dist/ ready: {len(files)} files, {sum(files.values()) / 1e6:.1f} MB, version {manifest['version']}")
    return manifest


def _version_of(root: Path, files: dict) -> str:
    """A short hash of every served byte: changes exactly when the app changes."""
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode() + b"\0" + assets.sha256_of(root / name).encode())
    return digest.hexdigest()[:12]
