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
patches the output it keeps with it). An undone stroke is taken out the same way: each stroke's
patch of the hint map is kept, and the map is made again from the others in its box. Within
a stroke's possible reach (hundreds of pixels at 12 MP, through earlier unsure hints' colour
search) the refinement's maps are made on the small copy and compared with the kept ones; the
alpha is solved again only where they, or the hints, changed.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_mask, check_rgba
from .box import WIDER
from .composite import apply_alpha
from .foreground import DECONTAMINATION_RADIUS, colour_means, decontaminate
from .hints import Hints, apply_patch, stroke_patch
from .morphology import bounding_slices, grow_slices
from .refine import (COLOUR_SIZE, HINT_NONE, HINT_UNSURE, cell_pixels, downscale_rgb, hint_reach, hint_strip, mask_cells, refine_alpha,
                     lookup_pixels, lookup_reads, refine_planes, unsure_search, upscale_plain)
from .render import cover, finish, finish_box, make_cutout, needs_small_copy, shape_alpha, solid_step, step_key
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
    uint8 each (24 MB more), and each stroke's patch of the map (its box); the refinement's maps
    on the mask's grid and the colour clean-up's local colours (about 5 MB); over a background
    image, that image scaled to the photo's size (36 MB at 12 MP).
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
        # (Hints, mask, map, box, each stroke's patch) of the last refinement with strokes: a new
        # stroke is added to the map, an undone one taken out where its patch was.
        self._hint_map = None
        self._maps = (None, {})  # (mask, the refinement's low-resolution maps without hints)
        self._planes = None  # the maps on the mask's grid the kept refined alpha was solved from
        self._means = None  # the colour clean-up's local colours (colour_means) of the kept cut-out
        self._covered = None  # (background image, cover() of it): strokes send the same one again
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
            self.rgba, alpha8, settings, small=self._small_copy(settings), out=self._cutout_buffer(),
            means=self._colour_means(settings, alpha8)))
        output, self.layout = finish(cutout, settings, background, return_layout=True,
                                     covered=self._cover(settings, background, writable=True))
        return output

    def _cover(self, settings, background, writable=False):
        """:func:`peel.render.cover` of a background image to the photo's size, kept while the
        same image comes again (every stroke sends it); None where the output reads none.
        ``writable``: a copy, for :func:`peel.render.finish` (it composites into it)."""
        if settings.background != "image" or background is None or settings.product or settings.format == "mask":
            return None
        kept = self._covered
        if kept is None or kept[0].shape != background.shape or not np.array_equal(kept[0], background):
            self._covered = None  # let go of the old one first (WASM memory)
            self._covered = (background.copy(), cover(background, self.rgba.shape[:2]))
        return self._covered[1].copy() if writable else self._covered[1]

    def _refine(self, mask, settings, hints):
        hint_map, box = (None, None) if hints is None else self._map(hints, mask)
        small, cache = self._small_copy(settings), self._maps_of(mask)
        planes = None
        if settings.refine != "none":  # kept: a stroke's region render redoes where they change
            planes = refine_planes(self.rgba, mask, settings.refine, small=small, hints=hint_map, hint_box=box, cache=cache)
        self._planes = planes
        return refine_alpha(self.rgba, mask, settings.refine, small=small, hints=hint_map, hint_box=box,
                            plain=self._plain_alpha(mask), cache=cache, planes=planes)

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
        """The hint map and its box for ``hints``, ``hints.to_map_box(size, rgba, plain)`` (kept,
        with each stroke's patch: the region render adds strokes to it and takes them out)."""
        if self._hint_map is None or self._hint_map[0] != hints or self._hint_map[1] is not mask:
            self._hint_map = None
            hint_map = np.full(self.rgba.shape[:2], HINT_NONE, np.uint8)
            patches = [self._stroke_patch(stroke, hints.snap, mask) for stroke in hints.strokes]
            box = None
            for patch in patches:
                box = _union(box, apply_patch(hint_map, patch))
            self._hint_map = (hints, mask, hint_map, box, patches)
        return self._hint_map[2:4]

    def _stroke_patch(self, stroke, snap, mask):
        """One stroke's :func:`peel.hints.stroke_patch` (snap) or its paint (no snap)."""
        if snap:
            return stroke_patch(stroke, self.rgba, self._plain_alpha(mask))
        return _literal_patch(stroke, self.rgba.shape[:2])

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
        return self._render_changed(settings, background, hints, lambda cutout, box: finish(
            cutout, settings, background, covered=self._cover(settings, background, writable=True)))

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
            return cutout[box] if empty else finish_box(cutout, settings, background, box,
                                                        covered=self._cover(settings, background))
        return self._render_changed(settings, background, hints, finish_patch)

    def _render_changed(self, settings, background, hints, finish_region):
        """(output, box): all of it rendered, or the steps patched in the changed strokes' region
        and then ``finish_region(cutout, box)``."""
        hints = hints if hints is not None and hints.strokes else None
        region = self._stroke_region(settings, hints)
        if region is None:
            output = self.render(settings, background, hints)
            return output, (slice(0, output.shape[0]), slice(0, output.shape[1]))
        self.layout = None  # a region is patched in the photo's own pixels only (never a product photo)
        cutout, box = self._patch(settings, hints, *region)
        return finish_region(cutout, box), box

    def _stroke_region(self, settings, hints):
        """(previous Hints or None, how many of its strokes stay) when only the strokes at the end
        changed since the last render (added, or undone, or both), with settings whose output a
        region can be patched in; else None."""
        kept = self._steps.get("refined")
        if kept is None or settings.product or settings.background == "blur":
            return None
        reads, before = kept[0]
        old = before.strokes if before is not None else ()
        new = hints.strokes if hints is not None else ()
        if reads != step_key("refined", settings) or (before is not None and hints is not None and before.snap != hints.snap):
            return None
        stay = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
        if stay == len(old) == len(new):
            return None  # nothing changed: render() gives the kept output
        if any(self._steps.get(name, (None,))[0] != (step_key(name, settings), before) for name in ("shaped", "cutout")):
            return None
        return before, stay

    def _patch(self, settings, hints, before, stay):
        """Redo the steps where the strokes added after the first ``stay`` of ``before``, or taken
        out after them, reach; (the patched cut-out, its changed box)."""
        size = self.rgba.shape[:2]
        mask = self._steps["solid"][1]  # the mask the kept refinement refined
        plain = self._plain_alpha(mask)
        if before is None:
            hint_map, patches = np.full(size, HINT_NONE, np.uint8), []
        else:
            hint_map = self._map(before, mask)[0].copy()
            patches = list(self._hint_map[4])
        changed = None
        # Undone strokes: their patches' boxes are made again from the strokes that stay.
        gone = [patch[1] for patch in patches[stay:] if patch[1] is not None]
        del patches[stay:]
        for area in gone:
            hint_map[area] = HINT_NONE
        for area in gone:
            for patch in patches:
                apply_patch(hint_map, _clip_patch(patch, area))
            changed = _union(changed, area)
        for stroke in (hints.strokes[stay:] if hints is not None else ()):
            patch = self._stroke_patch(stroke, hints.snap, mask)
            patches.append(patch)
            changed = _union(changed, apply_patch(hint_map, patch))
        box = None
        for patch in patches:
            box = _union(box, patch[1])
        self._hint_map = None if hints is None else (hints, mask, hint_map, box, patches)
        if changed is None:  # strokes wholly outside the image
            for name in ("refined", "shaped", "cutout"):
                key, result = self._steps[name]
                self._steps[name] = (_with_hints(key, hints), result)
            return self._steps["cutout"][1], (slice(0, 0), slice(0, 0))
        small = self._small_copy(settings)
        refined = self._steps["refined"][1]
        if not refined.flags.writeable:
            refined = refined.copy()
        area = self._refined_area(settings, mask, hint_map, box, changed)
        refined[area] = refine_alpha(self.rgba, mask, settings.refine, small=small, hints=hint_map, hint_box=box,
                                     window=area, plain=plain, cache=self._maps_of(mask),
                                     planes=self._planes)
        # Shaped alpha: the threshold is per pixel, the feather reaches about 3 radii.
        shaped = self._steps["shaped"][1]
        if shaped is not self._steps["refined"][1]:
            if not shaped.flags.writeable:
                shaped = shaped.copy()
            reach = 0 if settings.feather <= 0 else int(np.ceil(3 * settings.feather)) + 4
            area = grow_slices(area, reach, size)
            outer = grow_slices(area, reach, size)
            inner = tuple(slice(a.start - o.start, a.stop - o.start) for a, o in zip(area, outer))
            shaped[area] = shape_alpha(np.ascontiguousarray(refined[outer]), settings)[inner]
        else:
            shaped = refined
        # Cut-out: the colour clean-up's local means may move farther than the alpha changed.
        strength = settings.decontamination
        if strength > 0:
            area = self._cleaned_area(small, shaped, area)
        cutout = self._steps["cutout"][1]
        np.copyto(cutout[area], self.rgba[area])
        if strength > 0:
            decontaminate(self.rgba, shaped, strength, small=small, out=cutout, window=area, means=self._means)
        patch = cutout[area]
        apply_alpha(patch, np.ascontiguousarray(shaped[area]), out=patch)
        for name, result in (("refined", refined), ("shaped", shaped), ("cutout", cutout)):
            self._steps[name] = (_with_hints(self._steps[name][0], hints), result)
        return cutout, area

    def _refined_area(self, settings, mask, hint_map, box, changed):
        """The box of the refined alpha that new hints at ``changed`` may have changed: their
        own pixels' strips, and where the maps the alpha is solved from changed (the kept maps
        are brought up to date there).

        Where the maps can change is wide (the hints' reach, and earlier unsure hints whose
        colour search reaches the new ones: hundreds of pixels at 12 MP); where they do change
        is mostly near the new strokes, so the maps are made for the wide box (on the small
        copy: cheap) and compared with the kept ones, and the alpha is solved in the narrow one.
        """
        size = self.rgba.shape[:2]
        search = grow_slices(changed, unsure_search(size, self.mask.shape), size)
        unsure = _box_of(hint_map[search] == HINT_UNSURE, search)
        reach = grow_slices(_union(changed, unsure), hint_reach(size, self.mask.shape), size)
        if self._planes is None:  # refine "none": no maps
            return reach
        planes = refine_planes(self.rgba, mask, settings.refine, small=self._small_copy(settings), hints=hint_map,
                               hint_box=box, window=reach, cache=self._maps_of(mask))
        cells = mask_cells(reach, size, self.mask.shape)
        moved = _box_of((planes[(slice(None), *cells)] != self._planes[(slice(None), *cells)]).any(axis=0), cells)
        self._planes[(slice(None), *cells)] = planes[(slice(None), *cells)]
        area = grow_slices(changed, hint_strip(size, self.mask.shape), size)
        if moved is not None:
            area = _union(area, cell_pixels(moved, size, self.mask.shape))
        return tuple(slice(max(a.start, r.start), min(a.stop, r.stop)) for a, r in zip(area, reach))

    def _cleaned_area(self, small, shaped, area):
        """The box whose colours the colour clean-up must redo when the alpha changed in
        ``area``: ``area`` and where the local colours it reads moved (those can reach hundreds
        of pixels at 12 MP, but mostly move near the change). The kept means are brought up to
        date there."""
        size = self.rgba.shape[:2]
        reach = grow_slices(area, _decontamination_reach(size), size)
        means = colour_means(small, shaped, reach)
        reads = lookup_reads(small.shape[:2], size, reach)
        moved = _box_of((means[reads] != self._means[reads]).any(axis=2), reads)
        self._means[reads] = means[reads]
        if moved is None:
            return area
        moved = _union(area, lookup_pixels(small.shape[:2], size, moved))
        return tuple(slice(max(m.start, r.start), min(m.stop, r.stop)) for m, r in zip(moved, reach))

    def _colour_means(self, settings, alpha8):
        """:func:`peel.foreground.colour_means` of the shaped alpha, kept (None without the clean-up)."""
        self._means = None
        if settings.decontamination > 0:
            self._means = colour_means(self._small_copy(settings), alpha8)
        return self._means

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


def _clip_patch(patch, area):
    """The part of a :func:`peel.hints.stroke_patch` inside ``area`` (a box of the image)."""
    codes, box = patch
    if codes is None:
        return patch
    cut = tuple(slice(max(b.start, a.start), min(b.stop, a.stop)) for b, a in zip(box, area))
    if any(c.start >= c.stop for c in cut):
        return None, None
    inner = tuple(slice(c.start - b.start, c.stop - b.start) for c, b in zip(cut, box))
    return codes[inner], cut


def _union(box, other):
    if box is None or other is None:
        return other if box is None else box
    return tuple(slice(min(a.start, b.start), max(a.stop, b.stop)) for a, b in zip(box, other))


def _box_of(binary, box):
    """The (rows, cols) box of the True pixels of ``binary``, the part of an image at ``box``."""
    found = bounding_slices(binary)
    return None if found is None else tuple(slice(f.start + b.start, f.stop + b.start) for f, b in zip(found, box))


def _decontamination_reach(size):
    """How far a change of the alpha moves the colour clean-up's colours (image px): its
    local means' widest window (box.WIDER) on the small copy, and a cell of its lookup grid."""
    height, width = size
    small_px = max(height, width) / min(max(height, width), COLOUR_SIZE)
    return int(np.ceil((DECONTAMINATION_RADIUS * WIDER[-1] + 3) * small_px)) + 2
