"""Rewrite a Python archive (zip or wheel) so that it holds bytecode instead of (or beside) source.

Stdlib only, because it runs inside Pyodide under Node (buildtools/pycompile.py): bytecode is
only valid for the interpreter that wrote it, so the interpreter that compiles must be the one
the browser runs (CPython 3.12 of Pyodide 0.27.7), not the one running build.py.

Two layouts:
- sourceless (stdlib, numpy, Pillow): ``m.py`` becomes ``m.pyc`` in the same folder; zipimport
  and the path finder load it without looking for a source, and skip the compile at import.
- beside the source (our own package): ``m.py`` stays and ``__pycache__/m.cpython-312.pyc`` is
  added, so tracebacks still show the source line. The .pyc is an unchecked hash-based one:
  the import system loads it without reading or stat-ing the source (PEP 552).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import sys
import zipfile
from importlib._bootstrap_external import _code_to_hash_pyc


def compile_archive(data: bytes, install_dir: str, keep_sources: bool) -> tuple[bytes, dict]:
    """The archive `data` with every compilable ``.py`` compiled.

    Parameters
    ----------
    data : bytes
        A zip archive (a wheel is one).
    install_dir : str
        Where the archive's paths live at run time (``/lib/python312.zip``,
        ``/lib/python3.12/site-packages``): code objects carry it as their file name, and
        tracebacks print it.
    keep_sources : bool
        Keep each ``.py`` and add its ``__pycache__`` entry (else replace it).

    Returns
    -------
    (bytes, dict)
        The new archive, and counts: ``compiled``, ``kept_as_source`` (files this interpreter
        cannot compile, left as they were).
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    written: list[tuple[str, bytes]] = []
    counts = {"compiled": 0, "kept_as_source": 0}
    out = io.BytesIO()
    tag = sys.implementation.cache_tag
    with zipfile.ZipFile(out, "w") as target:
        def write(like: zipfile.ZipInfo, name: str, payload: bytes) -> None:
            entry = zipfile.ZipInfo(name, like.date_time)  # the original time: deterministic bytes
            entry.external_attr = like.external_attr
            entry.compress_type = zipfile.ZIP_DEFLATED if payload else zipfile.ZIP_STORED
            target.writestr(entry, payload)
            written.append((name, payload))

        record = None
        for info in source.infolist():
            payload = source.read(info)
            if info.filename.endswith(".dist-info/RECORD"):
                record = info  # rewritten last, for the files as they are now
                continue
            if info.is_dir() or not info.filename.endswith(".py"):
                write(info, info.filename, payload)
                continue
            try:
                code = compile(payload, f"{install_dir}/{info.filename}", "exec", dont_inherit=True)
            except (SyntaxError, ValueError):  # e.g. test data that is not Python 3.12
                write(info, info.filename, payload)
                counts["kept_as_source"] += 1
                continue
            pyc = bytes(_code_to_hash_pyc(code, importlib.util.source_hash(payload), checked=False))
            if keep_sources:
                write(info, info.filename, payload)
                folder, _, name = info.filename.rpartition("/")
                write(info, f"{folder}/__pycache__/{name[:-3]}.{tag}.pyc".lstrip("/"), pyc)
            else:
                write(info, info.filename + "c", pyc)
            counts["compiled"] += 1
        if record is not None:
            write(record, record.filename, wheel_record(written, record.filename))
    return out.getvalue(), counts


def wheel_record(files: list[tuple[str, bytes]], record_name: str) -> bytes:
    """A wheel's RECORD (PEP 376/427) for these files: path, urlsafe-base64 sha256, size."""
    rows = []
    for name, payload in files:
        if name.endswith("/"):
            continue
        digest = base64.urlsafe_b64encode(hashlib.sha256(payload).digest()).rstrip(b"=").decode()
        rows.append(f"{name},sha256={digest},{len(payload)}")
    rows.append(f"{record_name},,")
    return ("\n".join(rows) + "\n").encode()


# --- jobs run inside Pyodide (buildtools/pycompile.py writes them to /work/job.json) ----------

def run_job(job: dict) -> dict:
    """Compile archives in /work, install one into site-packages, check the runtime; a report."""
    report: dict = {"compiled": {}}
    for entry in job.get("compile", []):
        with open(f"/work/{entry['input']}", "rb") as file:
            data, counts = compile_archive(file.read(), entry["install_dir"], entry["keep_sources"])
        with open(f"/work/{entry['output']}", "wb") as file:
            file.write(data)
        report["compiled"][entry["input"]] = counts
    if "install" in job:
        import site

        zipfile.ZipFile(f"/work/{job['install']}").extractall(site.getsitepackages()[0])
    if job.get("check"):
        report["check"] = check_runtime()
    if "check_package" in job:
        report["package"] = check_package(job["check_package"])
    return report


def check_runtime() -> dict:
    """What numpy and Pillow compute on a seeded image (round trips, LANCZOS resize, PNG), and
    where a few stdlib and package modules were imported from."""
    import json as _json  # noqa: F401  (imported for its origin below)
    import zlib as _zlib  # noqa: F401

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(15)
    rgb = rng.integers(0, 256, size=(97, 131, 3), dtype=np.uint8)
    image = Image.fromarray(rgb)
    resized = np.asarray(image.resize((320, 320), Image.Resampling.LANCZOS))
    png = io.BytesIO()
    image.convert("RGBA").save(png, "PNG", compress_level=1)
    round_trip = np.asarray(Image.open(io.BytesIO(png.getvalue())))
    floats = (resized.astype(np.float32) / 255 - 0.5).transpose(2, 0, 1)
    results = {
        "lanczos": hashlib.sha256(resized.tobytes()).hexdigest(),
        "png": hashlib.sha256(png.getvalue()).hexdigest(),
        "round_trip": bool(np.array_equal(round_trip[..., :3], rgb)),
        "floats": hashlib.sha256(floats.tobytes()).hexdigest(),
        "svd": [round(float(v), 3) for v in np.linalg.svd(floats[0][:8, :8], compute_uv=False)[:3]],
    }
    origins = {name: sys.modules[name].__spec__.origin
               for name in ("json", "zipfile", "numpy", "numpy.linalg", "PIL.Image")}
    return {"results": results, "origins": origins}


def check_package(name: str) -> dict:
    """Import `name`'s modules from their __pycache__ (none compiled from source), then raise one
    of its errors and return the traceback's frames in the package (file, line, source text)."""
    import importlib
    import importlib.machinery
    import pkgutil
    import traceback

    from_source = []
    plain = importlib.machinery.SourceFileLoader.source_to_code

    def noting(loader, data, path, **kwargs):
        from_source.append(path)
        return plain(loader, data, path, **kwargs)

    importlib.machinery.SourceFileLoader.source_to_code = noting
    try:
        package = importlib.import_module(name)
        modules = [m.name for m in pkgutil.iter_modules(package.__path__, name + ".")]
        for module in modules:
            importlib.import_module(module)
    finally:
        importlib.machinery.SourceFileLoader.source_to_code = plain
    if from_source:
        raise RuntimeError(f"compiled from source, not loaded from bytecode: {from_source}")
    try:
        importlib.import_module(f"{name}.preprocess").as_rgba(bytes(3))
    except Exception as error:  # any of the package's errors will do: we look at the traceback
        frames = [(f.filename, f.lineno, f.line) for f in traceback.extract_tb(error.__traceback__)
                  if f"/{name}/" in f.filename]
    else:
        raise RuntimeError("as_rgba accepted bytes")
    if not frames or not all(line and number > 0 for _, number, line in frames):
        raise RuntimeError(f"the traceback lost file, line or source: {frames}")
    return {"modules": len(modules) + 1, "traceback": frames}
