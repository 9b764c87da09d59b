"""numpy and Pillow served as one archive of their files (buildtools/sitepackages.py), and read by
the worker's tar reader (js/worker/untar.js) exactly as Python's tarfile reads it."""

import gzip
import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import zipfile

import pytest

from buildtools import sitepackages
from buildtools.paths import DIST
from tests.conftest import ROOT


def wheel(path, files: dict) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pkg/", b"")  # a folder entry, as some wheels have
        for name, data in files.items():
            archive.writestr(name, data)


def members(archive_bytes: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(archive_bytes)), format=tarfile.USTAR_FORMAT) as tar:
        return tar.getmembers()


def test_the_archive_holds_every_file_of_the_wheels_in_order_and_is_deterministic(tmp_path, monkeypatch):
    monkeypatch.setattr(sitepackages, "CACHE", tmp_path / "cache")
    a, b = tmp_path / "a-1.0-py3-none-any.whl", tmp_path / "b-2.0-py3-none-any.whl"
    long_name = "b/" + "deep/" * 25 + "module.cpython-312-wasm32-emscripten.so"  # > 100 characters: ustar prefix
    wheel(a, {"pkg/__init__.pyc": b"\x00code", "pkg-1.0.dist-info/RECORD": b"pkg/__init__.pyc,,\n"})
    wheel(b, {long_name: bytes(range(256)) * 3})
    first = sitepackages.site_packages_archive([a, b], log=lambda *_: None).read_bytes()
    shutil.rmtree(tmp_path / "cache")
    again = sitepackages.site_packages_archive([a, b], log=lambda *_: None).read_bytes()
    assert first == again
    entries = members(first)
    assert [m.name for m in entries] == ["pkg/__init__.pyc", "pkg-1.0.dist-info/RECORD", long_name]
    assert all(m.isreg() and m.mode == 0o644 and m.mtime == 0 and m.uid == 0 for m in entries)
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(first))) as tar:
        assert tar.extractfile(long_name).read() == bytes(range(256)) * 3


READ_WITH_THE_WORKERS_READER = """
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { readTar } from './js/worker/untar.js';
const files = readTar(new Uint8Array(gunzipSync(readFileSync(process.argv[1]))));
console.log(JSON.stringify(files.map(({ path, bytes }) => [path, createHash('sha256').update(bytes).digest('hex')])));
"""


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_the_served_archive_reads_the_same_in_the_worker_and_in_python():
    served = DIST / sitepackages.DEST
    if not served.is_file():
        pytest.fail("dist/ is not built: run `python3 build.py build` first")
    result = subprocess.run(["node", "--input-type=module", "-e", READ_WITH_THE_WORKERS_READER, str(served)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with tarfile.open(served) as tar:
        expected = [[m.name, hashlib.sha256(tar.extractfile(m).read()).hexdigest()] for m in tar.getmembers()]
    assert json.loads(result.stdout) == expected
    names = {name for name, _ in expected}
    for needed in ("numpy/__init__.pyc", "numpy/_core/_multiarray_umath.cpython-312-wasm32-emscripten.so",
                   "PIL/Image.pyc", "PIL/_imaging.cpython-312-wasm32-emscripten.so"):
        assert needed in names
    assert not [name for name in names if name.endswith(".py")]  # py-compiled, sourceless
