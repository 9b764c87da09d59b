"""Hints: what the user's brush strokes (or a hints PNG) tell the refinement.

The editor records each stroke as a tool, a radius in image pixels and the points of its path
in image coordinates (pixel (row i, column j) covers x in [j, j + 1), y in [i, i + 1)). Python
turns the list into a full-resolution *hint map* (see :func:`peel.refine.refine_alpha`):

- :func:`rasterize_strokes`: the literal paint, :data:`~peel.refine.HINT_BACKGROUND` under
  erase strokes, :data:`~peel.refine.HINT_FOREGROUND` under restore strokes (a later stroke
  paints over an earlier one), :data:`~peel.refine.HINT_NONE` elsewhere.
- :func:`stroke_patch` ("Snap to edges", the page's): each stroke, edge-aware
  (:func:`snap_paint`): what it covers that looks like the protected material beside it and not
  like what its centre covers stays, with an unsure band (:data:`~peel.refine.HINT_UNSURE`) on
  the boundary so the refinement puts the edge where the photo has it. A stroke's patch depends
  only on the photo and the model's alpha around it: strokes stay local (peel.render_cache re-renders a
  new stroke's region alone). :meth:`Hints.to_map_box` with the photo folds the patches.
- :func:`snap_hints` (the rim snap, for a hints PNG, which holds no strokes): the rim of each
  painted area joins the uncertain band; only the core, :func:`snap_rim` px inside the paint's
  outline, stays sure.
- :func:`read_hints_png` / :func:`encode_hints_png`: the literal paint as an 8-bit grey PNG of
  the image's size (0 = erase, 255 = restore, anything else = no hint), for ``peel --hints``.
  The page downloads it; the command applies it with the rim snap (or literally).
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ._checks import check_size
from .box import box_sum
from .morphology import bounding_slices, dilate, erode
from .errors import ArgumentTypeError, InvalidArgumentError
from .refine import HINT_BACKGROUND, HINT_FOREGROUND, HINT_NONE, HINT_UNSURE

__all__ = ["TOOLS", "Stroke", "Hints", "rasterize_strokes", "snap_hints", "snap_rim", "snap_paint", "stroke_patch",
           "apply_patch", "read_hints_png", "decode_hints_png", "encode_hints_png", "PNG_NONE"]

#: Brush tools and the hint each paints.
TOOLS = {"erase": HINT_BACKGROUND, "restore": HINT_FOREGROUND}
#: Width of the snap rim, in model-mask pixels (a 320-px mask pixel is 12.5 image px at 4000 px):
#: about how far off the model's edge can be, so about how far a rough stroke may overshoot.
SNAP_RIM_MASK_PX = 3
#: Width of a stroke's centre, as a share of its width: what the stroke marks (see snap_paint).
CENTRE_SHARE = 0.15
#: Grey level of "no hint" in a hints PNG (any value but 0 and 255 means the same).
PNG_NONE = 128
#: Limits that keep a malformed stroke list from costing minutes.
MAX_STROKES = 10_000
MAX_POINTS = 1_000_000


@dataclass(frozen=True)
class Stroke:
    """One brush stroke: ``tool`` ("erase" or "restore"), ``radius`` in image pixels (> 0),
    ``points`` ((x, y), ...) in image coordinates (may leave the image)."""

    tool: str
    radius: float
    points: tuple

    @classmethod
    def from_dict(cls, value, index=0):
        """A stroke from the page's plain object ``{tool, radius, points: [[x, y], ...]}``."""
        where = f"strokes[{index}]"
        if not isinstance(value, dict):
            raise ArgumentTypeError(f"{where} must be an object with tool, radius and points, got {value!r:.80}")
        tool, radius, points = value.get("tool"), value.get("radius"), value.get("points")
        if tool not in TOOLS:
            raise InvalidArgumentError(f"{where}.tool must be one of {', '.join(TOOLS)}, got {tool!r}")
        if isinstance(radius, bool) or not isinstance(radius, (int, float)) or not 0 < radius < 1e6:
            raise InvalidArgumentError(f"{where}.radius must be a positive number of pixels, got {radius!r}")
        try:
            pairs = tuple((float(x), float(y)) for x, y in points)
        except (TypeError, ValueError):
            raise InvalidArgumentError(f"{where}.points must be a list of [x, y] pairs") from None
        if not pairs or not all(math.isfinite(x) and math.isfinite(y) for x, y in pairs):
            raise InvalidArgumentError(f"{where}.points must hold at least one finite [x, y] pair")
        return cls(tool, float(radius), pairs)


@dataclass(frozen=True)
class Hints:
    """A stroke list and the snap switch: hashable, so a kept render can tell it changed."""

    strokes: tuple = ()
    snap: bool = True

    @classmethod
    def from_list(cls, strokes, snap=True):
        """From the page's list of stroke objects (see :meth:`Stroke.from_dict`)."""
        if not isinstance(strokes, (list, tuple)):
            raise ArgumentTypeError(f"strokes must be a list, got {type(strokes).__name__}")
        if len(strokes) > MAX_STROKES:
            raise InvalidArgumentError(f"strokes: at most {MAX_STROKES} strokes, got {len(strokes)}")
        parsed = tuple(Stroke.from_dict(value, i) for i, value in enumerate(strokes))
        if sum(len(stroke.points) for stroke in parsed) > MAX_POINTS:
            raise InvalidArgumentError(f"strokes: at most {MAX_POINTS} points in all")
        return cls(parsed, bool(snap))

    def to_map(self, size, rgba=None, alpha=None):
        """(H, W) uint8 hint map for an image of ``size`` (height, width); None without strokes.
        See :meth:`to_map_box`."""
        return self.to_map_box(size, rgba, alpha)[0]

    def to_map_box(self, size, rgba=None, alpha=None):
        """The hint map and a box (row and column slices) outside which it holds no hint, or
        None where nothing was painted: ``(None, None)`` without strokes. The box spares
        :func:`peel.refine.refine_alpha` (``hint_box=``) a search of the whole map.

        With snap and the photo (``rgba`` (H, W, 4) uint8 and ``alpha``, the model's plain
        alpha (H, W) uint8, :func:`peel.refine.upscale_plain`), each stroke snaps to the photo's
        edges (:func:`stroke_patch`); with snap but no photo, the rims of the paint become
        unsure (:func:`snap_hints`).
        """
        if not self.strokes:
            return None, None
        if self.snap and rgba is not None:
            hints = np.full(size, HINT_NONE, np.uint8)
            box = None
            for stroke in self.strokes:
                box = _union(box, apply_patch(hints, stroke_patch(stroke, rgba, alpha)))
            return hints, box
        hints, box = _rasterize(self.strokes, size)
        return (snap_hints(hints, box=box) if self.snap else hints), box


def stroke_patch(stroke, rgba, alpha):
    """One stroke, snapped to the photo's edges: its codes in a box, and the box.

    The stroke's own paint (:func:`rasterize_strokes`) is snapped by :func:`snap_paint`, its
    centre being its path painted :data:`CENTRE_SHARE` as wide; a stroke thinner than the snap
    rim is a precise one and applies as painted. What a stroke gives depends on the photo and
    the model's alpha within its box and on nothing else, so a stroke changes the hint map
    there only (what lets a new stroke's region be rendered alone, see peel.render_cache).

    Parameters
    ----------
    stroke : Stroke
    rgba : numpy.ndarray
        (H, W, 4) uint8 photo.
    alpha : numpy.ndarray
        (H, W) uint8 plain alpha of the model (:func:`peel.refine.upscale_plain`).

    Returns
    -------
    codes : numpy.ndarray or None
        (h, w) uint8: HINT_BACKGROUND / HINT_FOREGROUND / HINT_UNSURE, HINT_NONE where the
        stroke leaves the map as it is; None if the stroke is outside the image.
    box : tuple of slice or None
        Where ``codes`` lies in the image.
    """
    size = rgba.shape[:2]
    rim = snap_rim(size)
    radius = max(stroke.radius, 0.71)
    xs = [x for x, _ in stroke.points]
    ys = [y for _, y in stroke.points]
    margin = radius + rim + 2
    box = (slice(max(0, math.floor(min(ys) - margin)), min(size[0], math.ceil(max(ys) + margin) + 1)),
           slice(max(0, math.floor(min(xs) - margin)), min(size[1], math.ceil(max(xs) + margin) + 1)))
    if box[0].start >= box[0].stop or box[1].start >= box[1].stop:
        return None, None
    shape = (box[0].stop - box[0].start, box[1].stop - box[1].start)
    shifted = tuple((x - box[1].start, y - box[0].start) for x, y in stroke.points)
    value = TOOLS[stroke.tool]
    paint = _rasterize((Stroke(stroke.tool, stroke.radius, shifted),), shape)[0] == value
    if not paint.any():
        return None, None
    if radius < rim:
        codes = np.where(paint, value, HINT_NONE).astype(np.uint8)
    else:
        centre = _rasterize((Stroke(stroke.tool, max(0.71, radius * CENTRE_SHARE), shifted),), shape)[0] == value
        codes = snap_paint(rgba[box], alpha[box], paint, centre, value, rim)
    return codes, box


def apply_patch(hints, patch):
    """Write a :func:`stroke_patch` into a hint map (in place): its codes other than HINT_NONE
    replace what was there (a later stroke wins where it acts). Returns the patch's box or None."""
    codes, box = patch
    if codes is None:
        return None
    region = hints[box]
    acts = codes != HINT_NONE
    region[acts] = codes[acts]
    return box


def _union(box, other):
    """The smallest (rows, cols) box holding both (either may be None)."""
    if box is None or other is None:
        return other if box is None else box
    return tuple(slice(min(a.start, b.start), max(a.stop, b.stop)) for a, b in zip(box, other))


def rasterize_strokes(strokes, size):
    """The literal paint of ``strokes`` on an image of ``size``.

    Each stroke covers the pixels whose centre lies within ``radius`` of its path (a polyline
    through its points; a single point is a disc), and at least the pixel under each point.

    Parameters
    ----------
    strokes : sequence of Stroke
    size : tuple of int
        (height, width) of the image.

    Returns
    -------
    numpy.ndarray
        (H, W) uint8: HINT_BACKGROUND / HINT_FOREGROUND where painted (the last stroke wins),
        HINT_NONE elsewhere.

    Examples
    --------
    >>> hints = rasterize_strokes([Stroke("erase", 1.0, ((2.5, 1.5),))], (3, 5))
    >>> (hints == HINT_BACKGROUND).astype(int)
    array([[0, 0, 1, 0, 0],
           [0, 1, 1, 1, 0],
           [0, 0, 1, 0, 0]])
    """
    return _rasterize(strokes, size)[0]


def _rasterize(strokes, size):
    """:func:`rasterize_strokes`, and the union of the painted segments' boxes (None if none)."""
    height, width = check_size(size)
    hints = np.full((height, width), HINT_NONE, np.uint8)
    top = left = bottom = right = None
    for stroke in strokes:
        if not isinstance(stroke, Stroke):
            raise ArgumentTypeError(f"strokes must hold Stroke objects, got {type(stroke).__name__}")
        value = TOOLS[stroke.tool]
        # Every pixel under a point is painted, however thin the brush (half a pixel's diagonal).
        radius = max(stroke.radius, 0.71)
        points = _thin_out(stroke.points, radius / 4)
        for start, end in zip(points, points[1:] or points):
            box = _paint_segment(hints, start, end, radius, value)
            if box is not None:
                top = box[0] if top is None else min(top, box[0])
                bottom = box[1] if bottom is None else max(bottom, box[1])
                left = box[2] if left is None else min(left, box[2])
                right = box[3] if right is None else max(right, box[3])
    return hints, None if top is None else (slice(top, bottom), slice(left, right))


def _thin_out(points, spacing):
    """The path's points without those closer than ``spacing`` to the last one kept (the paint
    differs by less than a pixel's fraction; a fast pointer gives hundreds of points)."""
    kept = [points[0]]
    for x, y in points[1:]:
        if math.hypot(x - kept[-1][0], y - kept[-1][1]) >= spacing:
            kept.append((x, y))
    if points[-1] != kept[-1]:
        kept.append(points[-1])
    return kept


def _paint_segment(hints, start, end, radius, value):
    """Set ``hints`` to ``value`` where the pixel centre is within ``radius`` of the segment.

    Returns the (top, bottom, left, right) box looked at, None if it is outside the image.
    """
    height, width = hints.shape
    (x0, y0), (x1, y1) = start, end
    left = max(0, math.floor(min(x0, x1) - radius))
    right = min(width, math.ceil(max(x0, x1) + radius) + 1)
    top = max(0, math.floor(min(y0, y1) - radius))
    bottom = min(height, math.ceil(max(y0, y1) + radius) + 1)
    if left >= right or top >= bottom:
        return None
    xs = np.arange(left, right, dtype=np.float64) + 0.5 - x0
    ys = np.arange(top, bottom, dtype=np.float64)[:, None] + 0.5 - y0
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    if length2 > 0:
        # Position along the segment of each pixel's nearest point, clamped to the ends.
        t = np.clip((xs * dx + ys * dy) / length2, 0.0, 1.0)
        distance2 = (xs - t * dx) ** 2 + (ys - t * dy) ** 2
    else:
        distance2 = xs * xs + ys * ys
    hints[top:bottom, left:right][distance2 <= radius * radius] = value
    return top, bottom, left, right


def snap_rim(size):
    """The snap rim's width, in image pixels, for an image of ``size`` (height, width): >= 2."""
    height, width = check_size(size)
    return max(2, round(SNAP_RIM_MASK_PX * max(height, width) / 320))


def snap_hints(hints, rim=None, *, box=None):
    """"Snap to edges": the rim of each painted area becomes HINT_UNSURE, its core stays sure.

    The core of an area (the erase paint, or the restore paint) is what stays of it after an
    erosion by a square of ``rim`` px; the rest of the area within ``2 * rim`` px of that core
    is the rim. Paint farther from any core (a stroke thinner than the rim) stays sure: a thin
    stroke is a precise one. The image's border is not a border of the paint.

    Parameters
    ----------
    hints : numpy.ndarray
        (H, W) uint8 hint map, e.g. from :func:`rasterize_strokes` or :func:`read_hints_png`.
    rim : int, optional
        The rim's width in pixels; default :func:`snap_rim` of the map's size.
    box : tuple of slice, optional
        (rows, cols) outside which ``hints`` is all HINT_NONE, when the caller knows it: the
        search of the whole map for the paint is then a search of the box.

    Returns
    -------
    numpy.ndarray
        (H, W) uint8, a new map: HINT_UNSURE on the rims, the rest as in ``hints``.

    Examples
    --------
    >>> hints = np.full((1, 12), HINT_NONE, np.uint8)
    >>> hints[0, 1:8] = HINT_FOREGROUND          # a wide stroke: a core and a rim
    >>> hints[0, 10] = HINT_BACKGROUND           # a thin one: all core
    >>> snap_hints(hints, rim=2).tolist()
    [[64, 128, 128, 255, 255, 255, 128, 128, 64, 64, 0, 64]]
    """
    _check_map(hints, "hints")
    if rim is None:
        rim = snap_rim(hints.shape)
    out = hints.copy()
    region, offset = (hints, (0, 0)) if box is None else (hints[box], (box[0].start, box[1].start))
    outer = bounding_slices(region != HINT_NONE)
    if outer is None:
        return out
    outer = tuple(slice(o.start + d, o.stop + d) for o, d in zip(outer, offset))
    for value in (HINT_BACKGROUND, HINT_FOREGROUND):
        inner = bounding_slices(hints[outer] == value)
        if inner is None:
            continue
        # The paint's box in the map, widened so that the box's edge is never the paint's edge.
        margin = 2 * rim + 1
        box = tuple(slice(max(0, o.start + i.start - margin), min(n, o.start + i.stop + margin))
                    for o, i, n in zip(outer, inner, hints.shape))
        area = hints[box] == value
        core = erode(area, rim)
        near_core = dilate(core, 2 * rim)
        out[box][area & near_core & ~core] = HINT_UNSURE
    return out


def _check_map(hints, name):
    if not isinstance(hints, np.ndarray):
        raise ArgumentTypeError(f"{name} must be a numpy array, got {type(hints).__name__}")
    if hints.dtype != np.uint8 or hints.ndim != 2 or hints.size == 0:
        raise InvalidArgumentError(f"{name} must be a non-empty (H, W) uint8 array, got {hints.dtype} {hints.shape}")


def read_hints_png(source, size, *, flag="--hints"):
    """The literal hint map of a hints PNG: 0 = erase, 255 = restore, anything else = no hint.

    Parameters
    ----------
    source : str, os.PathLike, bytes or numpy.ndarray
        A PNG file's path or bytes: 8-bit grey (mode L), the image's size. An (H, W) uint8
        array is taken as the grey levels themselves (e.g. from :func:`decode_hints_png`).
    size : tuple of int
        (height, width) of the image the hints are for.
    flag : str
        How the caller names the hints in messages (the command's flag, or ``hints``).

    Returns
    -------
    numpy.ndarray
        (H, W) uint8 with HINT_BACKGROUND, HINT_FOREGROUND and HINT_NONE.

    Raises
    ------
    InvalidArgumentError
        Not a PNG, not 8-bit grey, or not the image's size; the message names ``flag``.
    """
    height, width = check_size(size)
    if isinstance(source, np.ndarray):
        grey = source
        if grey.dtype != np.uint8 or grey.ndim != 2:
            raise InvalidArgumentError(f"{flag} must be an (H, W) uint8 array of grey levels, "
                                       f"got {grey.dtype} {grey.shape}")
    else:
        grey = decode_hints_png(source, flag=flag)
    if grey.shape != (height, width):
        raise InvalidArgumentError(f"{flag}: the hints are {grey.shape[1]} × {grey.shape[0]} px, but the image is "
                                   f"{width} × {height} px: they must have the image's size")
    hints = np.full(grey.shape, HINT_NONE, np.uint8)
    hints[grey == 0] = HINT_BACKGROUND
    hints[grey == 255] = HINT_FOREGROUND
    return hints


def decode_hints_png(source, *, flag="--hints"):
    """The grey levels of a hints PNG, (H, W) uint8, checked to be a PNG and 8-bit grey.

    Parameters
    ----------
    source : str, os.PathLike or bytes
        The file's path or its bytes.
    flag : str
        As for :func:`read_hints_png`.

    Raises
    ------
    InvalidArgumentError
        Not a PNG, damaged, or not 8-bit grey; the message names ``flag``.
    OSError
        The file cannot be read.
    """
    if isinstance(source, (str, os.PathLike)):
        data = Path(source).read_bytes()
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        raise ArgumentTypeError(f"{flag} must be a PNG file's path or bytes, or an array, got {type(source).__name__}")
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise InvalidArgumentError(f"{flag}: not a PNG file (the hints must be an 8-bit grey PNG: "
                                   "0 = erase, 255 = restore, anything else = no hint)")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.mode != "L":
                raise InvalidArgumentError(
                    f"{flag}: the PNG must be 8-bit grey (0 = erase, 255 = restore), not {_describe_mode(image.mode)}")
            image.load()
            return np.asarray(image).copy()
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError) as error:
        if isinstance(error, InvalidArgumentError):
            raise
        raise InvalidArgumentError(f"{flag}: the PNG file is damaged ({error})") from error


def _describe_mode(mode):
    return {"1": "1-bit", "P": "a palette image", "RGB": "colour (RGB)", "RGBA": "colour with transparency (RGBA)",
            "LA": "grey with transparency (LA)", "I;16": "16-bit grey", "I": "32-bit grey"}.get(mode, f"mode {mode}")


def encode_hints_png(hints):
    """A hints PNG (0 = erase, 255 = restore, :data:`PNG_NONE` elsewhere) of a literal map.

    Parameters
    ----------
    hints : numpy.ndarray
        (H, W) uint8 from :func:`rasterize_strokes` (rims, if any, are written as "no hint").

    Returns
    -------
    bytes
    """
    _check_map(hints, "hints")
    grey = np.full(hints.shape, PNG_NONE, np.uint8)
    grey[hints == HINT_BACKGROUND] = 0
    grey[hints == HINT_FOREGROUND] = 255
    buffer = io.BytesIO()
    Image.fromarray(grey, "L").save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


# ---------------------------------------------------------------------------- edge-aware snap

#: Colour-and-texture distance (features in [0, 1]) under which two materials are the same.
SAME_MATERIAL = 0.12
#: A pixel under a stroke stays as it was when its distance to the protected material is at most
#: this share of its distance to what the stroke's centre covers (and that one exceeds
#: :data:`SAME_MATERIAL`).
_KEEP_RATIO = 0.6
#: Share of a stroke's centre that must differ from the protected material for the stroke to be
#: one along an edge (else it was drawn inside the protected material).
_EDGE_SHARE = 0.25
#: Colour clusters per material (a small k-means), and samples per material.
_CLUSTERS = 8
_SAMPLES = 4096
#: Plain-alpha levels (of 255) from which the model's alpha is sure subject / sure background.
_SURE_SUBJECT, _SURE_BACKGROUND = 230, 25


def snap_paint(rgba, alpha, paint, centre, value, rim):
    """Edge-aware snap of one painted area: which of its pixels the paint really means.

    The stroke marks what must go (erase) or stay (restore); its centre shows which material
    that is. The material the stroke must protect is the model's sure subject just outside the
    paint (for erase; sure background for restore). The marked material is what of the centre
    does not look like it. A pixel under the paint that looks like the protected material
    (colour and local texture) and not like the marked one, and that the model took for the
    protected side (alpha at least one half for erase), stays as it was (no hint); the rest
    gets the paint's hint; a band of ``max(2, rim // 2)`` px on both sides of the boundary
    between the two is unsure, so that the refinement puts the edge where the photo has it. A
    stroke with protected material (nearly) all around it or nowhere beside it, or whose centre
    is mostly protected material (drawn inside the subject), applies as painted.

    Parameters
    ----------
    rgba : numpy.ndarray
        (h, w, 4) uint8 photo, the box around the paint (with ``rim`` px to spare).
    alpha : numpy.ndarray
        (h, w) uint8 the model's plain alpha there (:func:`peel.refine.upscale_plain`).
    paint, centre : numpy.ndarray
        (h, w) bool: the painted pixels; its centre (a part of it).
    value : int
        HINT_BACKGROUND (erase) or HINT_FOREGROUND (restore).
    rim : int
        :func:`snap_rim` of the image: the width of the ring the protected material is
        sampled from.

    Returns
    -------
    numpy.ndarray
        (h, w) uint8: ``value``, HINT_UNSURE under the paint, HINT_NONE elsewhere.
    """
    out = np.full(paint.shape, HINT_NONE, np.uint8)
    out[paint] = value
    centre = centre & paint
    if not centre.any():
        return out
    around = dilate(paint, rim) & ~paint
    ring = around & ((alpha >= _SURE_SUBJECT) if value == HINT_BACKGROUND else (alpha <= _SURE_BACKGROUND))
    # All around the stroke the protected side (or none of it): drawn inside it, or away from it.
    if not ring.any() or ring.sum() > (1 - _EDGE_SHARE / 5) * around.sum():
        return out
    features = _features(rgba)
    protected = _clusters(features[ring])
    # The centre's material that is not the protected one is what the stroke marks. A centre
    # mostly of protected material is a stroke drawn inside it: it applies as painted.
    along = features[centre]
    other = along[_nearest(along, protected) > SAME_MATERIAL ** 2]
    if len(other) < _EDGE_SHARE * len(along):
        return out
    marked = _clusters(other, min_share=0.1)
    under = features[paint]
    to_marked, to_protected = _nearest(under, marked), _nearest(under, protected)
    keep = np.zeros(paint.shape, bool)
    keep[paint] = (to_protected <= _KEEP_RATIO ** 2 * to_marked) & (to_marked > SAME_MATERIAL ** 2)
    # Only where the model disagrees with the stroke is there anything to keep: a shadow as dark
    # as the tyre beside it, but already background, is erased (no unsure band around it).
    keep &= (alpha >= 128) if value == HINT_BACKGROUND else (alpha < 128)
    # A majority over 5×5: no single-pixel specks either way.
    keep = (box_sum(keep, 2) > 0.5 * box_sum(paint, 2)) & paint
    if not keep.any():
        return out
    band = max(2, rim // 2)
    act = paint & ~keep
    out[keep] = HINT_NONE
    out[paint & dilate(keep, band) & dilate(act, band)] = HINT_UNSURE
    return out


def _features(rgba):
    """(h, w, 4) float32: the mean colour in [0, 1] and the texture (std of the grey level)
    over 5×5, so that a pixel's noise does not make it another material, and fur and a flat
    road of one mean colour differ."""
    colour = rgba[..., :3].astype(np.float32) * np.float32(1 / 255)
    grey = colour.mean(axis=2)
    count = box_sum(np.ones(grey.shape, np.float32), 2)
    features = np.empty(grey.shape + (4,), np.float32)
    features[..., :3] = box_sum(colour, 2) / count[..., None]
    mean = box_sum(grey, 2) / count
    features[..., 3] = 2 * np.sqrt(np.maximum(box_sum(grey * grey, 2) / count - mean * mean, 0))
    return features


def _clusters(samples, min_share=0.0):
    """Up to :data:`_CLUSTERS` centres (k, 4) of ``samples`` (n, 4): a few k-means rounds from
    centres spread over the samples' grey levels (deterministic); the centres of fewer than
    ``min_share`` of the samples are left out (a sliver of the subject under a stroke's centre
    does not make the stroke's material)."""
    if len(samples) > _SAMPLES:
        samples = samples[np.linspace(0, len(samples) - 1, _SAMPLES).astype(np.intp)]
    order = np.argsort(samples[:, :3].sum(axis=1), kind="stable")
    count = min(_CLUSTERS, len(samples))
    centres = samples[order[(np.arange(count) * len(samples)) // count]].copy()
    for _ in range(6):
        nearest = _distances(samples, centres).argmin(axis=1)
        for k in range(count):
            members = samples[nearest == k]
            if len(members):
                centres[k] = members.mean(axis=0)
    if min_share > 0:
        shares = np.bincount(_distances(samples, centres).argmin(axis=1), minlength=count) / len(samples)
        centres = centres[shares >= min_share]
    return centres


def _distances(points, centres):
    """(n, k) squared distances of (n, 4) points to (k, 4) centres."""
    columns = np.ascontiguousarray(points.T)
    return np.stack([_squared_distance(columns, centre) for centre in centres], axis=1)


def _nearest(points, centres):
    """(n,) squared distance of each point to its nearest centre."""
    columns = np.ascontiguousarray(points.T)
    best = np.full(len(points), np.inf, np.float32)
    for centre in centres:
        np.minimum(best, _squared_distance(columns, centre), out=best)
    return best


def _squared_distance(columns, centre):
    """(n,) float32 squared distances of points given as (4, n) feature rows to one centre.

    Feature by feature over contiguous rows, not a sum over each point's 4 values: numpy's
    reduction along a short last axis is several times slower (most so in Pyodide), and the
    sum is taken in the same order."""
    total = columns[0] - centre[0]
    total *= total
    for row, value in zip(columns[1:], centre[1:]):
        step = row - value
        step *= step
        total += step
    return total
