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
"""

from __future__ import annotations

import numpy as np

from ._checks import check_mask, check_rgba
from .hints import Hints
from .refine import downscale_rgb, refine_alpha
from .render import finish, make_cutout, needs_small_copy, shape_alpha, solid_step, step_key
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
    (about 120 MB at 12 MP).
    """

    def __init__(self, rgba, mask):
        check_rgba(rgba)
        check_mask(mask)
        self.rgba = rgba
        self.mask = mask
        self._small = None
        self._cutout = None  # the cut-out's buffer, rewritten in place: no new 48 MB per change
        self._steps = {}  # step name -> (its key, its result)

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
        return finish(cutout, settings, background)

    def _refine(self, mask, settings, hints):
        hint_map, box = (None, None) if hints is None else hints.to_map_box(self.rgba.shape[:2])
        return refine_alpha(self.rgba, mask, settings.refine, small=self._small_copy(settings),
                            hints=hint_map, hint_box=box)

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
