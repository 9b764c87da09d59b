"""Strokes are local and edge-aware: a hint moves nothing beyond its reach, a new stroke's region
re-render equals a full render, and a rough stroke across a true edge keeps what it overlaps."""

import numpy as np
import pytest
from PIL import Image

from peel.hints import Hints, Stroke, rasterize_strokes
from peel.render_cache import RenderCache
from peel.refine import HINT_BACKGROUND, HINT_FOREGROUND, hint_reach, refine_alpha, upscale_plain
from peel.render import render
from peel.settings import Settings
from tests.unit.test_render_cache import scene


def stroke(tool, radius, *points):
    return Stroke(tool, float(radius), tuple(map(tuple, points)))


def hint_map(hints, rgba, mask):
    size = rgba.shape[:2]
    return hints.to_map(size, rgba, upscale_plain(mask, size))


def far_from_path(size, stroke_, distance):
    """Pixels whose centre is farther than ``distance`` (along rows or columns) from the path's box
    of points: a conservative 'far' (the box of the path holds every point of it)."""
    xs, ys = zip(*stroke_.points)
    far = np.ones(size, bool)
    top, bottom = int(np.floor(min(ys) - distance)), int(np.ceil(max(ys) + distance)) + 1
    left, right = int(np.floor(min(xs) - distance)), int(np.ceil(max(xs) + distance)) + 1
    far[max(0, top):max(0, bottom), max(0, left):max(0, right)] = False
    return far


# ---------------------------------------------------------------------------- locality

def hazy(mask):
    """The mask with a wide, soft edge: many pixels then take their colours from far away."""
    coarse = Image.fromarray(mask, "F").resize((24, 24), Image.Resampling.BOX)
    return np.asarray(coarse.resize(mask.shape[::-1], Image.Resampling.BILINEAR), np.float32)


@pytest.mark.parametrize("method", ["matte", "guided"])
@pytest.mark.parametrize("snap", [True, False])
@pytest.mark.parametrize(("size", "soft"), [((300, 400), False), ((480, 640), False), ((480, 640), True)])
def test_an_erase_across_the_interior_changes_nothing_beyond_two_radii_and_the_reach(method, snap, size, soft):
    rgba, mask = scene(size)
    if soft:
        mask = hazy(mask)
    height, width = size
    plain = refine_alpha(rgba, mask, method)
    radius = height / 20
    erase = stroke("erase", radius, (width * 0.4, height * 0.45), (width * 0.6, height * 0.55))
    alpha = refine_alpha(rgba, mask, method, hints=hint_map(Hints((erase,), snap), rgba, mask))
    assert (alpha != plain).sum() > 1000  # the stroke did something
    far = far_from_path(size, erase, 2 * radius + hint_reach(size, mask.shape))
    assert far.mean() > 0.3
    assert np.abs(alpha.astype(int) - plain)[far].max() <= 1
    # In fact to the byte: only the hints' own statistics changed, and only near them.
    np.testing.assert_array_equal(alpha[far], plain[far])


def test_a_restore_near_the_edge_changes_nothing_far_from_it():
    """The cat's forehead: a restore stroke just outside the subject leaves the rest alone."""
    rgba, mask = scene((480, 640))
    plain = refine_alpha(rgba, mask)
    restore = stroke("restore", 20, (320, 80), (360, 85))  # just above the disc's top edge
    alpha = refine_alpha(rgba, mask, hints=hint_map(Hints((restore,)), rgba, mask))
    far = far_from_path(alpha.shape, restore, 2 * 20 + hint_reach(alpha.shape, mask.shape))
    np.testing.assert_array_equal(alpha[far], plain[far])


def test_the_reach_is_a_few_mask_pixels():
    mask_px = 4000 / 320
    assert hint_reach((3000, 4000), (320, 320)) <= 12 * mask_px
    assert hint_reach((30, 40), (320, 320)) <= 12


# ---------------------------------------------------------------------------- region re-render

def assert_same_output(output, expected, message=""):
    """A region render's output against a full render's: the alpha (or mask) to the bit, the
    colours within 1/255 (the colour clean-up's box sums over the region's crop round their last
    float64 bit differently now and then, which may move a colour by 1)."""
    assert output.shape == expected.shape, message
    if output.ndim == 3 and output.shape[2] == 4:
        np.testing.assert_array_equal(output[..., 3], expected[..., 3], err_msg=message)
    if output.ndim == 2:
        np.testing.assert_array_equal(output, expected, err_msg=message)
    else:
        difference = np.abs(output.astype(int) - expected)
        assert difference.max() <= 1, f"{message}: colours differ by up to {difference.max()}"
        assert (difference > 0).mean() < 1e-3, f"{message}: {(difference > 0).sum()} values differ"


SETTINGS = [
    Settings(),
    Settings(feather=2.0),
    Settings(threshold="manual", threshold_low=0.2, threshold_high=0.8),
    Settings(background="color", background_color="#ff0000"),
    Settings(format="mask"),
    Settings(decontaminate=0.0),
    Settings(refine="guided"),
    Settings(refine="none"),
]


@pytest.mark.parametrize("settings", SETTINGS, ids=str)
@pytest.mark.parametrize("snap", [True, False])
def test_a_new_strokes_region_render_equals_a_full_render(settings, snap):
    rgba, mask = scene((300, 400))
    strokes = [stroke("erase", 20, (150, 100), (250, 120)), stroke("restore", 15, (40, 40), (80, 60)),
               stroke("erase", 25, (200, 150), (330, 150)), stroke("erase", 12, (-50, -50))]  # the last: outside
    kept = RenderCache(rgba, mask)
    previous = kept.render(settings).copy()
    for count in range(1, len(strokes) + 1):
        hints = Hints(tuple(strokes[:count]), snap)
        output, box = kept.render_region(settings, hints=hints)
        expected = render(rgba.copy(), mask, settings, hints=hint_map(hints, rgba, mask) if snap else hints.to_map(
            rgba.shape[:2]))
        assert_same_output(output, expected, f"{count} strokes")
        outside = np.ones(output.shape[:2], bool)
        outside[box] = False
        np.testing.assert_array_equal(output[outside], previous[outside])  # the box holds every change
        assert outside.mean() > (0.3 if count < 4 else 0.99)  # a region, not the whole image
        previous = output.copy()


@pytest.mark.parametrize("settings", [Settings(), Settings(format="jpeg", background="color")], ids=str)
def test_at_scales_that_are_not_binary_fractions_the_region_render_is_within_1_of_a_full_render(settings):
    # 517 → 320 px on the small copy, 333 → 206: the colour clean-up's grid and weight for the
    # region are resized alone, and Pillow's filter positions then round differently.
    rgba, mask = scene((333, 517))
    kept = RenderCache(rgba, mask)
    kept.render(settings)
    strokes = [stroke("erase", 22, (190, 110), (320, 133)), stroke("restore", 17, (50, 48), (100, 66))]
    for count in range(1, len(strokes) + 1):
        hints = Hints(tuple(strokes[:count]), True)
        output, _ = kept.render_region(settings, hints=hints)
        assert_same_output(output, RenderCache(rgba, mask).render(settings, hints=hints), f"{count} strokes")


@pytest.mark.parametrize("settings", [*SETTINGS, Settings(background="image"), Settings(format="jpeg"),
                                      Settings(background="blur")], ids=str)
def test_the_patch_of_a_region_render_is_the_changed_box_of_a_full_render(settings):
    # What the worker patches its kept output with: the box alone, finished in the box alone.
    rgba, mask = scene((300, 400))
    backdrop = np.random.default_rng(3).integers(0, 256, (90, 160, 3), dtype=np.uint8)
    strokes = [stroke("erase", 20, (150, 100), (250, 120)), stroke("restore", 15, (40, 40), (80, 60)),
               stroke("erase", 12, (-50, -50))]  # the last: outside
    kept = RenderCache(rgba, mask)
    kept.render(settings, background=backdrop)
    for count in range(1, len(strokes) + 1):
        hints = Hints(tuple(strokes[:count]), True)
        patch, box = kept.render_patch(settings, background=backdrop, hints=hints)
        whole = settings.background == "blur"  # the blur reads the whole cut-out: all redone
        assert (box == (slice(0, 300), slice(0, 400))) == whole
        if count == 3 and not whole:
            assert patch.size == 0, "a stroke outside the image changes nothing"
            continue
        expected = RenderCache(rgba, mask).render(settings, background=backdrop, hints=hints)
        assert_same_output(patch, expected[box], f"{count} strokes")


@pytest.mark.parametrize("snap", [True, False])
def test_with_the_solid_step_a_region_render_equals_a_fresh_cache_render(snap):
    # The refinement then refines the solid step's mask, and the snap reads its alpha.
    rgba, mask = scene((300, 400))
    settings = Settings(solid=True)
    strokes = [stroke("erase", 20, (150, 100), (250, 120)), stroke("restore", 15, (40, 40), (80, 60))]
    kept = RenderCache(rgba, mask)
    kept.render(settings)
    for count in range(1, len(strokes) + 1):
        hints = Hints(tuple(strokes[:count]), snap)
        output, _ = kept.render_region(settings, hints=hints)
        assert_same_output(output, RenderCache(rgba, mask).render(settings, hints=hints))


@pytest.mark.parametrize("snap", [True, False])
@pytest.mark.parametrize("settings", [Settings(), Settings(format="jpeg", background="color")], ids=str)
def test_an_undone_stroke_is_taken_out_by_region_as_well(settings, snap):
    # Undo, undo all, and a new stroke after an undo the page never rendered (latest wins): each
    # a region render that equals a fresh full render, and changes nothing outside its box.
    rgba, mask = scene((300, 400))
    a, b, c = (stroke("erase", 20, (150, 100), (250, 120)), stroke("erase", 18, (200, 110), (300, 150)),
               stroke("restore", 15, (40, 40), (80, 60)))
    kept = RenderCache(rgba, mask)
    previous = kept.render(settings, hints=Hints((a, b, c), snap)).copy()
    for strokes in [(a, b), (a, b, c), (a,), (a, c), ()]:
        hints = Hints(strokes, snap)
        output, box = kept.render_region(settings, hints=hints)
        assert_same_output(output, RenderCache(rgba, mask).render(settings, hints=hints if strokes else None),
                           f"{len(strokes)} strokes")
        outside = np.ones(output.shape[:2], bool)
        outside[box] = False
        assert outside.mean() > 0.3, "a region, not the whole image"
        np.testing.assert_array_equal(output[outside], previous[outside])
        previous = output.copy()


def test_other_changes_render_everything():
    rgba, mask = scene()
    kept = RenderCache(rgba, mask)
    one = Hints((stroke("erase", 10, (80, 75), (120, 75)),))
    kept.render(Settings(), hints=one)
    for settings, hints in [(Settings(feather=1.0), one), (Settings(feather=1.0), Hints(one.strokes, False)),
                            (Settings(), Hints()), (Settings(product=True, product_size=200), Hints(one.strokes * 2))]:
        output, box = kept.render_region(settings, hints=hints)
        assert box == (slice(0, output.shape[0]), slice(0, output.shape[1]))
        np.testing.assert_array_equal(output, RenderCache(rgba, mask).render(settings, hints=hints))


# ---------------------------------------------------------------------------- edge-aware snap

def edge_scene(seed=0, size=(300, 400), shift=-25):
    """A textured red subject right of a wavy vertical edge, a green-grey background, and a model
    whose edge is ``shift`` px off (too far left: it took a strip of background for subject)."""
    height, width = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    edge = 200 + 15 * np.sin(y / 30.0)
    truth = (x + 0.5 >= edge).astype(np.float32)
    background = np.array([90, 110, 70], np.float32) + rng.normal(0, 6, (height, width, 3))
    subject = np.array([200, 60, 50], np.float32) + rng.normal(0, 25, (height, width, 3)) * (
        1 + 0.3 * np.sin(x / 3.0)[..., None])
    rgb = truth[..., None] * subject + (1 - truth[..., None]) * background
    rgba = np.dstack([np.clip(rgb, 0, 255).astype(np.uint8), np.full(size, 255, np.uint8)])
    soft = np.clip((x - (edge + shift)) / 10 + 0.5, 0, 1).astype(np.float32)
    mask = np.asarray(Image.fromarray(soft, "F").resize((320, 320), Image.Resampling.BILINEAR))
    return rgba, mask, (truth * 255).astype(np.uint8)


def rough_stroke_along_the_edge(tool, radius, cover, height):
    """A wobbly stroke along the true edge whose paint is about ``cover`` subject."""
    offset = radius * (1 - 2 * cover)
    return stroke(tool, radius, *[(200 + 15 * np.sin(y / 30.0) - offset + 4 * np.sin(y / 17.0), y)
                                  for y in range(-10, height + 10, 8)])


@pytest.mark.parametrize("cover", [0.3, 0.4, 0.5])
@pytest.mark.parametrize("seed", [0, 1])
def test_a_rough_erase_along_a_true_edge_keeps_the_subject_under_it(cover, seed):
    rgba, mask, truth = edge_scene(seed)
    size = truth.shape
    erase = rough_stroke_along_the_edge("erase", 30, cover, size[0])
    painted = rasterize_strokes([erase], size) == HINT_BACKGROUND
    assert 0.8 * cover <= (truth[painted] == 255).mean() <= 1.2 * cover
    literal = refine_alpha(rgba, mask, hints=Hints((erase,), snap=False).to_map(size))
    snapped = refine_alpha(rgba, mask, hints=hint_map(Hints((erase,)), rgba, mask))

    def error(alpha):
        return np.abs(alpha.astype(int) - truth)[painted].mean()

    assert error(snapped) <= error(literal) / 3, (error(snapped), error(literal))
    # No straight step on the rim: where the stroke's outline crosses the subject, the alpha just
    # inside it is the alpha just outside it.
    inside = painted & ~np.roll(painted, -1, axis=1)  # the paint's last pixel of each run
    outside = np.roll(inside, 1, axis=1)
    subject = (truth == 255) & np.roll(truth == 255, 1, axis=1)
    rows = np.flatnonzero((inside & np.roll(subject, -1, axis=1)).any(axis=1))
    step = [abs(int(snapped[r][inside[r]][-1]) - int(snapped[r][outside[r]][-1])) for r in rows]
    literal_step = [abs(int(literal[r][inside[r]][-1]) - int(literal[r][outside[r]][-1])) for r in rows]
    assert len(rows) > size[0] / 2
    assert np.mean(literal_step) > 200 and np.mean(step) <= 16, (np.mean(step), np.mean(literal_step))


def test_a_rough_restore_over_background_keeps_the_background():
    rgba, mask, truth = edge_scene(2, shift=25)  # the model missed a strip of the subject
    size = truth.shape
    model = upscale_plain(mask, size)
    missed = (truth == 255) & (model < 128)
    assert missed.sum() > 20 * size[0]
    restore = rough_stroke_along_the_edge("restore", 30, 0.6, size[0])  # 40 % background
    painted = rasterize_strokes([restore], size) == HINT_FOREGROUND
    assert 0.3 <= (truth[painted] == 0).mean() <= 0.5
    literal = refine_alpha(rgba, mask, hints=Hints((restore,), snap=False).to_map(size))
    snapped = refine_alpha(rgba, mask, hints=hint_map(Hints((restore,)), rgba, mask))

    def error(alpha):
        return np.abs(alpha.astype(int) - truth)[painted].mean()

    assert error(snapped) <= error(literal) / 3, (error(snapped), error(literal))
    assert (snapped[missed & painted] >= 200).mean() > 0.9  # what the model missed is back


def test_a_stroke_inside_the_subject_still_removes_it():
    rgba, mask, truth = edge_scene(3)
    erase = stroke("erase", 25, (300, 60), (330, 240))  # well inside the subject
    hints = hint_map(Hints((erase,)), rgba, mask)
    alpha = refine_alpha(rgba, mask, hints=hints)
    core = rasterize_strokes([stroke("erase", 15, (300, 60), (330, 240))], truth.shape) == HINT_BACKGROUND
    assert (alpha[core] == 0).all()
    assert (hints == HINT_BACKGROUND).sum() >= 0.8 * (rasterize_strokes([erase], truth.shape) == 0).sum()


def test_snap_off_is_the_literal_paint():
    rgba, mask, _ = edge_scene(4)
    strokes = (stroke("erase", 30, (180, 20), (200, 280)), stroke("restore", 8, (100, 100), (120, 130)))
    literal = rasterize_strokes(strokes, rgba.shape[:2])
    np.testing.assert_array_equal(hint_map(Hints(strokes, snap=False), rgba, mask), literal)
