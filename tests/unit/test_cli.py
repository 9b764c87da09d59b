"""The `peel` command and the Python API, end to end on the fixtures with the native model."""

import io
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from peel.desktop import cli
from peel.desktop.api import Remover, read_image
from tests.conftest import FIXTURES, ROOT


@pytest.fixture(scope="module")
def remover(upstream_model_path):
    return Remover(upstream_model_path)


@pytest.fixture
def folder(tmp_path):
    """Two fixtures and a file that is not an image."""
    source = tmp_path / "in"
    source.mkdir()
    for name in ("astronaut.png", "coffee.png"):
        shutil.copy(FIXTURES / name, source / name)
    (source / "notes.jpg").write_text("not a picture")
    return source


def run(model, *argv):
    return cli.main([*map(str, argv), "--model-file", str(model), "--quiet"])


def test_single_file_goes_next_to_its_input_with_the_browsers_name(tmp_path, upstream_model_path, remover):
    shutil.copy(FIXTURES / "coffee.png", tmp_path / "coffee.png")
    assert run(upstream_model_path, tmp_path / "coffee.png", "--feather", "2") == 0
    with Image.open(tmp_path / "coffee-nobg.png") as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (600, 400))
        written = np.asarray(image)
    expected = np.asarray(remover.remove(FIXTURES / "coffee.png", feather=2.0))
    np.testing.assert_array_equal(written, expected)
    alpha = written[..., 3]
    assert alpha.min() == 0 and alpha.max() == 255


def test_folder_with_a_bad_file_writes_the_others_and_fails(folder, tmp_path, upstream_model_path, capsys):
    out = tmp_path / "out"
    assert cli.main([str(folder), "-o", str(out), "--model-file", str(upstream_model_path),
                     "--format", "jpeg", "--background", "color", "--background-color", "#ff0000"]) == 1
    assert sorted(p.name for p in out.iterdir()) == ["astronaut-nobg.jpg", "coffee-nobg.jpg"]
    with Image.open(out / "coffee-nobg.jpg") as image:
        assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (600, 400))
        corner = np.asarray(image)[0, 0]
    assert corner[0] > 240 and corner[1:].max() < 20
    err = capsys.readouterr().err
    assert "[3/3]" in err  # progress for more than one file
    assert "2 written, 1 failed" in err
    assert "notes.jpg: This is a text file, not an image" in err and "[not-an-image]" in err


def test_existing_outputs_are_skipped_unless_overwrite(tmp_path, upstream_model_path, capsys):
    shutil.copy(FIXTURES / "coffee.png", tmp_path / "coffee.png")
    output = tmp_path / "coffee-mask.png"
    output.write_bytes(b"old")
    assert cli.main([str(tmp_path / "coffee.png"), "--format", "mask", "--model-file", str(upstream_model_path)]) == 0
    assert output.read_bytes() == b"old" and "1 skipped" in capsys.readouterr().err
    assert run(upstream_model_path, tmp_path / "coffee.png", "--format", "mask", "--overwrite") == 0
    with Image.open(output) as image:
        assert (image.mode, image.size) == ("L", (600, 400))


def test_recursive_folders_globs_and_missing_inputs(tmp_path, upstream_model_path, capsys):
    (tmp_path / "a" / "b").mkdir(parents=True)
    shutil.copy(FIXTURES / "coffee.png", tmp_path / "a" / "b" / "cup.png")
    shutil.copy(FIXTURES / "coffee.png", tmp_path / "a" / "top.png")
    out = tmp_path / "out"
    assert run(upstream_model_path, tmp_path / "a", "-o", out) == 0  # not recursive: top only
    assert [p.relative_to(out).as_posix() for p in out.rglob("*.png")] == ["top-nobg.png"]
    assert run(upstream_model_path, "-r", tmp_path / "a", "-o", out, "--format", "webp") == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.webp")) == ["b/cup-nobg.webp", "top-nobg.webp"]
    # A glob (quoted, as on Windows) and a name that matches nothing.
    assert run(upstream_model_path, f"{tmp_path}/a/*.png", tmp_path / "nothing.png", "-o", tmp_path / "g") == 1
    assert [p.name for p in (tmp_path / "g").iterdir()] == ["top-nobg.png"]
    assert "nothing.png: no such file or folder" in capsys.readouterr().err
    # Outputs lying in the folder are not inputs the next time.
    assert run(upstream_model_path, tmp_path / "a") == 0
    assert run(upstream_model_path, tmp_path / "a") == 0
    assert sorted(p.name for p in (tmp_path / "a").glob("*.png")) == ["top-nobg.png", "top.png"]


def test_usage_errors_exit_2(tmp_path, upstream_model_path):
    for argv in (["x.png", "--quality", "2"], ["x.png", "--background-color", "red"], ["-", "x.png"],
                 ["x.png", "--background", "image"], ["x.png", "--model-file", str(tmp_path / "none.onnx")]):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        assert exit_info.value.code == 2, argv


def test_every_setting_is_a_flag_with_its_name():
    from dataclasses import fields

    from peel.settings import Settings

    flags = {option for action in cli.build_parser()._actions for option in action.option_strings}
    for field in fields(Settings):
        assert "--" + field.name.replace("_", "-") in flags


def test_stdin_to_stdout_in_a_subprocess(upstream_model_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "py")}
    result = subprocess.run([sys.executable, "-m", "peel.desktop.cli", "-", "--format", "mask", "--feather", "3",
                             "--model-file", str(upstream_model_path)],
                            input=(FIXTURES / "astronaut.png").read_bytes(), capture_output=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    with Image.open(io.BytesIO(result.stdout)) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "L", (512, 512))
    bad = subprocess.run([sys.executable, "-m", "peel.desktop.cli", "-", "--model-file", str(upstream_model_path)],
                         input=b"", capture_output=True, env=env, timeout=60)
    assert bad.returncode == 1 and b"[empty-file]" in bad.stderr and bad.stdout == b""


def test_jobs_2_writes_the_same_bytes_as_jobs_1(folder, tmp_path, upstream_model_path):
    (folder / "notes.jpg").unlink()
    for name in ("astronaut.png", "coffee.png"):  # four files, so both workers get some
        shutil.copy(folder / name, folder / f"copy-{name}")
    options = ["--feather", "1.5", "--background", "blur", "--format", "webp"]
    assert run(upstream_model_path, folder, "-o", tmp_path / "one", "--jobs", "1", *options) == 0
    assert run(upstream_model_path, folder, "-o", tmp_path / "two", "--jobs", "2", *options) == 0
    one = {p.name: p.read_bytes() for p in (tmp_path / "one").iterdir()}
    two = {p.name: p.read_bytes() for p in (tmp_path / "two").iterdir()}
    assert len(one) == 4 and one == two


def test_remove_takes_paths_bytes_pil_images_and_arrays(remover):
    path = FIXTURES / "coffee.png"
    with Image.open(path) as opened:
        pil = opened.copy()
    results = [np.asarray(remover.remove(image, feather=1)) for image in
               (path, str(path), path.read_bytes(), pil, np.asarray(pil))]
    for result in results[1:]:
        np.testing.assert_array_equal(result, results[0])
    assert results[0].shape == (400, 600, 4) and results[0].dtype == np.uint8
    assert remover.remove(path, format="mask").mode == "L"
    assert remover.remove(path, format="jpeg").mode == "RGB"
    product = remover.remove(path, product=True, product_size=640, product_aspect="4:3", background="color")
    assert (product.mode, product.size) == ("RGB", (640, 480))
    behind = remover.remove(path, background_image=FIXTURES / "astronaut.png")
    assert (behind.mode, behind.size) == ("RGB", (600, 400))


def test_module_level_remove_and_bad_inputs(remover, monkeypatch):
    import peel
    from peel.desktop import api
    from peel.errors import ArgumentTypeError, InvalidArgumentError, NotAnImageError

    monkeypatch.setattr(api, "_default", remover)
    assert peel.remove(FIXTURES / "coffee.png").mode == "RGBA"
    with pytest.raises(NotAnImageError):
        peel.remove(b"%PDF-1.7 hello")
    with pytest.raises(ArgumentTypeError):
        peel.remove(3.5)
    with pytest.raises(InvalidArgumentError, match="unknown setting"):
        peel.remove(FIXTURES / "coffee.png", feathr=2)


@pytest.mark.parametrize("orientation, size", [(1, (60, 40)), (6, (40, 60)), (8, (40, 60))])
def test_exif_orientation_is_applied(orientation, size):
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 10, 10)).save(buffer, "JPEG", exif=exif.tobytes())
    rgba = read_image(buffer.getvalue())
    assert (rgba.shape[1], rgba.shape[0]) == size and rgba.dtype == np.uint8


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16", "I", "F"])
def test_every_pil_mode_becomes_rgba(mode):
    image = Image.new("RGBA", (5, 4), (10, 200, 30, 128)).convert(mode) if mode not in ("I;16", "I", "F") \
        else Image.fromarray(np.full((4, 5), {"I;16": 65535, "I": 65535, "F": 1.0}[mode],
                                     {"I;16": np.uint16, "I": np.int32, "F": np.float32}[mode]), mode)
    rgba = read_image(image)
    assert rgba.shape == (4, 5, 4) and rgba.dtype == np.uint8
    if mode in ("I;16", "I", "F"):
        assert (rgba[..., :3] == 255).all()
    assert (rgba[..., 3] == (128 if mode in ("LA", "RGBA") else 255)).all()
