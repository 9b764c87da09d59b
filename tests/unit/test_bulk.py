"""`peel bulk` on a real local Ray cluster: the same files as `peel`, error rows, resume, a lost actor.

One Ray (127.0.0.1 only, no dashboard, no usage report, two CPUs) serves the whole module; the
photos are made from the fixtures in several sizes, formats and modes, with broken files among them.
"""

import contextlib
import io
import json
import os
import re
import shutil
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from peel.desktop import cli
from peel.desktop.api import Remover
from peel.settings import Settings
from tests.conftest import FIXTURES

from peel.desktop.bulk.cluster import prepare_local_ray, start_local_ray

prepare_local_ray()  # before Ray is imported (loopback only)
ray = pytest.importorskip("ray", reason="the peel[ray] extra (requirements-ray.txt) is not installed")

from peel.desktop.bulk import command  # noqa: E402 — after the skip: it needs the extra's packages
from peel.desktop.bulk.stage import CutoutStage, OutputNames  # noqa: E402

REMBG = FIXTURES / "rembg" / "fixtures"
#: The broken files and the code each must get, as `peel` gives it.
BROKEN = {"empty.png": "empty-file", "notes.jpg": "not-an-image", "cut-short.png": "corrupt-image",
          "scan.tif": "unsupported-format"}
PHOTOS = 22


@pytest.fixture(scope="module")
def ray_cluster():
    """A local Ray for this module, started the way `peel bulk` starts one: every node on 127.0.0.1."""
    start_local_ray(num_cpus=2)
    assert {node["NodeManagerAddress"] for node in ray.nodes()} == {"127.0.0.1"}
    yield
    ray.shutdown()


def _save(image, path, format, **options):
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format, **options)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """22 photos (0.04 to 12 MP; JPEG, PNG, WebP, GIF, BMP; grey, 16-bit, palette, RGBA, EXIF-rotated;
    in sub-folders; two that `peel` names alike) and the broken files of BROKEN."""
    folder = tmp_path_factory.mktemp("photos")
    astronaut, coffee = (Image.open(FIXTURES / name).convert("RGB") for name in ("astronaut.png", "coffee.png"))
    anime, car, cloth = (Image.open(REMBG / f"{name}-1.jpg").convert("RGB") for name in ("anime-girl", "car", "cloth"))
    plants = Image.open(REMBG / "plants-1.jpg")  # a PNG (RGBA) named .jpg
    for name in ("astronaut.png", "coffee.png"):
        shutil.copy(FIXTURES / name, folder / name)
    (folder / "rembg").mkdir()
    for name in ("anime-girl-1.jpg", "car-1.jpg", "cloth-1.jpg", "plants-1.jpg"):
        shutil.copy(REMBG / name, folder / "rembg" / name)
    _save(astronaut.resize((4000, 3000)), folder / "big" / "astronaut-12mp.jpg", "JPEG", quality=90)
    _save(astronaut.resize((1024, 1024)), folder / "astronaut-1mp.jpg", "JPEG", quality=85)
    _save(coffee.convert("L").resize((300, 450)), folder / "grey.jpg", "JPEG")
    _save(car.resize((960, 720)), folder / "car.webp", "WEBP", quality=80)
    _save(anime.resize((425, 300)), folder / "anime-lossless.webp", "WEBP", lossless=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned a quarter: the output must be upright, as in `peel`
    _save(cloth.resize((600, 400)), folder / "turned.jpg", "JPEG", exif=exif.tobytes())
    rgba = astronaut.resize((256, 256)).convert("RGBA")
    rgba.putalpha(Image.fromarray(np.pad(np.full((192, 192), 255, np.uint8), 32)))
    _save(rgba, folder / "cut" / "rgba.png", "PNG")
    _save(coffee.resize((200, 300)).quantize(64), folder / "palette.gif", "GIF")
    _save(car, folder / "car.bmp", "BMP")
    _save(plants.convert("RGB").resize((1000, 1500)), folder / "plants-1.5mp.jpg", "JPEG")
    _save(coffee.resize((160, 240)), folder / "tiny.png", "PNG")
    _save(anime.resize((1600, 1131)), folder / "deep" / "er" / "anime.jpg", "JPEG")
    grey16 = np.asarray(car.convert("L"), np.uint16) * 257
    _save(Image.fromarray(grey16), folder / "grey16.png", "PNG")
    _save(cloth.resize((500, 767)), folder / "cloth.webp", "WEBP")
    _save(car.resize((240, 180)), folder / "twins" / "car.jpg", "JPEG")  # car-nobg.png
    _save(car.resize((240, 180)).transpose(Image.Transpose.FLIP_LEFT_RIGHT), folder / "twins" / "car.png", "PNG")
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.jpg").write_text("not a picture")
    buffer = io.BytesIO()
    coffee.save(buffer, "PNG")
    (folder / "cut-short.png").write_bytes(buffer.getvalue()[:len(buffer.getvalue()) // 3])
    _save(car.resize((64, 48)), folder / "scan.tif", "TIFF")
    return folder


def run_peel(model, *argv):
    return cli.main([*map(str, argv), "--model-file", str(model), "--quiet"])


def decoded(path):
    with Image.open(path) as image:
        return image.mode, np.asarray(image)


def outputs(folder):
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()
                  and path.name != command.REPORT_NAME)


@pytest.fixture(scope="module")
def reference(photos, upstream_model_path, tmp_path_factory):
    """What `peel -r` (one process) makes of the photos, and the error rows it lists."""
    folder = tmp_path_factory.mktemp("peel")
    capture = io.StringIO()
    with contextlib.redirect_stderr(capture):
        assert cli.main([str(photos), "-r", "-o", str(folder), "--model-file", str(upstream_model_path)]) == 1
    rows = dict(re.findall(r"^  (\S+): (.+)$", capture.getvalue(), re.MULTILINE))
    return folder, rows


def test_every_output_equals_the_peel_commands_and_broken_files_are_its_error_rows(
        ray_cluster, photos, reference, upstream_model_path, tmp_path):
    expected, peel_errors = reference
    out = tmp_path / "out"
    started = time.perf_counter()
    assert run_peel(upstream_model_path, "bulk", photos, out, "-r", "--workers", "2") == 1
    print(f"peel bulk: {time.perf_counter() - started:.1f} s")
    names = outputs(expected)
    assert len(names) == PHOTOS and "twins/car-nobg (2).png" in names and "big/astronaut-12mp-nobg.png" in names
    assert outputs(out) == names
    for name in names:
        mode, pixels = decoded(out / name)
        expected_mode, expected_pixels = decoded(expected / name)
        assert mode == expected_mode == "RGBA", name
        np.testing.assert_array_equal(pixels[..., 3], expected_pixels[..., 3], err_msg=f"{name}: alpha")
        np.testing.assert_array_equal(pixels, expected_pixels, err_msg=f"{name}: colours")
    report = json.loads((out / command.REPORT_NAME).read_text())
    assert (report["written"], report["skipped"], report["failed"]) == (PHOTOS, 0, len(BROKEN))
    codes = {Path(row["path"]).name: row["code"] for row in report["errors"]}
    assert codes == BROKEN
    for row in report["errors"]:  # word for word what `peel` lists
        assert peel_errors[row["path"]] == f"{row['message']} [{row['code']}]"


def test_a_second_run_skips_every_output_and_uris_work(ray_cluster, photos, reference, upstream_model_path,
                                                       tmp_path, capsys):
    expected, _ = reference
    out = tmp_path / "out"
    shutil.copytree(expected, out)
    before = {name: (out / name).stat().st_mtime_ns for name in outputs(out)}
    # file:// URIs take the object-store route (pyarrow's FileSystem.from_uri), on the local disk.
    status = run_peel(upstream_model_path, "bulk", photos.as_uri(), out.as_uri(), "-r")
    assert status == 1  # the broken files are tried again, and fail again
    report = json.loads((out / command.REPORT_NAME).read_text())
    assert (report["written"], report["skipped"], report["failed"]) == (0, PHOTOS, len(BROKEN))
    assert {name: (out / name).stat().st_mtime_ns for name in outputs(out)} == before
    assert f"0 written, {PHOTOS} skipped" in capsys.readouterr().err


def _parent(pid):
    stat = (Path("/proc") / str(pid) / "stat").read_text()
    return int(stat[stat.rindex(")") + 2:].split()[1])


def _actor_pids():
    """Process ids of this test's pool actors (Ray titles each process after its actor class; the
    raylet this process started is their parent)."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"CutoutWriter" in (entry / "cmdline").read_bytes() \
                    and _parent(_parent(int(entry.name))) == os.getpid():
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def test_an_actor_killed_mid_run_is_restarted_and_every_output_is_written_once(
        ray_cluster, photos, reference, upstream_model_path, tmp_path):
    # The photos' top folder only (13 photos of up to 1.5 MP and the broken files; no -r, so not
    # the 12 MP one): long enough for a kill after the first output with work left to redo, and a
    # third of the full run's CPU (the full set is the first test's).
    expected, _ = reference
    top = sorted(name for name in outputs(expected) if "/" not in name)
    out = tmp_path / "out"
    killed = []

    def kill_one_actor_after_the_first_output():
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not killed:
            if any(path.suffix == ".png" for path in out.rglob("*")) and _actor_pids():
                pid = _actor_pids()[0]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_actor_after_the_first_output, daemon=True)
    killer.start()
    status = run_peel(upstream_model_path, "bulk", photos, out, "--workers", "2")
    killer.join(timeout=5)
    assert killed, "no actor was killed: the run ended before the first output appeared"
    assert status == 1
    report = json.loads((out / command.REPORT_NAME).read_text())
    assert len(top) == 13
    assert (report["written"], report["failed"]) == (len(top), len(BROKEN))  # each file once in the rows
    assert outputs(out) == top  # no partial file left, none missing
    for name in top:
        np.testing.assert_array_equal(decoded(out / name)[1], decoded(expected / name)[1], err_msg=name)


def test_the_stage_is_a_plain_callable_on_numpy_batches(upstream_model_path):
    # Product mode, JPEG: any Settings field goes through, and a bad row does not stop the batch.
    settings = Settings(product=True, product_size=256, product_shadow=True, format="jpeg")
    stage = CutoutStage(settings.to_dict(), Path(upstream_model_path).read_bytes(),
                        OutputNames("/in", "/out", settings), threads=1)
    data = (FIXTURES / "coffee.png").read_bytes()
    batch = {"bytes": np.array([data, b"%PDF-1.7"], dtype=object), "path": np.array(["/in/a/coffee.png", "/in/x.png"])}
    rows = stage(batch)
    assert list(rows) == ["path", "output", "bytes", "size", "code", "message"]
    assert list(rows["output"]) == ["/out/a/coffee-nobg.jpg", "/out/x-nobg.jpg"]
    assert list(rows["code"]) == ["", "not-an-image"] and rows["bytes"][1] == b""
    expected = cli.cut_out_bytes(data, Remover(upstream_model_path, threads=1), settings)
    assert rows["bytes"][0] == expected and rows["size"][0] == len(expected)
    assert Image.open(io.BytesIO(rows["bytes"][0])).size == (256, 256)


def test_bulk_has_every_setting_of_peel_under_the_same_flag():
    def settings_flags(parser):
        group = next(group for group in parser._action_groups if group.title.startswith("settings"))
        return sorted(option for action in group._group_actions for option in action.option_strings)

    flags = settings_flags(command.build_parser())
    assert flags == settings_flags(cli.build_parser())
    assert {f"--{name.replace('_', '-')}" for name in Settings.schema()} <= set(flags)


def test_usage_errors_exit_2(tmp_path, upstream_model_path):
    with pytest.raises(SystemExit) as exit_info:
        run_peel(upstream_model_path, "bulk", tmp_path / "missing", tmp_path / "out")
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        run_peel(upstream_model_path, "bulk", tmp_path, tmp_path / "out", "--feather", "99")
    assert exit_info.value.code == 2
