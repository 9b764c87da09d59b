"""Assemble dist/: the app's own files, the verified third-party files, the prepared model and
the third-party notices."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

from buildtools import assets, notices, pycompile, sitepackages
from buildtools.contract import MODULE as CONTRACT_MODULE
from buildtools.paths import CACHE, DIST, ROOT, SERVED_MODEL, VENV
from buildtools.server import CONTENT_SECURITY_POLICY, ISOLATION_HEADERS

APP_FILES = ("index.html", "favicon.svg", "manifest.webmanifest")
APP_DIRS = ("js", "css", "icons", "samples")
SERVICE_WORKER = "sw.js"
#: What the service worker caches as the runtime; everything else is the app shell.
RUNTIME_FOLDERS = ("vendor/", "models/")
_BUILD_SLOT = "/* build.py writes this */ null"
PYTHON_PACKAGE = ROOT / "py" / "peel"
PYODIDE_DIR = "vendor/pyodide/"
#: The CPython-only side of the package (CLI, file API, native onnxruntime): never shipped.
DESKTOP_PACKAGE = PYTHON_PACKAGE / "desktop"
PREPARE_MODEL = ROOT / "buildtools" / "prepare_model.py"
#: Zip entries get this fixed time so the archive's bytes depend on content only.
_ZIP_EPOCH = (2020, 1, 1, 0, 0, 0)


def browser_modules() -> list[Path]:
    """The `peel` package's files the browser needs: everything but `peel/desktop/`."""
    return [path for path in sorted(PYTHON_PACKAGE.rglob("*.py"))
            if not path.is_relative_to(DESKTOP_PACKAGE)]


def build_python_archive() -> bytes:
    """The `peel` package's browser core as a deterministic zip, unpacked into site-packages by
    the worker."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in browser_modules():
            entry = zipfile.ZipInfo(path.relative_to(PYTHON_PACKAGE.parent).as_posix(), _ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes())
    return buffer.getvalue()


def derived_model() -> Path:
    """Where the served model derived from the pinned upstream one is cached (it may not exist
    yet): keyed by the inputs of the derivation."""
    key = hashlib.sha256(assets.UPSTREAM_MODEL.sha256.encode() + PREPARE_MODEL.read_bytes())
    return CACHE / "derived" / f"{SERVED_MODEL.stem}-{key.hexdigest()[:16]}.onnx"


def prepare_model(upstream: Path, log=print) -> Path:
    """The served model, derived from `upstream` (the pinned, verified file); cached."""
    derived = derived_model()
    if not derived.exists():
        log("deriving the static 320x320 model (checked against upstream under onnxruntime)")
        derived.parent.mkdir(parents=True, exist_ok=True)
        partial = derived.with_suffix(".partial")
        fixtures = sorted(str(p) for p in (ROOT / "tests" / "fixtures").glob("*.png"))
        subprocess.run([str(VENV / "bin" / "python"), str(PREPARE_MODEL), str(upstream),
                        str(partial), "--images", *fixtures], check=True, cwd=ROOT)
        partial.replace(derived)
    return derived


def derive_python_runtime(fetched: dict[str, Path], log=print) -> dict[str, Path]:
    """dist path -> derived file, for the Pyodide files served py-compiled (pycompile.py)."""
    pyodide = {Path(dest).name: path for dest, path in fetched.items() if dest.startswith(PYODIDE_DIR)}
    derived = pycompile.derive_runtime(pyodide, log)
    return {PYODIDE_DIR + name: path for name, path in derived.items()}


def python_hashes(fetched: dict[str, Path], python: dict[str, Path], packages: Path) -> dict:
    """build.json `python`: for each served file of the py-compiled runtime, the sha256 of its
    upstream input and of what is served; the site-packages archive lists its wheels' instead."""
    def hashes(dest):
        return {"upstream_sha256": assets.sha256_of(fetched[dest]), "served_sha256": assets.sha256_of(python[dest])}
    served = {dest: hashes(dest) for dest in python if not dest.endswith(".whl")}
    served[sitepackages.DEST] = {
        "wheels": {dest: hashes(dest) for dest in python if dest.endswith(".whl")},
        "served_sha256": assets.sha256_of(packages),
    }
    return served


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard-link a cached, read-only asset: the cache and dist usually share a disk."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def write_contract() -> None:
    """js/shared/contract.js from py/peel (buildtools/contract.py, run with the virtualenv)."""
    module = subprocess.run([str(VENV / "bin" / "python"), "-m", "buildtools.contract"], check=True, cwd=ROOT,
                            capture_output=True, text=True).stdout
    if not CONTRACT_MODULE.exists() or CONTRACT_MODULE.read_text() != module:
        CONTRACT_MODULE.write_text(module)


def build(log=print) -> dict:
    """Write dist/ from scratch and return its manifest (also written as dist/build.json)."""
    # First: the page's contract gives the size of the file people really download.
    served_model = prepare_model(assets.fetch(assets.UPSTREAM_MODEL, log), log)
    write_contract()
    if DIST.exists():
        shutil.rmtree(DIST)
    DIST.mkdir()
    for name in APP_FILES:
        shutil.copyfile(ROOT / name, DIST / name)
    for folder in APP_DIRS:
        shutil.copytree(ROOT / folder, DIST / folder)
    fetched = {asset.dest: assets.fetch(asset, log) for asset in assets.SERVED}
    python = derive_python_runtime(fetched, log)
    # numpy's and Pillow's wheels are served as one archive of their files (sitepackages.py).
    wheels = {dest: path for dest, path in python.items() if dest.endswith(".whl")}
    for dest, path in fetched.items():
        if dest not in wheels:
            _link_or_copy(python.get(dest, path), DIST / dest)
    packages = sitepackages.site_packages_archive(list(wheels.values()), log)
    _link_or_copy(packages, DIST / sitepackages.DEST)
    _link_or_copy(served_model, SERVED_MODEL)
    for asset in assets.ON_DEMAND_MODELS.values():  # downloaded by the page only when picked
        _link_or_copy(assets.fetch(asset, log), DIST / asset.dest)
    (DIST / "py").mkdir()
    (DIST / "py" / "peel.zip").write_bytes(pycompile.compile_package(build_python_archive(), {
        Path(dest).name: path for dest, path in {**fetched, **python}.items() if dest.startswith(PYODIDE_DIR)}, log))
    notices.write_notices(DIST, [fetched[dest] for dest in wheels])

    manifest = finalize(DIST, model={"upstream_sha256": assets.UPSTREAM_MODEL.sha256,
                                     "served_sha256": assets.sha256_of(served_model)},
                        python=python_hashes(fetched, python, packages))
    total = sum(manifest["files"].values())
    log(f"dist/ ready: {len(manifest['files'])} files, {total / 1e6:.1f} MB, version {manifest['version']}")
    return manifest


def finalize(root: Path, model: dict | None = None, python: dict | None = None) -> dict:
    """Write `root`/build.json and `root`/sw.js for the files in `root`, versioned by their bytes.

    Separate from build() so a test can make a second version of a built folder.
    """
    previous = root / "build.json"
    if previous.exists():
        built = json.loads(previous.read_text())
        model = model if model is not None else built.get("model")
        python = python if python is not None else built.get("python")
    previous.unlink(missing_ok=True)
    (root / SERVICE_WORKER).unlink(missing_ok=True)
    hashes = {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).digest()
              for path in sorted(root.rglob("*")) if path.is_file()}
    backend_of = {asset.dest: asset.backend for asset in assets.SERVED}
    runtime = {name for name in hashes if name.startswith(RUNTIME_FOLDERS)}
    on_demand = {asset.dest: name for name, asset in assets.ON_DEMAND_MODELS.items() if asset.dest in hashes}
    shell = set(hashes) - runtime
    version = _version_of(hashes, hashes)
    manifest = {
        "version": version,
        "model": model,
        "python": python,  # dist path -> upstream and served (py-compiled) sha256
        "files": {name: (root / name).stat().st_size for name in hashes},
        "runtime": {group: sorted(n for n in runtime if backend_of.get(n) == backend and n not in on_demand)
                    for group, backend in (("common", None), ("wasm", "wasm"), ("webgpu", "webgpu"))},
        # Not part of start-up or of "Make available offline" until the user picks them.
        "models": {name: [path] for path, name in on_demand.items()},
    }
    (root / "build.json").write_text(json.dumps(manifest, indent=1) + "\n")
    shell.add("build.json")
    hashes["build.json"] = hashlib.sha256((root / "build.json").read_bytes()).digest()
    worker = {
        "version": version,
        "shellCache": f"peel-shell-{_version_of(hashes, shell)}",
        "runtimeCache": f"peel-runtime-{_version_of(hashes, runtime)}",
        "shell": {name: _integrity(hashes[name]) for name in sorted(shell)},
        "runtime": {name: _integrity(hashes[name]) for name in sorted(runtime)},
        "headers": {**ISOLATION_HEADERS, "Content-Security-Policy": CONTENT_SECURITY_POLICY},
    }
    template = (ROOT / SERVICE_WORKER).read_text()
    if _BUILD_SLOT not in template:
        raise RuntimeError(f"{SERVICE_WORKER} lost its slot {_BUILD_SLOT!r}")
    (root / SERVICE_WORKER).write_text(template.replace(_BUILD_SLOT, json.dumps(worker, indent=1)))
    return manifest


def _integrity(sha256: bytes) -> str:
    """Subresource Integrity value, as fetch() checks it."""
    return "sha256-" + base64.b64encode(sha256).decode()


def _version_of(hashes: dict, names) -> str:
    """A short hash of these files' names and bytes: changes exactly when they change."""
    digest = hashlib.sha256()
    for name in sorted(names):
        digest.update(name.encode() + b"\0" + hashes[name])
    return digest.hexdigest()[:12]
