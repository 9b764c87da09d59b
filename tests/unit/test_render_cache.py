"""peel.render_cache.RenderCache: the same output as render(), redoing only the steps a change touches."""

import numpy as np
import pytest
from PIL import Image

import peel.render_cache
from peel.errors import ImageTypeError, InvalidArgumentError
from peel.render_cache import RenderCache
from peel.render import ENCODE_READS, STEPS, render
from peel.settings import DERIVED
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
    kept = RenderCache(rgba, mask)
    for settings in WALK:
        expected = render(original.copy(), mask, settings, background=backdrop)
        np.testing.assert_array_equal(kept.render(settings, background=backdrop), expected, err_msg=str(settings))
    np.testing.assert_array_equal(rgba, original)  # the kept photo is never written


def test_same_settings_twice_gives_the_same_output():
    rgba, mask = scene()
    kept = RenderCache(rgba, mask)
    first = kept.render(Settings()).copy()
    np.testing.assert_array_equal(kept.render(Settings()), first)


class Calls:
    """Counts the calls of peel.render_cache's step functions (the real ones still run)."""

    def __init__(self, monkeypatch):
        self.counts = {}
        for name in ("refine_alpha", "shape_alpha", "make_cutout", "downscale_rgb"):
            monkeypatch.setattr(peel.render_cache, name, self._counting(name, getattr(peel.render_cache, name)))

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
    kept = RenderCache(rgba, mask)
    kept.render(Settings())
    assert calls.take() == {"downscale_rgb": 1, "refine_alpha": 1, "shape_alpha": 1, "make_cutout": 1}
    kept.render(Settings(**change))
    assert calls.take() == redone
    kept.render(Settings())  # and back
    assert set(calls.take()) == set(redone)


def test_the_cutout_buffer_is_reused():
    rgba, mask = scene()
    kept = RenderCache(rgba, mask)
    first = kept.render(Settings())
    second = kept.render(Settings(decontaminate=0.0))
    assert second is first  # transparent output is the kept cut-out: no new full-size array


def test_bad_arguments():
    rgba, mask = scene()
    with pytest.raises(ImageTypeError):
        RenderCache(rgba.astype(np.float32), mask)
    with pytest.raises(InvalidArgumentError):
        RenderCache(rgba, np.full((320, 320), np.nan, np.float32))


def test_every_setting_is_read_by_a_render_step_or_the_encoder():
    # A field that no step declares is left out of the cache's keys: its change would show a stale image.
    names = set(Settings.schema())
    read = set(ENCODE_READS)
    for step in STEPS:
        for name in step.reads:
            assert name in names or name in DERIVED, f"step {step.name} reads {name!r}, not a setting"
            read.update(DERIVED.get(name, (name,)))
    assert read == names, f"read by no step: {sorted(names - read)}"


def other_values(name, entry):
    """Valid values of a setting other than its default."""
    if "choices" in entry:
        return [choice for choice in entry["choices"] if choice != entry["default"]]
    if entry["type"] == "bool":
        return [not entry["default"]]
    if "min" in entry:
        middle = (entry["min"] + entry["max"]) / 2
        return [int(middle) if entry["type"] == "int" else round(middle, 2)]
    return {"background_color": ["#123456"], "product_aspect": ["4:3"]}[name]


# Bases under which each setting has an effect (a manual threshold, a colour, a product photo).
BASES = [{}, {"threshold": "manual", "background": "color", "product": True, "product_shadow": True},
         {"background": "blur", "format": "jpeg"}]


@pytest.mark.parametrize("base", BASES)
def test_a_change_of_any_one_setting_gives_a_fresh_render(base):
    # The declared reads are complete: each setting, changed alone, renders as from scratch.
    rgba, mask = scene((60, 80))
    cache = RenderCache(rgba, mask)
    start = Settings(**base)
    for name, entry in Settings.schema().items():
        for value in other_values(name, entry):
            if name == "threshold_low":
                value = min(value, start.threshold_high)
            changed = Settings(**{**start.to_dict(), name: value})
            cache.render(start)
            expected = render(rgba.copy(), mask, changed)
            np.testing.assert_array_equal(cache.render(changed), expected, err_msg=f"{name}={value!r}")
