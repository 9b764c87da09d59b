"""peel.kept.KeptImage: the same output as render(), redoing only the steps a change touches."""

import numpy as np
import pytest
from PIL import Image

import peel.kept
from peel.errors import ImageTypeError, InvalidArgumentError
from peel.kept import KeptImage
from peel.render import render
from peel.settings import Settings


def scene(size=(150, 200), seed=3):
    """A warm disc with a soft edge on a textured teal background, and a blurry model-like mask."""
    height, width = size
    y, x = np.mgrid[0:height, 0:width]
    distance = np.hypot(y - height / 2, x - width / 2)
    coverage = np.clip((height * 0.3 - distance) / 3 + 0.5, 0, 1)[..., None]
    noise = np.random.default_rng(seed).integers(-12, 13, (height, width, 3))
    rgba = np.empty((height, width, 4), np.uint8)
    rgba[..., :3] = np.clip(coverage * (240, 140, 20) + (1 - coverage) * (20, 120, 130) + noise, 0, 255)
    rgba[..., 3] = 255
    soft = np.clip((height * 0.3 + 2 - distance) / 8 + 0.5, 0, 1).astype(np.float32)
    mask = np.asarray(Image.fromarray(soft, "F").resize((320, 320), Image.Resampling.BILINEAR))
    return rgba, mask


# Each changes one or two controls from the one before, as a user moving controls would.
WALK = [
    Settings(),
    Settings(background="color", background_color="#ff0000"),
    Settings(background="color", background_color="#00ff00"),
    Settings(background="blur"),
    Settings(format="jpeg"),
    Settings(format="mask"),
    Settings(threshold="manual", threshold_low=0.2, threshold_high=0.8),
    Settings(threshold="manual", threshold_low=0.2, threshold_high=0.8, feather=2.0),
    Settings(feather=2.0, decontaminate=0.5),
    Settings(refine="guided"),
    Settings(refine="none", decontaminate=0.0),
    Settings(product=True, product_size=300),
    Settings(background="image"),
    Settings.reference(),
    Settings(),
]


def test_every_render_equals_a_fresh_render():
    rgba, mask = scene()
    original = rgba.copy()
    backdrop = np.random.default_rng(1).integers(0, 256, (40, 50, 4), dtype=np.uint8)
    kept = KeptImage(rgba, mask)
    for settings in WALK:
        expected = render(original.copy(), mask, settings, background=backdrop)
        np.testing.assert_array_equal(kept.render(settings, background=backdrop), expected, err_msg=str(settings))
    np.testing.assert_array_equal(rgba, original)  # the kept photo is never written


def test_same_settings_twice_gives_the_same_output():
    rgba, mask = scene()
    kept = KeptImage(rgba, mask)
    first = kept.render(Settings()).copy()
    np.testing.assert_array_equal(kept.render(Settings()), first)


class Calls:
    """Counts the calls of peel.kept's step functions (the real ones still run)."""

    def __init__(self, monkeypatch):
        self.counts = {}
        for name in ("refine_alpha", "shape_alpha", "make_cutout", "downscale_rgb"):
            monkeypatch.setattr(peel.kept, name, self._counting(name, getattr(peel.kept, name)))

    def _counting(self, name, function):
        def counted(*args, **kwargs):
            self.counts[name] = self.counts.get(name, 0) + 1
            return function(*args, **kwargs)
        return counted

    def take(self):
        counts, self.counts = self.counts, {}
        return counts


@pytest.mark.parametrize(("change", "redone"), [
    ({"background": "color", "background_color": "#123456"}, {}),
    ({"format": "webp"}, {}),
    ({"product": True}, {}),
    ({"decontaminate": 0.3}, {"make_cutout": 1}),
    ({"format": "mask"}, {"make_cutout": 1}),  # no colour clean-up for a mask
    ({"feather": 1.5}, {"shape_alpha": 1, "make_cutout": 1}),
    ({"threshold": "off"}, {"shape_alpha": 1, "make_cutout": 1}),
    ({"refine": "guided"}, {"refine_alpha": 1, "shape_alpha": 1, "make_cutout": 1}),
])
def test_a_change_redoes_only_the_steps_after_it(monkeypatch, change, redone):
    rgba, mask = scene()
    calls = Calls(monkeypatch)
    kept = KeptImage(rgba, mask)
    kept.render(Settings())
    assert calls.take() == {"downscale_rgb": 1, "refine_alpha": 1, "shape_alpha": 1, "make_cutout": 1}
    kept.render(Settings(**change))
    assert calls.take() == redone
    kept.render(Settings())  # and back
    assert set(calls.take()) == set(redone)


def test_the_cutout_buffer_is_reused():
    rgba, mask = scene()
    kept = KeptImage(rgba, mask)
    first = kept.render(Settings())
    second = kept.render(Settings(decontaminate=0.0))
    assert second is first  # transparent output is the kept cut-out: no new full-size array


def test_bad_arguments():
    rgba, mask = scene()
    with pytest.raises(ImageTypeError):
        KeptImage(rgba.astype(np.float32), mask)
    with pytest.raises(InvalidArgumentError):
        KeptImage(rgba, np.full((320, 320), np.nan, np.float32))
