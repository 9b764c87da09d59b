"""The py-compiled Python runtime: a derived, verified asset, like the model (prepare_model.py).

Importing from source makes CPython compile every module first; in Pyodide that was about half of
the Python start-up stage. So the build serves bytecode: the stdlib zip and the numpy and Pillow
wheels sourceless, our own `peel` package with its bytecode beside the source (its tracebacks keep
their source lines). The upstream files stay the build's inputs, checked by their pinned hashes;
the derived ones get a derived `pyodide-lock.json` whose sha256 entries are theirs, because
Pyodide's loadPackage checks every wheel against the lock.

Bytecode is only valid for the interpreter that wrote it, so everything is compiled by CPython
3.12.7 inside Pyodide 0.27.7 itself, under Node (buildtools/pyodide_run.mjs + bytecode.py). Then
it is verified: the derived runtime boots, loads its wheels through the lock, imports from the
bytecode (not from source) and gives the same numpy/Pillow results as the upstream runtime.
Results are cached in ~/.cache/peel/derived by the hash of all inputs, tools included, so a
second build costs nothing and a change to `py/peel` recompiles only the package.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from buildtools.paths import CACHE, ROOT

#: Runtime files the derived runtime replaces (the rest of Pyodide's core is served as it is).
STDLIB = "python_stdlib.zip"
LOCK = "pyodide-lock.json"
#: Where Pyodide puts what it loads (`/lib/python312.zip` is on sys.path through zipimport).
STDLIB_DIR = "/lib/python312.zip"
SITE_PACKAGES = "/lib/python3.12/site-packages"
#: Pyodide's core, needed to run Pyodide under Node.
CORE = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm")
PACKAGES = ("numpy", "pillow")
_TOOLS = [ROOT / "buildtools" / name for name in ("pycompile.py", "bytecode.py", "pyodide_run.mjs")]
_NODE_TIMEOUT_S = 600


class CompileError(RuntimeError):
    """The derived runtime could not be made, or does not behave like the upstream one."""


def derive_runtime(upstream: dict[str, Path], log=print) -> dict[str, Path]:
    """The py-compiled stdlib zip, wheels and their lock, from the upstream Pyodide files.

    Parameters
    ----------
    upstream : dict
        File name -> verified cached path, for Pyodide's core, stdlib zip, lock and the wheels
        of PACKAGES.

    Returns
    -------
    dict
        File name -> derived path, for the stdlib zip, the wheels and the lock (same names).
    """
    lock = json.loads(upstream[LOCK].read_text())
    wheels = [lock["packages"][name]["file_name"] for name in PACKAGES]
    folder = CACHE / "derived" / f"pyodide-pyc-{_key(upstream[n] for n in sorted(upstream))}"
    names = [STDLIB, *wheels, LOCK]
    if all((folder / name).is_file() for name in names):
        return {name: folder / name for name in names}

    log("py-compiling the stdlib, numpy and Pillow inside Pyodide (checked against upstream)")
    with tempfile.TemporaryDirectory(prefix="peel-pyc-") as scratch:
        work = Path(scratch)
        derived = _folder(work / "derived", upstream)
        archives = [(STDLIB, STDLIB_DIR)] + [(wheel, SITE_PACKAGES) for wheel in wheels]
        job = {"compile": [{"input": name, "output": name, "install_dir": where, "keep_sources": False}
                           for name, where in archives],
               "check": True}
        counts = _run(_folder(work / "upstream", upstream), work, job, PACKAGES, inputs=upstream)
        for name, _ in archives:
            (derived / name).unlink()
            shutil.move(work / name, derived / name)
        for name in PACKAGES:
            lock["packages"][name]["sha256"] = sha256_of(derived / lock["packages"][name]["file_name"])
        (derived / LOCK).unlink()
        (derived / LOCK).write_text(json.dumps(lock, separators=(",", ":")) + "\n")
        checked = _run(derived, work, {"check": True}, PACKAGES)
        _compare(counts["check"], checked["check"])
        partial = folder.with_suffix(".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        for name in names:
            shutil.copyfile(derived / name, partial / name)
        (partial / "derivation.json").write_text(json.dumps({
            "upstream_sha256": {name: sha256_of(upstream[name]) for name in names},
            "derived_sha256": {name: sha256_of(partial / name) for name in names},
            "compiled": counts["compiled"], "check": checked["check"]}, indent=1) + "\n")
        shutil.rmtree(folder, ignore_errors=True)
        partial.replace(folder)
    return {name: folder / name for name in names}


def compile_package(archive: bytes, runtime: dict[str, Path], log=print) -> bytes:
    """`archive` (the `peel` package zip) with bytecode beside its sources, verified.

    Compiled and checked inside the derived runtime itself: the package is installed, imported
    without compiling any of its modules from source, and one of its errors must name file and
    line in its traceback.
    """
    path = CACHE / "derived" / f"peel-pyc-{_key([archive, *(runtime[n] for n in sorted(runtime))])}.zip"
    if path.is_file():
        return path.read_bytes()
    log("py-compiling the peel package inside Pyodide")
    with tempfile.TemporaryDirectory(prefix="peel-pyc-") as scratch:
        work = Path(scratch)
        (work / "peel.zip").write_bytes(archive)
        job = {"compile": [{"input": "peel.zip", "output": "peel-pyc.zip", "install_dir": SITE_PACKAGES,
                            "keep_sources": True}],
               "install": "peel-pyc.zip", "check_package": "peel"}
        checked = _run(_folder(work / "runtime", runtime), work, job, PACKAGES)["package"]
        file, line, _ = checked["traceback"][-1]
        log(f"  {checked['modules']} modules imported from bytecode; tracebacks keep file and line ({file}:{line})")
        compiled = (work / "peel-pyc.zip").read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".partial").write_bytes(compiled)
    path.with_suffix(".partial").replace(path)
    return compiled


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _key(inputs) -> str:
    """16 hex digits of the hash of the inputs (paths or bytes) and of the tools themselves."""
    digest = hashlib.sha256()
    for item in [*inputs, *_TOOLS]:
        digest.update(item if isinstance(item, bytes) else sha256_of(item).encode())
    return digest.hexdigest()[:16]


def _folder(folder: Path, files: dict[str, Path]) -> Path:
    """A Pyodide index folder made of links to `files` (name -> path)."""
    folder.mkdir(parents=True)
    for name, path in files.items():
        try:
            os.link(path, folder / name)
        except OSError:
            shutil.copyfile(path, folder / name)
    return folder


def _run(pyodide_dir: Path, work: Path, job: dict, packages, inputs: dict | None = None) -> dict:
    """Run bytecode.run_job(job) inside the Pyodide in `pyodide_dir`; its JSON result."""
    for entry in job.get("compile", []):
        source = work / entry["input"]
        if not source.exists() and inputs:
            shutil.copyfile(inputs[entry["input"]], source)
    (work / "job.json").write_text(json.dumps(job))
    script = work / "job.py"
    script.write_text("import json, sys\nsys.path.insert(0, '/repo/buildtools')\nimport bytecode\n"
                      "json.dumps(bytecode.run_job(json.load(open('/work/job.json'))))\n")
    if shutil.which("node") is None:
        raise CompileError("node is needed to py-compile the runtime inside Pyodide "
                           "(Debian: apt-get install nodejs)")
    done = subprocess.run(["node", str(ROOT / "buildtools" / "pyodide_run.mjs"), str(pyodide_dir), str(script),
                           str(work), *packages], capture_output=True, text=True, timeout=_NODE_TIMEOUT_S)
    if done.returncode != 0:
        raise CompileError(f"Pyodide under Node failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _compare(upstream: dict, derived: dict) -> None:
    """The derived runtime must load from bytecode and compute exactly what the upstream one does."""
    if derived["results"] != upstream["results"]:
        raise CompileError(f"the py-compiled runtime computes differently: {derived['results']} "
                           f"vs upstream {upstream['results']}")
    for module, origin in derived["origins"].items():
        if not origin.endswith(".pyc"):
            raise CompileError(f"{module} was imported from {origin}, not from bytecode")
