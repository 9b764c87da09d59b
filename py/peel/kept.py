"""An image being edited: a control change redoes only the steps after that control.

The page shows one image at a time and the user moves one control at a time, so the worker keeps
the photo it last worked on, with its mask, as a :class:`KeptImage`. Each step of
:func:`peel.render.render` is kept with the settings it depends on:

==============  ==========================================  ================================
step            depends on                                  12 MP, Pyodide (bench)
==============  ==========================================  ================================
refined alpha   ``refine``, the hints (brush strokes, snap)    the most expensive step
shaped alpha    + ``threshold*``, ``feather``               threshold, feather
cut-out         + ``decontaminate`` (not for masks)         colour clean-up, alpha
output          + background, product, format: always run   compositing
==============  ==========================================  ================================

so a new background or format reuses the cut-out, a new threshold reuses the refined alpha.
The output equals ``render(rgba.copy(), mask, settings)`` exactly (tests/unit/test_kept.py).

A new stroke changes the output near itself only (:func:`peel.refine.hint_reach`), so
:meth:`KeptImage.render_region` redoes the steps in the region it touches and patches the kept
results there, and says which box of the output changed (tests/unit/test_strokes.py: equal to
a full render).
"""

from __future__ import annotations

import numpy as np

from ._checks import check_mask, check_rgba
from .box import WIDER, bounding_box
from .composite import apply_alpha
from .foreground import DECONTAMINATION_RADIUS, decontaminate
from .hints import Hints, apply_patch, stroke_patch
from .refine import COLOUR_SIZE, HINT_UNSURE, downscale_rgb, hint_reach, refine_alpha, unsure_search, upscale_plain
from .render import decontamination, finish, make_cutout, needs_small_copy, shape_alpha
from .settings import Settings

__all__ = ["KeptImage"]


class KeptImage:
    """A photo and its model mask, with the kept results of its last render's steps.

    Parameters
    ----------
    rgba : numpy.ndarray
        (H, W, 4) uint8 photo. Kept, not copied, and never modified: the caller must not modify
        it either.
    mask : numpy.ndarray
        (h, w) float32 in [0, 1], the normalised model output.

    Memory: the photo plus, once rendered, a cut-out of the same size and two (H, W) alphas
    (about 120 MB at 12 MP); with strokes, the model's plain alpha and the hint map, (H, W)
    uint8 each (24 MB more).
    """

    def __init__(self, rgba, mask):
        check_rgba(rgba)
        check_mask(mask)
        self.rgba = rgba
        self.mask = mask
        self._small = None
        self._cutout = None  # the cut-out's buffer, rewritten in place: no new 48 MB per change
        self._steps = {}  # step name -> (the settings it was made with, its result)
        self._plain = None  # the model's plain alpha, full size (snap and region renders read it)
        self._hint_map = None  # (Hints, map, box) of the last refinement with strokes
        self._maps = {}  # the refinement's low-resolution maps without hints (refine_alpha's cache)

    def render(self, settings: Settings, background=None, hints: Hints | None = None):
        """The output for these settings and edits, as :func:`peel.render.render` gives it with
        ``hints=hints.to_map(size)``.

        The result may be the kept cut-out itself (transparent output): use it, or copy it,
        before the next call.
        """
        hints = hints if hints is not None and hints.strokes else None
        refined_key = (settings.refine, hints)
        refined = self._step("refined", refined_key, lambda: self._refine(settings, hints))
        shaped_key = (refined_key, settings.threshold_range, settings.feather)
        alpha8 = self._step("shaped", shaped_key, lambda: shape_alpha(refined, settings))
        cutout_key = (shaped_key, decontamination(settings))
        cutout = self._step("cutout", cutout_key, lambda: make_cutout(
            self.rgba, alpha8, settings, small=self._small_copy(settings), out=self._cutout_buffer()))
        return finish(cutout, settings, background)

    def _refine(self, settings, hints):
        hint_map, box = (None, None) if hints is None else self._map(hints)
        return refine_alpha(self.rgba, self.mask, settings.refine, small=self._small_copy(settings),
                            hints=hint_map, hint_box=box, plain=self._plain_alpha(), cache=self._maps)

    def _plain_alpha(self):
        if self._plain is None:
            self._plain = upscale_plain(self.mask, self.rgba.shape[:2])
        return self._plain

    def _map(self, hints):
        """The hint map and its box for ``hints`` (kept: the region render adds to it)."""
        if self._hint_map is None or self._hint_map[0] != hints:
            self._hint_map = None
            self._hint_map = (hints, *hints.to_map_box(self.rgba.shape[:2], self.rgba, self._plain_alpha()))
        return self._hint_map[1:]

    def render_region(self, settings: Settings, background=None, hints: Hints | None = None):
        """:meth:`render`, and the box of the output that changed since the last render.

        When the last render had the same settings and the same strokes but the new ones at the
        end (the user drew a stroke), only the region those touch is redone (each step within
        its reach) and the kept results are patched there; otherwise everything is redone as
        :meth:`render` does.

        Returns
        -------
        output : numpy.ndarray
            As :meth:`render` gives it (the kept cut-out itself for a transparent output).
        box : tuple of slice
            (rows, cols) of the output outside which it equals the last render's output; the
            whole output when everything was redone. Product photos are always redone.
        """
        hints = hints if hints is not None and hints.strokes else None
        region = self._stroke_region(settings, hints)
        if region is None:
            output = self.render(settings, background, hints)
            return output, (slice(0, output.shape[0]), slice(0, output.shape[1]))
        return self._patch(settings, background, hints, *region)

    def _stroke_region(self, settings, hints):
        """(previous Hints or None, new strokes) when only strokes were added since the last
        render, with settings whose output a region can be patched in; else None."""
        kept = self._steps.get("refined")
        if hints is None or kept is None or settings.product or settings.background == "blur":
            return None
        refine, before = kept[0]
        old = before.strokes if before is not None else ()
        if (refine != settings.refine or hints.strokes[:len(old)] != old or len(hints.strokes) == len(old)
                or (before is not None and before.snap != hints.snap)):
            return None
        refined_key = (settings.refine, before)
        shaped_key = (refined_key, settings.threshold_range, settings.feather)
        cutout_key = (shaped_key, decontamination(settings))
        if self._steps.get("shaped", (None,))[0] != shaped_key or self._steps.get("cutout", (None,))[0] != cutout_key:
            return None
        return before, hints.strokes[len(old):]

    def _patch(self, settings, background, hints, before, strokes):
        size = self.rgba.shape[:2]
        if before is None:
            hint_map, box = np.full(size, 64, np.uint8), None
        else:
            hint_map, box = self._map(before)
            hint_map = hint_map.copy()
        changed = None
        for stroke in strokes:
            patch = stroke_patch(stroke, self.rgba, self._plain_alpha()) if hints.snap else _literal_patch(stroke, size)
            changed = _union(changed, apply_patch(hint_map, patch))
            box = _union(box, patch[1])
        self._hint_map = (hints, hint_map, box)
        if changed is None:  # strokes wholly outside the image
            for name in ("refined", "shaped", "cutout"):
                key, result = self._steps[name]
                self._steps[name] = (_with_hints(name, key, hints), result)
            output = finish(self._steps["cutout"][1], settings, background)
            return output, (slice(0, 0), slice(0, 0))
        small = self._small_copy(settings)
        # Refined alpha: the strokes' boxes, the unsure hints whose colour search reaches them,
        # and the refinement's reach around all that.
        search = _grow(changed, unsure_search(size, self.mask.shape), size)
        unsure = _box_of(hint_map[search] == HINT_UNSURE, search)
        area = _grow(_union(changed, unsure), hint_reach(size, self.mask.shape), size)
        refined = self._steps["refined"][1]
        if not refined.flags.writeable:
            refined = refined.copy()
        refined[area] = refine_alpha(self.rgba, self.mask, settings.refine, small=small, hints=hint_map,
                                     hint_box=box, window=area, plain=self._plain_alpha(), cache=self._maps)
        # Shaped alpha: the threshold is per pixel, the feather reaches about 3 radii.
        shaped = self._steps["shaped"][1]
        if shaped is not self._steps["refined"][1]:
            if not shaped.flags.writeable:
                shaped = shaped.copy()
            reach = 0 if settings.feather <= 0 else int(np.ceil(3 * settings.feather)) + 4
            area = _grow(area, reach, size)
            outer = _grow(area, reach, size)
            inner = tuple(slice(a.start - o.start, a.stop - o.start) for a, o in zip(area, outer))
            shaped[area] = shape_alpha(np.ascontiguousarray(refined[outer]), settings)[inner]
        else:
            shaped = refined
        # Cut-out: the colour clean-up's local means reach farther than the alpha changed.
        strength = decontamination(settings)
        if strength > 0:
            area = _grow(area, _decontamination_reach(size), size)
        cutout = self._steps["cutout"][1]
        np.copyto(cutout[area], self.rgba[area])
        if strength > 0:
            decontaminate(self.rgba, shaped, strength, small=small, out=cutout, window=area)
        patch = cutout[area]
        apply_alpha(patch, np.ascontiguousarray(shaped[area]), out=patch)
        for name, result in (("refined", refined), ("shaped", shaped), ("cutout", cutout)):
            self._steps[name] = (_with_hints(name, self._steps[name][0], hints), result)
        return finish(cutout, settings, background), area

    def _small_copy(self, settings):
        if self._small is None and needs_small_copy(settings):
            self._small = downscale_rgb(self.rgba)
        return self._small

    def _cutout_buffer(self):
        if self._cutout is None:
            self._cutout = np.empty_like(self.rgba)
        return self._cutout

    def _step(self, name, key, make):
        """The kept result of step `name` if it was made with `key`, else a new one (then kept)."""
        kept = self._steps.pop(name, None)
        if kept is not None and kept[0] == key:
            result = kept[1]
        else:
            del kept  # let go of an outdated result before making the new one (WASM memory)
            result = make()
        self._steps[name] = (key, result)
        return result


def _with_hints(name, key, hints):
    """A step's key with the refinement's hints replaced (the other settings are the same)."""
    if name == "refined":
        return (key[0], hints)
    return (_with_hints({"shaped": "refined", "cutout": "shaped"}[name], key[0], hints),) + key[1:]


def _literal_patch(stroke, size):
    """A stroke as painted (snap off), as a patch for :func:`peel.hints.apply_patch`."""
    hints = Hints((stroke,), snap=False)
    hint_map, box = hints.to_map_box(size)
    return (None, None) if box is None else (np.ascontiguousarray(hint_map[box]), box)


def _union(box, other):
    if box is None or other is None:
        return other if box is None else box
    return tuple(slice(min(a.start, b.start), max(a.stop, b.stop)) for a, b in zip(box, other))


def _box_of(binary, box):
    """The (rows, cols) box of the True pixels of ``binary``, the part of an image at ``box``."""
    found = bounding_box(binary)
    return None if found is None else tuple(slice(f.start + b.start, f.stop + b.start) for f, b in zip(found, box))


def _grow(box, margin, size):
    """``box`` widened by ``margin`` px on every side, clipped to an image of ``size``."""
    return tuple(slice(max(0, s.start - margin), min(n, s.stop + margin)) for s, n in zip(box, size))


def _decontamination_reach(size):
    """How far a change of the alpha moves the colour clean-up's colours (image px): its
    local means' widest window (box.WIDER) on the small copy, and a cell of its lookup grid."""
    height, width = size
    small_px = max(height, width) / min(max(height, width), COLOUR_SIZE)
    return int(np.ceil((DECONTAMINATION_RADIUS * WIDER[-1] + 3) * small_px)) + 2
