"""build.py's pieces: pinned assets (hash decides, upstream first), the dist/ it assembles."""

import hashlib
import io
import json
import subprocess
import sys
import tarfile
import zipfile

import pytest

from buildtools import assets, dist
from buildtools.paths import DIST, ROOT


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty download cache, so nothing here touches ~/.cache/peel."""
    monkeypatch.setattr(assets, "cached", lambda sha256: tmp_path / "by-sha256" / sha256)
    return tmp_path


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def npm_tarball(member, data):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo(member)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def seed(cache, data):
    """Put a package archive in the cache, as a previous fetch would have."""
    path = cache / "by-sha256" / sha256(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_upstream_url_is_tried_first_and_verified(cache, tmp_path):
    payload = b"model bytes"
    upstream = tmp_path / "upstream.bin"
    upstream.write_bytes(payload)
    package = assets.Package("npm", "nothing@0.0.0", "0" * 64)  # never reached
    asset = assets.Asset("m.bin", sha256(payload), package, "package/m.bin", upstream.as_uri())
    path = assets.fetch(asset, log=lambda *_: None)
    assert path.read_bytes() == payload


def test_wrong_bytes_upstream_fall_back_to_the_package(cache, tmp_path):
    payload = b"the real file"
    upstream = tmp_path / "tampered.bin"
    upstream.write_bytes(b"something else")
    tarball = npm_tarball("package/dist/f.bin", payload)
    seed(cache, tarball)
    package = assets.Package("npm", "pkg@1.0.0", sha256(tarball))
    asset = assets.Asset("f.bin", sha256(payload), package, "package/dist/f.bin", upstream.as_uri())
    logged = []
    assert assets.fetch(asset, log=logged.append).read_bytes() == payload
    assert any("does not match" in line for line in logged)


def test_a_file_whose_hash_does_not_match_is_refused(cache):
    tarball = npm_tarball("package/f.bin", b"unexpected")
    seed(cache, tarball)
    asset = assets.Asset("f.bin", sha256(b"pinned"), assets.Package("npm", "pkg@1.0.0", sha256(tarball)), "package/f.bin")
    with pytest.raises(assets.AssetError, match="does not match"):
        assets.fetch(asset, log=lambda *_: None)
    assert not (cache / "by-sha256" / sha256(b"pinned")).exists()


def test_pinned_table_has_no_registry_host_and_unique_destinations():
    destinations = [asset.dest for asset in assets.SERVED]
    assert len(destinations) == len(set(destinations))
    for path in (ROOT / "buildtools" / "assets.py", ROOT / "py" / "peel" / "desktop" / "assets.py"):
        source = path.read_text()
        for host in ("registry.npmjs", "pypi.org", "files.pythonhosted", "deb.debian"):
            assert host not in source, path


def test_one_fetch_implementation_shared_with_the_package_and_stdlib_only():
    from peel.desktop import assets as shared

    assert assets.Asset is shared.Asset and assets.AssetError is shared.AssetError
    assert assets.UPSTREAM_MODEL is shared.MODEL
    # build.py runs on a bare python3: importing peel.desktop.assets must not need numpy or Pillow.
    code = ("import sys; sys.modules['numpy'] = sys.modules['PIL'] = None; sys.path.insert(0, 'py'); "
            "import peel.desktop.assets, buildtools.assets")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_python_archive_is_deterministic_and_holds_the_browser_core_only():
    first, second = dist.build_python_archive(), dist.build_python_archive()
    assert first == second
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert "peel/__init__.py" in names and "peel/bridge.py" in names and "peel/render.py" in names
    assert not [name for name in names if name.startswith("peel/desktop/")], "desktop code shipped"
    assert not any("__pycache__" in name for name in names)


def built_manifest():
    path = DIST / "build.json"
    if not path.is_file():
        pytest.fail("dist/ is not built: run `python3 build.py build` first")
    return json.loads(path.read_text())


def test_dist_serves_only_what_the_app_loads_and_every_pinned_file_verifies():
    files = built_manifest()["files"]
    assert not [name for name in files if name.endswith(".map") or "micropip" in name or "jsep" in name]
    python = built_manifest()["python"]  # served py-compiled: upstream is the input (test_pycompile.py)
    bundled = python["vendor/pyodide/site-packages.tar.gz"]["wheels"]  # numpy and Pillow: one archive of their files
    for asset in assets.SERVED:
        if asset.dest in bundled:
            assert asset.dest not in files and bundled[asset.dest]["upstream_sha256"] == asset.sha256
            continue
        assert asset.dest in files
        if asset.dest in python:
            assert python[asset.dest]["upstream_sha256"] == asset.sha256
        else:
            assert assets.sha256_of(DIST / asset.dest) == asset.sha256
    assert "models/u2netp-320.onnx" in files and "py/peel.zip" in files
    assert "index.html" in files and "js/worker/worker.js" in files


def test_the_served_model_is_the_prepared_one():
    import onnx

    model = onnx.load(str(DIST / "models" / "u2netp-320.onnx"))
    ops = {node.op_type for node in model.graph.node}
    assert "Shape" not in ops
    for node in model.graph.node:
        if node.op_type == "MaxPool":
            assert all(a.name != "ceil_mode" or a.i == 0 for a in node.attribute)
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [1, 3, 320, 320]


def test_build_records_both_model_hashes():
    model = built_manifest()["model"]
    assert model["upstream_sha256"] == assets.UPSTREAM_MODEL.sha256
    assert model["served_sha256"] == assets.sha256_of(DIST / "models" / "u2netp-320.onnx")
    assert model["served_sha256"] != model["upstream_sha256"]


def test_the_generated_contract_is_current_and_holds_what_both_languages_need():
    from buildtools import contract

    values = contract.contract()
    assert contract.MODULE.read_text() == contract.render_module(values), "run `python3 build.py build`"
    from peel.settings import Settings

    assert values["SETTINGS"] == Settings.schema()
    assert values["PYTHON_ERROR_CODES"]["NO_SUBJECT"] == "no-subject"
    assert values["OUTPUT_SUFFIX"]["jpeg"] == "-nobg.jpg" and values["MODEL_SIZE"] == 320
    assert ".jpg" in values["IMAGE_EXTENSIONS"]


@pytest.mark.parametrize(("node", "pytest_", "expected"), [(0, 0, 0), (1, 0, 1), (0, 5, 5), (1, 2, 2)])
def test_build_py_test_runs_node_and_pytest_and_fails_when_either_fails(monkeypatch, node, pytest_, expected):
    import build as entry

    ran = []

    def run(command, **_):
        ran.append(command)
        return subprocess.CompletedProcess(command, node if command[0] == "node" else pytest_)

    monkeypatch.setattr(entry, "build", lambda: None)
    monkeypatch.setattr(entry.machine, "ensure_chromium", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(entry.subprocess, "run", run)
    assert entry.main(["test", "-k", "x"]) == expected
    assert ran[0] == ["node", "--test", "tests/js/"]
    assert ran[1][1:] == ["-m", "pytest", "-k", "x"]


def test_the_third_party_notices_are_built_name_every_served_file_and_are_cached_with_the_shell():
    from buildtools import notices
    from peel.models import MODELS

    text = (DIST / notices.NOTICES).read_text(encoding="utf-8")
    served = [name for name in built_manifest()["files"] if name.startswith(("vendor/", "models/"))]
    assert served and sorted(served) == notices.served_third_party(DIST)
    for name in served:
        assert name in text, f"{name} is served but not in the notices"
    for licence in ("MPL-2.0", "BSD-3-Clause", "HPND", "MIT", "Apache License"):
        assert licence in text
    for model in MODELS.values():  # the weights' licence and source, from the declarations
        assert model.origin in text and (model.file.upstream or model.file.package[1]) in text
    worker = (DIST / "sw.js").read_text()
    start = worker.index("{", worker.index("const BUILD = "))
    shell = json.loads(worker[start:worker.index("\n};", start) + 2])["shell"]
    assert notices.NOTICES in shell
    assert 'href="THIRD-PARTY-NOTICES.txt"' in (DIST / "index.html").read_text()


def test_a_served_file_without_a_notice_fails_the_build(tmp_path):
    from buildtools import notices

    (tmp_path / "vendor" / "new").mkdir(parents=True)
    (tmp_path / "vendor" / "new" / "lib.js").write_text("")
    with pytest.raises(RuntimeError, match="vendor/new/lib.js"):
        notices.write_notices(tmp_path, [])


def test_the_page_says_the_size_of_the_model_file_it_serves():
    from buildtools import contract
    from peel.models import DEFAULT_MODEL, MODELS

    models = contract.contract()["MODELS"]
    for name, model in MODELS.items():
        assert models[name]["bytes"] == (DIST / model.served).stat().st_size, name
    assert MODELS[DEFAULT_MODEL].derived
