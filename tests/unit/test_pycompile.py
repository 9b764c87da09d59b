"""The py-compiled runtime (buildtools/pycompile.py, bytecode.py): layout, lock, determinism.

The compile that ships runs inside Pyodide (CPython 3.12); these tests run the same archive
rewriting under the CPython at hand, and check what `build.py build` put in dist/.
"""

import hashlib
import importlib.util
import io
import json
import sys
import zipfile

import pytest

from buildtools import bytecode, pycompile, sitepackages
from buildtools.paths import DIST

PYODIDE = DIST / "vendor" / "pyodide"


def archive(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name, data in files.items():
            target.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


WHEEL = {
    "pkg/__init__.py": b"from .core import f\n",
    "pkg/core.py": b"def f(x):\n    return 1 / x\n",
    "pkg/data.txt": b"not python",
    "pkg/py2.py": b"print 'python 2'\n",
    "pkg-1.0.dist-info/RECORD": b"stale,,\n",
}


def test_sourceless_layout_replaces_sources_and_rewrites_the_record():
    data, counts = bytecode.compile_archive(archive(WHEEL), "/site", keep_sources=False)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert counts == {"compiled": 2, "kept_as_source": 1}
    assert {"pkg/__init__.pyc", "pkg/core.pyc", "pkg/data.txt", "pkg/py2.py"} <= set(names)
    assert "pkg/core.py" not in names
    record = zipfile.ZipFile(io.BytesIO(data)).read("pkg-1.0.dist-info/RECORD").decode().splitlines()
    core = zipfile.ZipFile(io.BytesIO(data)).read("pkg/core.pyc")
    digest = hashlib.sha256(core).digest()
    import base64

    assert f"pkg/core.pyc,sha256={base64.urlsafe_b64encode(digest).rstrip(b'=').decode()},{len(core)}" in record
    assert record[-1] == "pkg-1.0.dist-info/RECORD,,"


def test_bytecode_is_an_unchecked_hash_pyc_of_this_interpreter_and_deterministic():
    first, _ = bytecode.compile_archive(archive(WHEEL), "/site", keep_sources=False)
    second, _ = bytecode.compile_archive(archive(WHEEL), "/site", keep_sources=False)
    assert first == second
    pyc = zipfile.ZipFile(io.BytesIO(first)).read("pkg/core.pyc")
    assert pyc[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(pyc[4:8], "little") == 0b01  # hash-based, not checked against a source
    assert pyc[8:16] == importlib.util.source_hash(WHEEL["pkg/core.py"])


def test_package_layout_keeps_sources_and_tracebacks_name_file_and_line(tmp_path, monkeypatch):
    data, _ = bytecode.compile_archive(archive(WHEEL), str(tmp_path), keep_sources=True)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    tag = sys.implementation.cache_tag
    assert {"pkg/core.py", f"pkg/__pycache__/core.{tag}.pyc"} <= set(names)
    zipfile.ZipFile(io.BytesIO(data)).extractall(tmp_path)
    (tmp_path / "pkg" / "core.py").write_text("# not the source that was compiled\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import pkg  # loaded from the .pyc: the changed source is neither read nor compiled

    with pytest.raises(ZeroDivisionError) as raised:
        pkg.f(0)
    frame = raised.traceback[-1]
    assert frame.path == tmp_path / "pkg" / "core.py" and frame.lineno + 1 == 2
    del sys.modules["pkg"], sys.modules["pkg.core"]


def built_python():
    path = DIST / "build.json"
    if not path.is_file():
        pytest.fail("dist/ is not built: run `python3 build.py build` first")
    return json.loads(path.read_text())["python"]


WHEELS = ("numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl", "pillow-10.2.0-cp312-cp312-pyodide_2024_0_wasm32.whl")


def test_dist_serves_the_derived_runtime_and_records_both_hashes():
    python = built_python()
    assert set(python) == {f"vendor/pyodide/{name}" for name in (pycompile.STDLIB, pycompile.LOCK)} | {sitepackages.DEST}
    packages = python.pop(sitepackages.DEST)  # the wheels are served as one archive of their files
    assert pycompile.sha256_of(DIST / sitepackages.DEST) == packages["served_sha256"]
    assert set(packages["wheels"]) == {f"vendor/pyodide/{name}" for name in WHEELS}
    assert not [name for name in WHEELS if (PYODIDE / name).exists()]
    for dest, hashes in python.items():
        assert pycompile.sha256_of(DIST / dest) == hashes["served_sha256"]
    for hashes in [*python.values(), *packages["wheels"].values()]:
        assert hashes["served_sha256"] != hashes["upstream_sha256"]
    stdlib = zipfile.ZipFile(DIST / "vendor" / "pyodide" / pycompile.STDLIB).namelist()
    assert "json/__init__.pyc" in stdlib and not [n for n in stdlib if n.endswith(".py")]


def test_the_derived_lock_pins_the_wheels_the_served_archive_was_made_from():
    """The lock stays true to what is served: its sha256 are those of the py-compiled wheels
    whose files site-packages.tar.gz holds (test_sitepackages.py checks the files)."""
    lock = json.loads((PYODIDE / pycompile.LOCK).read_text())
    wheels = built_python()[sitepackages.DEST]["wheels"]
    for name in pycompile.PACKAGES:
        entry = lock["packages"][name]
        assert wheels[f"vendor/pyodide/{entry['file_name']}"]["served_sha256"] == entry["sha256"]
    assert lock["info"]["python"] == "3.12.7"


def test_the_served_package_has_bytecode_for_every_module():
    names = set(zipfile.ZipFile(DIST / "py" / "peel.zip").namelist())
    sources = [n for n in names if n.endswith(".py")]
    assert sources
    for source in sources:
        folder, _, name = source.rpartition("/")
        assert f"{folder}/__pycache__/{name[:-3]}.cpython-312.pyc" in names
