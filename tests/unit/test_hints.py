"""peel.hints: brush strokes → hint map (rasterisation, snap rims, the hints PNG) and what the
refinement makes of it (peel.refine's hint contract), through render, RenderCache and the API."""

import io
import math

import numpy as np
import pytest
from PIL import Image

from peel.errors import ArgumentTypeError, InvalidArgumentError
from peel.hints import (TOOLS, Hints, Stroke, decode_hints_png, encode_hints_png, rasterize_strokes, read_hints_png,
                        snap_hints, snap_rim)
from peel.render_cache import RenderCache
from peel.refine import HINT_BACKGROUND, HINT_FOREGROUND, HINT_NONE, HINT_UNSURE, refine_alpha, upscale_plain
from peel.render import render
from peel.settings import Settings
from tests.unit.test_render_cache import scene


def erase(radius, *points):
    return Stroke("erase", float(radius), tuple(map(tuple, points)))


def restore(radius, *points):
    return Stroke("restore", float(radius), tuple(map(tuple, points)))


# ---------------------------------------------------------------------------- rasterisation

@pytest.mark.parametrize("radius", [0.5, 1, 2.5, 7, 20])
def test_a_dot_is_a_disc_of_its_radius(radius):
    size = 80
    hints = rasterize_strokes([erase(radius, (40.5, 40.25))], (size, size))
    assert hints.dtype == np.uint8 and hints.shape == (size, size)
    assert set(np.unique(hints)) <= {HINT_NONE, HINT_BACKGROUND}
    painted = hints == HINT_BACKGROUND
    rows, cols = np.nonzero(painted)
    # Pixel centres within the radius (at least the pixel under the point).
    distance = np.hypot(rows + 0.5 - 40.25, cols + 0.5 - 40.5)
    assert distance.max() <= max(radius, 0.71) + 1e-9
    if radius < 2:
        assert 1 <= painted.sum() <= 5
    else:
        assert painted.sum() == pytest.approx(math.pi * radius ** 2, rel=0.1)
    assert painted[40, 40]  # the pixel under the point


def test_a_segment_is_a_capsule_and_the_last_stroke_wins():
    hints = rasterize_strokes([erase(3, (10, 20), (50, 20)), restore(3, (30, 10), (30, 30))], (40, 60))
    erased = hints == HINT_BACKGROUND
    restored = hints == HINT_FOREGROUND
    assert erased[20, 7:27].all() and erased[20, 34:53].all()  # under the restore stroke: restored
    assert not erased[20, 6] and not erased[20, 53]  # rounded ends
    assert erased[17:23, 15].all() and not erased[16, 15] and not erased[24, 15]
    assert restored[20, 30]  # painted over the erase stroke
    assert restored[7:33, 30].all()
    assert (hints[0] == HINT_NONE).all()


def test_strokes_at_and_beyond_the_borders():
    hints = rasterize_strokes([erase(5, (-3, -3), (2, 2)), restore(4, (100, 100), (200, 200))], (30, 40))
    assert hints[0, 0] == HINT_BACKGROUND and hints[4, 4] == HINT_BACKGROUND
    assert (hints != HINT_BACKGROUND).sum() > 0 and not (hints == HINT_FOREGROUND).any()  # all outside


@pytest.mark.parametrize("point, painted", [((0.5, 0.5), True), ((0.0, 0.0), True), ((0.95, 0.05), True),
                                            ((3.0, 3.0), False)])
def test_one_pixel_images(point, painted):
    hints = rasterize_strokes([restore(0.2, point)], (1, 1))
    assert hints.shape == (1, 1)
    assert (hints[0, 0] == HINT_FOREGROUND) == painted
    assert snap_hints(hints).shape == (1, 1)
    assert snap_hints(hints)[0, 0] == hints[0, 0]  # too thin for a rim


def test_many_points_close_together_paint_the_same_as_a_few():
    dense = [(10 + i * 0.05, 10 + i * 0.02) for i in range(800)]
    few = [dense[0], dense[-1]]
    a = rasterize_strokes([erase(6, *dense)], (60, 70))
    b = rasterize_strokes([erase(6, *few)], (60, 70))
    assert (a != b).sum() <= 0.01 * (b == HINT_BACKGROUND).sum()


def test_strokes_from_the_page_are_validated():
    hints = Hints.from_list([{"tool": "erase", "radius": 4, "points": [[1, 2], [3, 4]]}], snap=False)
    assert hints == Hints((erase(4, (1, 2), (3, 4)),), snap=False)
    assert hash(hints) == hash(Hints.from_list([{"tool": "erase", "radius": 4.0, "points": [[1, 2], [3, 4]]}], False))
    bad = [
        ({"tool": "paint", "radius": 4, "points": [[1, 2]]}, "tool"),
        ({"tool": "erase", "radius": 0, "points": [[1, 2]]}, "radius"),
        ({"tool": "erase", "radius": True, "points": [[1, 2]]}, "radius"),
        ({"tool": "erase", "radius": 3, "points": []}, "points"),
        ({"tool": "erase", "radius": 3, "points": [[1, float("nan")]]}, "points"),
        ({"tool": "erase", "radius": 3, "points": [[1, 2, 3]]}, "points"),
        ("erase", r"strokes\[0\]"),
    ]
    for value, named in bad:
        with pytest.raises(InvalidArgumentError, match=named):
            Hints.from_list([value])
    with pytest.raises(ArgumentTypeError, match="strokes"):
        Hints.from_list("erase")
    assert Hints.from_list([]).to_map((5, 5)) is None


# ---------------------------------------------------------------------------- snap

def test_snap_keeps_a_core_and_rims_wide_strokes_only():
    wide = restore(20, (40, 50), (120, 50))
    thin = erase(2, (40, 90), (120, 90))
    hints = rasterize_strokes([wide, thin], (100, 160))
    snapped = snap_hints(hints, rim=6)
    assert snapped.dtype == np.uint8 and snapped.shape == hints.shape
    assert ((snapped == HINT_FOREGROUND) <= (hints == HINT_FOREGROUND)).all()  # only ever less paint
    assert snapped[50, 80] == HINT_FOREGROUND  # the core
    assert snapped[50 - 17, 80] == HINT_UNSURE and snapped[50 + 17, 80] == HINT_UNSURE  # the rim
    assert snapped[50, 22] == HINT_UNSURE
    assert (snapped[hints == HINT_NONE] == HINT_NONE).all()  # never beyond the paint
    np.testing.assert_array_equal(snapped == HINT_BACKGROUND, hints == HINT_BACKGROUND)  # thin: literal
    core = snapped == HINT_FOREGROUND
    rows = np.flatnonzero(core[:, 80])
    assert rows[0] == 50 - 20 + 6 and rows[-1] == 50 + 20 - 6 - 1  # rim px inside the outline


def test_the_image_border_is_not_an_edge_of_the_paint():
    hints = rasterize_strokes([erase(30, (-10, 25), (-10, 26))], (50, 60))
    snapped = snap_hints(hints, rim=5)
    assert snapped[25, 0] == HINT_BACKGROUND  # at the border: core
    assert snapped[25, 18] == HINT_UNSURE  # at the stroke's own outline: rim


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("size", [(1, 1), (2, 3), (40, 60), (301, 457), (90, 900)])
def test_the_map_box_holds_every_hint_and_snap_in_it_is_the_same(size, seed):
    rng = np.random.default_rng(seed)
    height, width = size
    strokes = tuple(Stroke(str(rng.choice(list(TOOLS))), float(rng.uniform(0.5, max(1.0, max(size) / 6))),
                           tuple((float(rng.uniform(-8, width + 8)), float(rng.uniform(-8, height + 8)))
                                 for _ in range(rng.integers(1, 5))))
                    for _ in range(rng.integers(1, 5)))
    for snap in (False, True):
        hints, box = Hints(strokes, snap).to_map_box(size)
        literal = rasterize_strokes(strokes, size)
        np.testing.assert_array_equal(hints, snap_hints(literal) if snap else literal)
        outside = np.ones(size, bool)
        if box is not None:
            outside[box] = False
        assert (hints[outside] == HINT_NONE).all()
        if box is not None:
            np.testing.assert_array_equal(snap_hints(literal, box=box), snap_hints(literal))
    assert Hints((), True).to_map_box(size) == (None, None)


def test_snap_rim_grows_with_the_image():
    assert snap_rim((1, 1)) == 2
    assert snap_rim((480, 640)) == 6
    assert snap_rim((3000, 4000)) == 38
    with pytest.raises(InvalidArgumentError):
        snap_rim((0, 5))


def test_snap_validates_its_map():
    with pytest.raises(InvalidArgumentError, match="hints"):
        snap_hints(np.zeros((3, 3), np.float32))
    with pytest.raises(ArgumentTypeError, match="hints"):
        snap_hints([[0]])


# ---------------------------------------------------------------------------- the PNG

def png(array, mode="L"):
    buffer = io.BytesIO()
    Image.fromarray(array, mode).save(buffer, "PNG")
    return buffer.getvalue()


def test_hints_png_round_trip():
    hints = rasterize_strokes([erase(4, (5, 5), (20, 10)), restore(3, (25, 25))], (32, 40))
    data = encode_hints_png(hints)
    grey = decode_hints_png(data)
    assert set(np.unique(grey)) == {0, 128, 255}
    np.testing.assert_array_equal(read_hints_png(data, (32, 40)), hints)
    # Any grey but 0 and 255 is "no hint".
    levels = np.array([[0, 1, 64, 128, 254, 255]], np.uint8)
    assert read_hints_png(png(levels), (1, 6)).tolist() == [[HINT_BACKGROUND] + [HINT_NONE] * 4 + [HINT_FOREGROUND]]


def test_hints_png_errors_name_the_flag(tmp_path):
    grey = np.zeros((10, 12), np.uint8)
    with pytest.raises(InvalidArgumentError, match=r"--hints: the hints are 12 × 10 px, but the image is 13 × 10"):
        read_hints_png(png(grey), (10, 13))
    with pytest.raises(InvalidArgumentError, match=r"--hints: the PNG must be 8-bit grey .*colour \(RGB\)"):
        read_hints_png(png(np.zeros((10, 12, 3), np.uint8), "RGB"), (10, 12))
    jpeg = io.BytesIO()
    Image.fromarray(grey, "L").save(jpeg, "JPEG")
    with pytest.raises(InvalidArgumentError, match="--hints: not a PNG file"):
        read_hints_png(jpeg.getvalue(), (10, 12))
    with pytest.raises(InvalidArgumentError, match="--hints: the PNG file is damaged"):
        read_hints_png(png(grey)[:45], (10, 12))
    path = tmp_path / "h.png"
    path.write_bytes(b"hello")
    with pytest.raises(InvalidArgumentError, match="hints: not a PNG"):
        read_hints_png(path, (10, 12), flag="hints")


# ---------------------------------------------------------------------------- effect on refinement

@pytest.mark.parametrize("method", ["matte", "guided", "none"])
def test_no_hints_and_empty_hints_change_nothing(method):
    rgba, mask = scene()
    plain = refine_alpha(rgba, mask, method)
    empty = np.full(rgba.shape[:2], HINT_NONE, np.uint8)
    np.testing.assert_array_equal(refine_alpha(rgba, mask, method, hints=empty), plain)
    np.testing.assert_array_equal(refine_alpha(rgba, mask, method, hints=empty + 1), plain)  # any other value


@pytest.mark.parametrize("method", ["matte", "guided", "none"])
def test_sure_hints_set_the_alpha_and_nothing_far_away(method):
    rgba, mask = scene()  # a disc of radius 45 around (75, 100)
    plain = refine_alpha(rgba, mask, method)
    strokes = [erase(8, (80, 75), (120, 75)), restore(6, (10, 10), (30, 10))]
    hints = rasterize_strokes(strokes, rgba.shape[:2])
    alpha = refine_alpha(rgba, mask, method, hints=hints)
    assert alpha.dtype == np.uint8 and alpha.shape == plain.shape
    assert (alpha[hints == HINT_BACKGROUND] == 0).all() and (alpha[hints == HINT_FOREGROUND] == 255).all()
    assert plain[75, 100] == 255 and plain[10, 20] == 0  # the hints changed something
    far = np.ones(plain.shape, bool)
    far[40:112, 50:150] = False  # around the erase stroke (its colour models reach this far)
    far[:30, :50] = False
    assert np.abs(alpha.astype(int) - plain)[far].max() <= 1


def test_unsure_hints_follow_the_photo_where_the_model_was_wrong():
    """A model that missed a part of the subject: the restore stroke's rim finds the real edge."""
    height, width = 120, 160
    rgba = np.zeros((height, width, 4), np.uint8)
    rgba[..., :3] = (30, 90, 200)  # blue background
    rgba[:, 60:, :3] = (240, 200, 40)  # a yellow subject from column 60 on
    rgba[..., 3] = 255
    truth = np.zeros((height, width), np.uint8)
    truth[:, 60:] = 255
    mask = np.zeros((320, 320), np.float32)
    mask[:, 200:] = 1.0  # the model saw the subject from column 100 on only
    # A rough restore stroke over the missed part, 8 px past the real edge on the left; snap
    # takes the stroke's own colours and the sure background beside it (edge-aware snap).
    stroke = restore(26, (78, -10), (78, 130))
    hints = rasterize_strokes([stroke], (height, width))
    literal = refine_alpha(rgba, mask, hints=hints)
    snapped = refine_alpha(rgba, mask, hints=Hints((stroke,)).to_map((height, width), rgba, upscale_plain(mask, (height, width))))
    error = lambda alpha: np.abs(alpha.astype(int) - truth).mean()  # noqa: E731
    assert error(snapped) < error(literal) / 3
    assert (snapped[:, 52:58] <= 8).all() and (snapped[:, 62:104] >= 247).all()
    assert (literal[:, 52:58] == 255).all()  # no snap: the paint as painted


def test_hints_of_the_wrong_shape_or_type_are_refused():
    rgba, mask = scene()
    with pytest.raises(InvalidArgumentError, match="hints"):
        refine_alpha(rgba, mask, hints=np.zeros((3, 3), np.uint8))
    with pytest.raises(ArgumentTypeError, match="hints"):
        refine_alpha(rgba, mask, hints=np.zeros(rgba.shape[:2], np.float32))


# ---------------------------------------------------------------------------- render, kept, API

def test_kept_render_equals_render_with_the_map_and_a_hint_change_redoes_refinement(monkeypatch):
    rgba, mask = scene()
    kept = RenderCache(rgba, mask)
    calls = []
    import peel.render_cache

    real = peel.render_cache.refine_alpha
    monkeypatch.setattr(peel.render_cache, "refine_alpha", lambda *a, **k: calls.append(k.get("hints")) or real(*a, **k))
    one = Hints((erase(8, (80, 75), (120, 75)),))
    two = Hints(one.strokes + (restore(5, (10, 10)),))
    for hints, settings in [(None, Settings()), (one, Settings()), (one, Settings(background="blur")),
                            (two, Settings(background="blur")), (Hints(two.strokes, snap=False), Settings()),
                            (Hints(), Settings(format="mask")), (one, Settings(refine="none"))]:
        hint_map = None if hints is None else hints.to_map(rgba.shape[:2], rgba, upscale_plain(mask, rgba.shape[:2]))
        expected = render(rgba.copy(), mask, settings, hints=hint_map)
        np.testing.assert_array_equal(kept.render(settings, hints=hints), expected, err_msg=f"{hints} {settings}")
    # None, one, (background only: kept), two, no snap, empty (== None: refined again), none
    assert len(calls) == 6


def test_remover_takes_hints(upstream_model_path, fixture_image, tmp_path):
    from peel.desktop.api import Remover

    remover = Remover(upstream_model_path)
    rgba = np.array(fixture_image("coffee"))
    height, width = rgba.shape[:2]
    plain = np.asarray(remover.remove(rgba))[..., 3]
    stroke = erase(12, (width * 0.3, height * 0.5), (width * 0.7, height * 0.5))
    grey = np.where(rasterize_strokes([stroke], (height, width)) == HINT_BACKGROUND, 0, 128).astype(np.uint8)
    path = tmp_path / "hints.png"
    path.write_bytes(png(grey))
    for source in (path, path.read_bytes(), grey):
        for snap in (True, False):
            alpha = np.asarray(remover.remove(rgba, hints=source, snap=snap))[..., 3]
            core = snap_hints(read_hints_png(grey, (height, width))) if snap else read_hints_png(grey, (height, width))
            assert (alpha[core == HINT_BACKGROUND] == 0).all()
            assert (alpha != plain).any()
    with pytest.raises(InvalidArgumentError, match="hints: the hints are"):
        remover.remove(rgba, hints=grey[1:])


# ---------------------------------------------------------------------------- the command

def test_command_line_hints(tmp_path, upstream_model_path, fixture_image, capsys):
    from peel.desktop import cli

    rgba = np.array(fixture_image("coffee"))
    height, width = rgba.shape[:2]
    photo = tmp_path / "coffee.png"
    Image.fromarray(rgba).save(photo)
    stroke = erase(15, (width * 0.3, height * 0.5), (width * 0.7, height * 0.5))
    hints_path = tmp_path / "coffee-hints.png"
    hints_path.write_bytes(encode_hints_png(rasterize_strokes([stroke], (height, width))))

    def run(*argv):
        return cli.main([str(photo), "-o", str(tmp_path / "out"), "--overwrite", "--model-file", str(upstream_model_path),
                         "--quiet", *map(str, argv)])

    outputs = {}
    for snap in ("--snap", "--no-snap"):
        assert run("--hints", hints_path, snap) == 0
        with Image.open(tmp_path / "out" / "coffee-nobg.png") as image:
            outputs[snap] = np.asarray(image)[..., 3].copy()
    literal = read_hints_png(hints_path, (height, width))
    assert (outputs["--no-snap"][literal == HINT_BACKGROUND] == 0).all()
    assert (outputs["--snap"][snap_hints(literal) == HINT_BACKGROUND] == 0).all()
    assert (outputs["--snap"] != outputs["--no-snap"]).any()

    # Bad hints files: a usage error (exit 2) or a failed image (exit 1), naming the flag.
    Image.fromarray(np.zeros((height, width, 3), np.uint8)).save(tmp_path / "rgb.png")
    Image.fromarray(np.zeros((height, width), np.uint8)).save(tmp_path / "grey.jpg")
    (tmp_path / "text.png").write_text("not an image")
    for name, message in [("rgb.png", "the PNG must be 8-bit grey"), ("grey.jpg", "not a PNG file"),
                          ("text.png", "not a PNG file"), ("missing.png", "No such file")]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            run("--hints", tmp_path / name)
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert f"--hints {tmp_path / name}" in err and message in err, err
    capsys.readouterr()
    Image.fromarray(np.zeros((height, width + 1), np.uint8)).save(tmp_path / "wide.png")
    assert run("--hints", tmp_path / "wide.png") == 1
    err = capsys.readouterr().err
    assert f"--hints: the hints are {width + 1} × {height} px, but the image is {width} × {height} px" in err
    with pytest.raises(SystemExit) as exit_info:
        cli.main([str(photo), str(photo), "--hints", str(hints_path), "--model-file", str(upstream_model_path)])
    assert exit_info.value.code == 2
    assert "--hints: the hints are for one image" in capsys.readouterr().err
