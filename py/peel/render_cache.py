"""The render cache of the image being edited: a control change redoes only the steps after it.

The page shows one image at a time and the user moves one control at a time, so the worker keeps
the photo it last worked on, with its mask, in a :class:`RenderCache`. Each step of
:func:`peel.render.render` is kept under the values of the settings it reads and of those the
steps before it read (:data:`peel.render.STEPS`, :func:`peel.render.step_key`):

==============  ==========================================  ================================
step            reads                                       cost (bench/README.md)
==============  ==========================================  ================================
solid mask      ``solid``, ``model`` (saliency models only)     on the mask's grid: cheap
refined alpha   + ``refine``, the hints (brush strokes, snap)  the most expensive step
shaped alpha    + ``threshold_range``, ``feather``           threshold, feather
cut-out         + ``decontamination`` (0 for masks)          colour clean-up, alpha
output          background, product, format: always run      compositing
==============  ==========================================  ================================

so a new background or format reuses the cut-out, a new threshold reuses the refined alpha.
The output equals ``render(rgba.copy(), mask, settings)`` exactly (tests/unit/test_render_cache.py).

A new stroke changes the output near itself only (:func:`peel.refine.hint_reach`), so
:meth:`RenderCache.render_region` redoes the steps in the region it touches and patches the kept
results there, and says which box of the output changed (tests/unit/test_strokes.py: equal to
a full render); :meth:`RenderCache.render_patch` gives that box of the output alone (the worker
patches the output it keeps with it).
"""

from __future__ import annotations

import numpy as np

from ._checks import check_mask, check_rgba
from .box import WIDER
from .composite import apply_alpha
from .foreground import DECONTAMINATION_RADIUS, decontaminate
from .hints import Hints, apply_patch, stroke_patch
from .morphology import bounding_slices
from .refine import COLOUR_SIZE, HINT_UNSURE, downscale_rgb, hint_reach, refine_alpha, unsure_search, upscale_plain
from .render import finish, finish_box, make_cutout, needs_small_copy, shape_alpha, solid_step, step_key
from .settings import Settings

__all__ = ["RenderCache"]


class RenderCache:
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
        self._steps = {}  # step name -> (its key, its result)
        # The alpha refined (the solid step's), full size (snap and region renders read it):
        # (that mask, its upscale).
        self._plain = None
        self._hint_map = None  # (Hints, mask, map, box) of the last refinement with strokes
        self._maps = (None, {})  # (mask, the refinement's low-resolution maps without hints)
        #: Where the last output put the photo's pixels: a :class:`peel.product.ProductLayout`
        #: for a product photo, None when the output is in the photo's own pixels.
        self.layout = None

    def render(self, settings: Settings, background=None, hints: Hints | None = None):
        """The output for these settings and edits, as :func:`peel.render.render` gives it with
        ``hints=hints.to_map(size)``.

        The result may be the kept cut-out itself (transparent output): use it, or copy it,
        before the next call.
        """
        hints = hints if hints is not None and hints.strokes else None
        # The solid step reads no hints: a stroke does not redo it.
        mask = self._step("solid", settings, None, lambda: solid_step(self.mask, settings, self._small_copy(settings)))
        refined = self._step("refined", settings, hints, lambda: self._refine(mask, settings, hints))
        alpha8 = self._step("shaped", settings, hints, lambda: shape_alpha(refined, settings))
        cutout = self._step("cutout", settings, hints, lambda: make_cutout(
            self.rgba, alpha8, settings, small=self._small_copy(settings), out=self._cutout_buffer()))
        output, self.layout = finish(cutout, settings, background, return_layout=True)
        return output

    def _refine(self, mask, settings, hints):
        hint_map, box = (None, None) if hints is None else self._map(hints, mask)
        return refine_alpha(self.rgba, mask, settings.refine, small=self._small_copy(settings),
                            hints=hint_map, hint_box=box, plain=self._plain_alpha(mask), cache=self._maps_of(mask))

    def _plain_alpha(self, mask):
        """``upscale_plain`` of the mask that is refined (the model's, or the solid step's)."""
        if self._plain is None or self._plain[0] is not mask:
            self._plain = None  # let go of the old one first (WASM memory)
            self._plain = (mask, upscale_plain(mask, self.rgba.shape[:2]))
        return self._plain[1]

    def _maps_of(self, mask):
        """refine_alpha's cache of low-resolution maps, for this mask."""
        if self._maps[0] is not mask:
            self._maps = (mask, {})
        return self._maps[1]

    def _map(self, hints, mask):
        """The hint map and its box for ``hints`` (kept: the region render adds to it)."""
        if self._hint_map is None or self._hint_map[0] != hints or self._hint_map[1] is not mask:
            self._hint_map = None
            self._hint_map = (hints, mask, *hints.to_map_box(self.rgba.shape[:2], self.rgba, self._plain_alpha(mask)))
        return self._hint_map[2:]

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
        return self._render_changed(settings, background, hints, lambda cutout, box: finish(cutout, settings, background))

    def render_patch(self, settings: Settings, background=None, hints: Hints | None = None):
        """:meth:`render_region`, giving only the part of the output in the box that changed:
        what the worker needs to patch the output it keeps. The output is finished (background,
        format) in the box alone where it is made pixel by pixel (:func:`peel.render.finish_box`).

        Returns
        -------
        patch : numpy.ndarray
            ``output[box]`` of :meth:`render_region` (the whole output when everything was
            redone; empty when nothing changed); possibly a view of the kept cut-out: use it, or
            copy it, before the next call.
        box : tuple of slice
            As for :meth:`render_region`.
        """
        def finish_patch(cutout, box):
            empty = box[0].stop <= box[0].start or box[1].stop <= box[1].start
            return cutout[box] if empty else finish_box(cutout, settings, background, box)
        return self._render_changed(settings, background, hints, finish_patch)

    def _render_changed(self, settings, background, hints, finish_region):
        """(output, box): all of it rendered, or the steps patched in the new strokes' region and
        then ``finish_region(cutout, box)``."""
        hints = hints if hints is not None and hints.strokes else None
        region = self._stroke_region(settings, hints)
        if region is None:
            output = self.render(settings, background, hints)
            return output, (slice(0, output.shape[0]), slice(0, output.shape[1]))
        self.layout = None  # a region is patched in the photo's own pixels only (never a product photo)
        cutout, box = self._patch(settings, hints, *region)
        return finish_region(cutout, box), box

    def _stroke_region(self, settings, hints):
        """(previous Hints or None, new strokes) when only strokes were added since the last
        render, with settings whose output a region can be patched in; else None."""
        kept = self._steps.get("refined")
        if hints is None or kept is None or settings.product or settings.background == "blur":
            return None
        reads, before = kept[0]
        old = before.strokes if before is not None else ()
        if (reads != step_key("refined", settings) or hints.strokes[:len(old)] != old
                or len(hints.strokes) == len(old) or (before is not None and before.snap != hints.snap)):
            return None
        if any(self._steps.get(name, (None,))[0] != (step_key(name, settings), before) for name in ("shaped", "cutout")):
            return None
        return before, hints.strokes[len(old):]

    def _patch(self, settings, hints, before, strokes):
        """Redo the steps where the new ``strokes`` reach; (the patched cut-out, its changed box)."""
        size = self.rgba.shape[:2]
        mask = self._steps["solid"][1]  # the mask the kept refinement refined
        plain = self._plain_alpha(mask)
        if before is None:
            hint_map, box = np.full(size, 64, np.uint8), None
        else:
            hint_map, box = self._map(before, mask)
            hint_map = hint_map.copy()
        changed = None
        for stroke in strokes:
            patch = stroke_patch(stroke, self.rgba, plain) if hints.snap else _literal_patch(stroke, size)
            changed = _union(changed, apply_patch(hint_map, patch))
            box = _union(box, patch[1])
        self._hint_map = (hints, mask, hint_map, box)
        if changed is None:  # strokes wholly outside the image
            for name in ("refined", "shaped", "cutout"):
                key, result = self._steps[name]
                self._steps[name] = (_with_hints(key, hints), result)
            return self._steps["cutout"][1], (slice(0, 0), slice(0, 0))
        small = self._small_copy(settings)
        # Refined alpha: the strokes' boxes, the unsure hints whose colour search reaches them,
        # and the refinement's reach around all that.
        search = _grow(changed, unsure_search(size, self.mask.shape), size)
        unsure = _box_of(hint_map[search] == HINT_UNSURE, search)
        area = _grow(_union(changed, unsure), hint_reach(size, self.mask.shape), size)
        refined = self._steps["refined"][1]
        if not refined.flags.writeable:
            refined = refined.copy()
        refined[area] = refine_alpha(self.rgba, mask, settings.refine, small=small, hints=hint_map,
                                     hint_box=box, window=area, plain=plain, cache=self._maps_of(mask))
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
        strength = settings.decontamination
        if strength > 0:
            area = _grow(area, _decontamination_reach(size), size)
        cutout = self._steps["cutout"][1]
        np.copyto(cutout[area], self.rgba[area])
        if strength > 0:
            decontaminate(self.rgba, shaped, strength, small=small, out=cutout, window=area)
        patch = cutout[area]
        apply_alpha(patch, np.ascontiguousarray(shaped[area]), out=patch)
        for name, result in (("refined", refined), ("shaped", shaped), ("cutout", cutout)):
            self._steps[name] = (_with_hints(self._steps[name][0], hints), result)
        return cutout, area

    def _small_copy(self, settings):
        if self._small is None and needs_small_copy(settings):
            self._small = downscale_rgb(self.rgba)
        return self._small

    def _cutout_buffer(self):
        if self._cutout is None:
            self._cutout = np.empty_like(self.rgba)
        return self._cutout

    def _step(self, name, settings, hints, make):
        """The kept result of step `name` if it was made from the same reads, else a new one (kept)."""
        key = (step_key(name, settings), hints)
        kept = self._steps.pop(name, None)
        if kept is not None and kept[0] == key:
            result = kept[1]
        else:
            del kept  # let go of an outdated result before making the new one (WASM memory)
            result = make()
        self._steps[name] = (key, result)
        return result


def _with_hints(key, hints):
    """A step's key with the refinement's hints replaced (the settings it read are the same)."""
    return (key[0], hints)


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
    found = bounding_slices(binary)
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
