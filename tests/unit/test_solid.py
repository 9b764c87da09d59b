"""peel.solid: the model's wide haze is filled where the photo's colours say "subject", and only there."""

import numpy as np
import pytest

from peel import solid
from peel.box import box_sum
from peel.errors import ArgumentTypeError, InvalidArgumentError
from peel.render_cache import RenderCache
from peel.refine import downscale_rgb, refine_alpha
from peel.render import fills_haze, render, shape_alpha, solid_step
from peel.settings import Settings

SUBJECT = (235, 120, 30)
BACKGROUND = (25, 110, 140)
HAZE = 0.4
SIZE = 320  # the photo is the mask's size, so the mask's boxes are the photo's


def scene(*, subject=SUBJECT, hole=False, at_border=False, seed=0):
    """(rgba, mask): an orange square subject on a teal background, noisy; below it, a wide part
    of the same colour (35×120 px) that the model calls 0.4 (haze). ``hole``: the middle of that part
    shows the background; ``at_border``: the part reaches the image's bottom edge."""
    rng = np.random.default_rng(seed)
    rgb = np.empty((SIZE, SIZE, 3), np.float32)
    rgb[:] = BACKGROUND
    mask = np.zeros((SIZE, SIZE), np.float32)
    bottom = SIZE if at_border else 205
    rgb[60:bottom, 100:220] = subject
    mask[60:170, 100:220] = 1.0
    mask[170:bottom, 100:220] = HAZE
    if hole:
        rgb[178:198, 140:180] = BACKGROUND
    rgba = np.empty((SIZE, SIZE, 4), np.uint8)
    rgba[..., :3] = np.clip(rgb + rng.normal(0, 6, rgb.shape), 0, 255).astype(np.uint8)
    rgba[..., 3] = 255
    # The model's edges are soft over a few pixels: a narrow band, which the step must leave alone.
    mask = (box_sum(mask, 1) / box_sum(np.ones(mask.shape), 1)).astype(np.float32)
    return rgba, np.clip(mask, 0, 1)


def fill(rgba, mask):
    return solid.solid_mask(mask, downscale_rgb(rgba))


HAZE_INSIDE = (slice(176, 199), slice(108, 212))  # the haze part, away from its edges


def test_haze_of_the_subjects_colour_next_to_it_is_filled():
    rgba, mask = scene()
    out = fill(rgba, mask)
    assert out.dtype == np.float32 and out.shape == mask.shape
    assert np.all(out >= mask)
    assert out[HAZE_INSIDE].min() >= 0.99
    # The model's sure parts and the background far away are unchanged.
    assert np.array_equal(out[mask >= solid.SURE_FOREGROUND], mask[mask >= solid.SURE_FOREGROUND])
    assert np.array_equal(out[:, :80], mask[:, :80]) and np.array_equal(out[250:], mask[250:])


def test_the_rendered_cutout_is_solid_there_with_the_setting_and_hazy_without():
    rgba, mask = scene()
    on = render(rgba.copy(), mask, Settings(solid=True, format="mask"))
    off = render(rgba.copy(), mask, Settings(solid=False, format="mask"))
    assert on[HAZE_INSIDE].min() == 255
    assert abs(float(np.median(off[HAZE_INSIDE])) - HAZE * 255) < 30


def test_subject_colour_equal_to_the_background_is_left_alone():
    rgba, mask = scene(subject=BACKGROUND)
    assert fill(rgba, mask) is mask


def test_a_hole_showing_the_background_stays_a_hole():
    rgba, mask = scene(hole=True)
    out = fill(rgba, mask)
    assert np.abs(out[183:193, 148:172] - mask[183:193, 148:172]).max() < 0.01  # the hole's middle
    assert out[176:199, 110:132].min() >= 0.99  # the haze beside it is filled
    assert out[176:199, 188:210].min() >= 0.99


def test_a_region_at_the_image_border_is_left_alone():
    rgba, mask = scene(at_border=True)
    assert fill(rgba, mask) is mask


def test_a_narrow_edge_band_is_untouched():
    rgba, mask = scene()
    out = fill(rgba, mask)
    band = (mask > solid.SURE_BACKGROUND) & (mask < solid.SURE_FOREGROUND)
    band[165:212, 95:225] = False  # the haze part and its own edge
    assert band.sum() > 500  # the subject's soft outline
    assert np.array_equal(out[band], mask[band])
    # Without any wide haze nothing at all changes.
    no_haze = mask.copy()
    no_haze[172:] = 0.0
    assert fill(rgba, no_haze) is no_haze


def test_far_haze_and_haze_that_does_not_touch_the_subject_are_left_alone():
    rgba, mask = scene()
    mask = mask.copy()
    mask[260:300, 20:80] = HAZE  # an unrelated hazy patch, subject-coloured below
    rgba[260:300, 20:80, :3] = SUBJECT
    out = fill(rgba, mask)
    assert np.array_equal(out[255:305, 15:85], mask[255:305, 15:85])


@pytest.mark.parametrize("settings", [Settings(), Settings(refine="none", decontaminate=0.0),
                                      Settings(refine="guided", format="mask"), Settings.reference()])
def test_render_with_solid_off_is_todays_render(settings):
    rgba, mask = scene()
    assert settings.solid is False
    small = downscale_rgb(rgba)
    assert solid_step(mask, settings, small) is mask
    today = shape_alpha(refine_alpha(rgba, mask, settings.refine), settings)
    out = render(rgba.copy(), mask, settings.__class__(**{**settings.to_dict(), "format": "mask"}))
    assert np.array_equal(out, today)


def test_reference_keeps_the_models_alpha():
    assert Settings.reference().solid is False
    assert Settings.reference(solid=True).solid is True  # only when asked for


def test_the_kept_image_renders_as_render_does_with_solid_on_and_off():
    rgba, mask = scene()
    kept = RenderCache(rgba, mask)
    for settings in (Settings(solid=True), Settings(), Settings(solid=True, feather=2.0), Settings(solid=True)):
        expected = render(rgba.copy(), mask, settings)
        assert np.array_equal(np.asarray(kept.render(settings)), expected), settings


def test_only_subject_finding_models_get_the_step():
    assert fills_haze(Settings(solid=True)) and not fills_haze(Settings())
    assert not fills_haze(Settings(solid=True, model="modnet"))


def test_bad_colours_are_typed_errors():
    mask = np.zeros((20, 20), np.float32)
    with pytest.raises(ArgumentTypeError, match="colours"):
        solid.solid_mask(mask, np.zeros((20, 20, 3), np.uint8))
    with pytest.raises(InvalidArgumentError, match="colours"):
        solid.solid_mask(mask, np.zeros((20, 20), np.float32))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (40, 31)])
def test_label_regions_matches_a_flood_fill(seed, shape):
    binary = np.random.default_rng(seed).random(shape) < 0.55
    labels, count = solid.label_regions(binary)
    assert labels.dtype == np.int32 and labels.shape == shape
    expected, expected_count = _flood_labels(binary)
    assert count == expected_count
    assert np.array_equal(labels, expected)


def _flood_labels(binary):
    """4-connected labels numbered in row-major order of each region's first pixel."""
    labels = np.zeros(binary.shape, np.int32)
    count = 0
    for start in zip(*np.nonzero(binary)):
        if labels[start]:
            continue
        count += 1
        stack = [start]
        labels[start] = count
        while stack:
            y, x = stack.pop()
            for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                ny, nx = y + dy, x + dx
                if 0 <= ny < binary.shape[0] and 0 <= nx < binary.shape[1] and binary[ny, nx] and not labels[ny, nx]:
                    labels[ny, nx] = count
                    stack.append((ny, nx))
    return labels, count
