"""Product photos: the cut-out cropped to its subject, centred on a canvas.

The subject's box is :mod:`peel.subject`'s, the shadow :mod:`peel.shadow`'s; this module places
and composites them.

The "Product photo" preset turns a cut-out into a marketplace image: the
subject's bounding box (from the alpha, ignoring stray specks) is scaled to
fit a canvas of a chosen aspect and size minus a margin, centred, over a
colour (or kept transparent), with an optional soft contact shadow under it.

Everything here works on numpy arrays with Pillow for resampling and blurring,
and never makes a full-resolution float copy: at 12 MP the input is only read,
the crop is premultiplied block by block straight into Pillow's memory, and
every later step works at the (smaller) canvas size in 8/16-bit integers.

Sizes follow one convention to avoid mixing orders: a canvas ``size`` is the
length of its long side in pixels, and ``aspect`` is its ``(width, height)``
ratio as a user writes it ("4:3" is ``(4, 3)``, landscape). A custom W × H
canvas is ``size=max(W, H), aspect=(W, H)``; :func:`canvas_shape` gives the
resulting ``(height, width)``. Bounding boxes are ``(top, left, bottom,
right)`` in pixels, bottom and right exclusive, like the slice
``rgba[top:bottom, left:right]``.
"""

import math
from typing import NamedTuple

import numpy as np
from PIL import Image

from ._checks import check_number, check_rgba, is_integer
from .composite import div255
from .morphology import bounding_box
from .errors import ArgumentTypeError, InvalidArgumentError, NoSubjectError
from .shadow import contact_shadow
from .subject import ALPHA_THRESHOLD, MIN_AREA_FRACTION, subject_bbox

__all__ = [
    "ALPHA_THRESHOLD",
    "MIN_AREA_FRACTION",
    "SIZE_PRESETS",
    "MAX_CANVAS_SIDE",
    "MAX_MARGIN",
    "NoSubjectError",
    "subject_bbox",
    "canvas_shape",
    "ProductLayout",
    "product_layout",
    "place_on_canvas",
    "contact_shadow",
    "render_product",
]
# ALPHA_THRESHOLD, MIN_AREA_FRACTION, subject_bbox and contact_shadow are re-exported: with
# render_product they are the product-photo API (render_product's defaults use the first two).

#: Output sizes (long side, px) offered as presets; any int up to
#: MAX_CANVAS_SIDE is accepted as a custom size.
SIZE_PRESETS = (1000, 1600, 2000)
#: Largest canvas side. A 4096² RGBA canvas is 64 MB, about what the WASM heap
#: can spare beside a 12–24 MP cut-out.
MAX_CANVAS_SIDE = 4096
#: Largest margin, as a fraction of the canvas's short side, on each side.
MAX_MARGIN = 0.45

# Pixels per block of the premultiply and compositing loops: ~1 MB of RGBA,
# small temporaries instead of 12 MP ones (see composite.py).
_BLOCK_PIXELS = 1 << 18
# Pillow ``reducing_gap`` of the subject's resize: box-reduce first while at least 3× the target
# size is left ("indistinguishable from fair resampling in most cases", Pillow's docs).
_REDUCING_GAP = 3.0


# ----------------------------------------------------------------- validation

def _check_bbox(bbox, shape):
    try:
        top, left, bottom, right = bbox
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"bbox must be a (top, left, bottom, right) tuple, got {bbox!r}") from None
    if not all(is_integer(value) for value in (top, left, bottom, right)):
        raise ArgumentTypeError(f"bbox must hold ints, got {bbox!r}")
    height, width = shape
    if not (0 <= top < bottom <= height and 0 <= left < right <= width):
        raise InvalidArgumentError(
            f"bbox must satisfy 0 <= top < bottom <= {height} and 0 <= left < right <= {width}, got {bbox!r}")
    return int(top), int(left), int(bottom), int(right)


def _check_aspect(aspect):
    try:
        width, height = aspect
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"aspect must be a (width, height) pair, got {aspect!r}") from None
    for value in (width, height):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ArgumentTypeError(f"aspect must hold numbers, got {aspect!r}")
        if not (math.isfinite(value) and value > 0):
            raise InvalidArgumentError(f"aspect must hold positive finite numbers, got {aspect!r}")
    return float(width), float(height)


def _check_background(background):
    if background is None:
        return None
    try:
        colour = tuple(background)
    except TypeError:
        raise ArgumentTypeError(f"background must be an (r, g, b) tuple or None, got {background!r}") from None
    if len(colour) != 3 or not all(is_integer(value) for value in colour):
        raise ArgumentTypeError(f"background must be an (r, g, b) tuple of ints or None, got {background!r}")
    if not all(0 <= value <= 255 for value in colour):
        raise InvalidArgumentError(f"background values must be between 0 and 255, got {background!r}")
    return tuple(int(value) for value in colour)


# ------------------------------------------------------------------ placement

def canvas_shape(size, aspect=(1, 1)):
    """Return the ``(height, width)`` of a canvas from its long side and aspect.

    Parameters
    ----------
    size : int
        Long side in pixels, 1..MAX_CANVAS_SIDE (4096); e.g. one of
        ``SIZE_PRESETS``.
    aspect : tuple of float, optional
        ``(width, height)`` ratio, as written "4:3"; default square.

    Returns
    -------
    shape : tuple of int
        ``(height, width)``, the long side equal to ``size`` and the short
        one ``round(size * short / long)``, at least 1. An integer aspect
        ``(W, H)`` with ``size=max(W, H)`` gives exactly W × H.

    Raises
    ------
    ArgumentTypeError, InvalidArgumentError
        ``size`` is not an int in range, or ``aspect`` not a pair of positive
        finite numbers.

    Examples
    --------
    >>> canvas_shape(1600, (4, 3))
    (1200, 1600)
    >>> canvas_shape(1000, (3, 4))
    (1000, 750)
    """
    if not is_integer(size):
        raise ArgumentTypeError(f"size must be an int (the long side in pixels), got {size!r}")
    if not 1 <= size <= MAX_CANVAS_SIDE:
        raise InvalidArgumentError(f"size must be between 1 and {MAX_CANVAS_SIDE}, got {size!r}")
    aspect_width, aspect_height = _check_aspect(aspect)
    size = int(size)
    if aspect_width >= aspect_height:
        return max(1, round(size * aspect_height / aspect_width)), size
    return size, max(1, round(size * aspect_width / aspect_height))


def _margin_pixels(shape, margin):
    short = min(shape)
    # Never more than leaves one pixel in the middle of a tiny canvas.
    return min(round(margin * short), (short - 1) // 2)


def _natural_shape(box_shape, aspect, margin):
    """Smallest canvas of ``aspect`` whose inner box holds ``box_shape`` unscaled."""
    box_height, box_width = box_shape
    aspect_width, aspect_height = _check_aspect(aspect)
    # A first guess from the continuous problem, then step up past rounding.
    long_over_width = max(aspect_width, aspect_height) / aspect_width
    long_over_height = max(aspect_width, aspect_height) / aspect_height
    short_over_long = min(aspect_width, aspect_height) / max(aspect_width, aspect_height)
    guess = max(box_width * long_over_width / max(1e-9, 1 - 2 * margin * short_over_long * long_over_width),
                box_height * long_over_height / max(1e-9, 1 - 2 * margin * short_over_long * long_over_height))
    size = max(1, math.floor(guess) - 1)
    while size < MAX_CANVAS_SIDE:
        shape = canvas_shape(size, aspect)
        inset = 2 * _margin_pixels(shape, margin)
        if shape[0] - inset >= box_height and shape[1] - inset >= box_width:
            return shape
        size += 1
    return canvas_shape(MAX_CANVAS_SIDE, aspect)


class ProductLayout(NamedTuple):
    """Where a product canvas puts the cut-out's pixels: a crop, a scale and an offset.

    Coordinates are continuous pixel coordinates, ``(0, 0)`` the top-left corner of the top-left
    pixel (pixel ``[r, c]`` covers ``[c, c + 1) × [r, r + 1)``), the convention of Pillow's
    resize. A point ``(x, y)`` of the cut-out inside ``bbox`` is drawn at
    ``(offset_x + x * scale_x, offset_y + y * scale_y)`` on the canvas; what lies outside
    ``bbox`` is cropped away. The two scales differ only by the rounding of the placed size.

    Attributes
    ----------
    source_shape : tuple of int
        ``(H, W)`` of the cut-out.
    bbox : tuple of int
        ``(top, left, bottom, right)`` part of the cut-out that is shown.
    canvas_shape : tuple of int
        ``(height, width)`` of the canvas.
    placed_shape : tuple of int
        ``(height, width)`` of ``bbox`` once scaled onto the canvas.
    position : tuple of int
        ``(y, x)`` of the scaled box's top-left corner on the canvas.
    """

    source_shape: tuple
    bbox: tuple
    canvas_shape: tuple
    placed_shape: tuple
    position: tuple

    @property
    def scale(self):
        """``(scale_y, scale_x)``: canvas pixels per cut-out pixel, float."""
        top, left, bottom, right = self.bbox
        return self.placed_shape[0] / (bottom - top), self.placed_shape[1] / (right - left)

    @property
    def offset(self):
        """``(offset_y, offset_x)``: where the cut-out's origin lands on the canvas (negative
        when the crop cut it away), float."""
        scale_y, scale_x = self.scale
        return self.position[0] - self.bbox[0] * scale_y, self.position[1] - self.bbox[1] * scale_x

    def as_dict(self):
        """The transform for the page, x before y as its coordinates are:
        ``{scale: [sx, sy], offset: [x, y], source: [W, H], canvas: [w, h]}``."""
        (scale_y, scale_x), (offset_y, offset_x) = self.scale, self.offset
        return {"scale": [scale_x, scale_y], "offset": [offset_x, offset_y],
                "source": [self.source_shape[1], self.source_shape[0]],
                "canvas": [self.canvas_shape[1], self.canvas_shape[0]]}


def product_layout(bbox, source_shape, *, size=2000, aspect=(1, 1), margin=0.1):
    """Where :func:`place_on_canvas` puts the box ``bbox`` of a cut-out: the whole transform.

    The box is scaled to fit the canvas less the margin (or kept at its size when ``size`` is
    None and it fits), keeping its proportions within rounding, and centred.

    Parameters
    ----------
    bbox : tuple of int
        ``(top, left, bottom, right)`` inside ``source_shape``, bottom and right exclusive.
    source_shape : tuple of int
        ``(H, W)`` of the cut-out.
    size, aspect, margin : optional
        As for :func:`place_on_canvas`.

    Returns
    -------
    ProductLayout
        The canvas's shape and the box's place and size on it; ``scale`` and ``offset`` map
        cut-out coordinates to canvas coordinates.

    Raises
    ------
    ArgumentTypeError, InvalidArgumentError
        An argument has a bad type or value (``bbox`` outside ``source_shape``...).

    Examples
    --------
    >>> layout = product_layout((20, 10, 60, 30), (100, 50), size=100, margin=0.1)
    >>> layout.canvas_shape, layout.placed_shape, layout.position
    ((100, 100), (80, 40), (10, 30))
    >>> layout.scale, layout.offset
    ((2.0, 2.0), (-30.0, 10.0))
    """
    source_shape = tuple(int(side) for side in source_shape)
    bbox = _check_bbox(bbox, source_shape)
    margin = check_number(margin, "margin", 0.0, MAX_MARGIN)
    top, left, bottom, right = bbox
    box_height, box_width = bottom - top, right - left
    shape = _natural_shape((box_height, box_width), aspect, margin) if size is None else canvas_shape(size, aspect)
    height, width = shape
    inset = _margin_pixels(shape, margin)
    inner_height, inner_width = height - 2 * inset, width - 2 * inset
    if size is None and box_height <= inner_height and box_width <= inner_width:
        placed_height, placed_width = box_height, box_width
    else:
        scale = min(inner_width / box_width, inner_height / box_height)
        placed_height = min(inner_height, max(1, round(box_height * scale)))
        placed_width = min(inner_width, max(1, round(box_width * scale)))
    position = ((height - placed_height) // 2, (width - placed_width) // 2)
    return ProductLayout(source_shape, bbox, shape, (placed_height, placed_width), position)


def _scaled_patch(rgba, bbox, placed_shape):
    """Crop ``rgba`` to ``bbox`` and resize it to ``placed_shape``: (h, w, 4) uint8, straight alpha.

    Unscaled, the result is a view of ``rgba`` (read it, never write it).

    The resize runs on premultiplied colours (mode ``RGBa``): colours under
    transparent pixels (often black) then cannot bleed into the edges as dark
    fringes. Pillow does premultiply an ``RGBA`` image itself, but then
    ignores ``reducing_gap`` (Pillow 10.2) and needs a whole premultiplied
    copy of its input; here the crop is premultiplied block by block into one
    ``RGBa`` image, the only crop-sized buffer.
    """
    top, left, bottom, right = bbox
    placed_height, placed_width = placed_shape
    if (placed_height, placed_width) == (bottom - top, right - left):
        return rgba[top:bottom, left:right]
    crop_width = right - left
    premultiplied = Image.new("RGBa", (crop_width, bottom - top))
    rows = max(1, _BLOCK_PIXELS // crop_width)
    for row in range(top, bottom, rows):
        block = np.ascontiguousarray(rgba[row:min(row + rows, bottom), left:right])
        image = Image.frombuffer("RGBA", (crop_width, block.shape[0]), block, "raw", "RGBA", 0, 1)
        premultiplied.paste(image.convert("RGBa"), (0, row - top))
    scaled = premultiplied.resize((placed_width, placed_height), Image.Resampling.LANCZOS,
                                  reducing_gap=_REDUCING_GAP)
    del premultiplied
    return np.asarray(scaled.convert("RGBA"))


def _placed_subject(rgba, bbox, size, aspect, margin):
    """Validate, then return (patch, layout) of the subject placed on the canvas."""
    check_rgba(rgba)
    layout = product_layout(bbox, rgba.shape[:2], size=size, aspect=aspect, margin=margin)
    return _scaled_patch(rgba, layout.bbox, layout.placed_shape), layout


def place_on_canvas(rgba, bbox, *, size=2000, aspect=(1, 1), margin=0.1, background=(255, 255, 255)):
    """Crop a cut-out to a box and centre it on a canvas with a margin.

    The box is scaled (up or down) to fit the canvas minus the margin on
    every side, keeping its proportions, and centred: it touches the margin
    on one axis (within rounding, 1 px) and has equal space on both sides
    (within 1 px) on the other. Resampling is Pillow LANCZOS on premultiplied
    colours, with ``reducing_gap`` for large reductions.

    Parameters
    ----------
    rgba : numpy.ndarray
        (H, W, 4) uint8 cut-out, straight (not premultiplied) alpha. Not
        modified.
    bbox : tuple of int
        ``(top, left, bottom, right)`` region of ``rgba`` to show, bottom and
        right exclusive (see :func:`subject_bbox`); pixels outside it are not
        drawn.
    size : int or None, optional
        Long side of the canvas in pixels, 1..4096 (default 2000; see
        ``SIZE_PRESETS``). ``None`` keeps the subject's own resolution: the
        smallest canvas of that aspect and margin that holds the box unscaled
        (capped at 4096).
    aspect : tuple of float, optional
        ``(width, height)`` ratio of the canvas, as written "4:3"; default
        square. A custom W × H canvas is ``size=max(W, H), aspect=(W, H)``.
    margin : float, optional
        Space kept free on each side, as a fraction of the canvas's short
        side (the same number of pixels on all four sides), 0..0.45.
        Default 0.1: the subject fills at most 80 % of a square canvas.
    background : tuple of int or None, optional
        ``(r, g, b)`` canvas colour, default white; ``None`` for transparent.

    Returns
    -------
    image : numpy.ndarray
        (h, w, 3) uint8 RGB over the colour, or (h, w, 4) uint8 straight RGBA
        when ``background`` is None, with ``(h, w) =
        canvas_shape(size, aspect)``.

    Raises
    ------
    ImageTypeError, InvalidImageError
        ``rgba`` is not a non-empty (H, W, 4) uint8 array.
    ArgumentTypeError, InvalidArgumentError
        Another argument has a bad type or value (``bbox`` outside ``rgba``,
        ``margin`` out of range...).

    Examples
    --------
    >>> rgba = np.zeros((10, 10, 4), np.uint8)
    >>> rgba[2:6, 3:5] = (200, 0, 0, 255)
    >>> out = place_on_canvas(rgba, (2, 3, 6, 5), size=10, margin=0.1)
    >>> out.shape, out[0, 0].tolist(), out[5, 4].tolist()
    ((10, 10, 3), [255, 255, 255], [200, 0, 0])
    """
    background = _check_background(background)
    patch, layout = _placed_subject(rgba, bbox, size, aspect, margin)
    return _composite_layers(patch, *layout.position, layout.canvas_shape, background, None)


# ---------------------------------------------------------------- compositing

def _composite_layers(patch, y, x, shape, background, shadow8):
    """Background, then shadow (black, ``shadow8`` opacity), then the subject ``patch`` at (y, x).

    Integer arithmetic, exact to rounding, in row blocks; only the canvas
    (and no float copy of it) is allocated.
    """
    height, width = shape
    patch_height, patch_width = patch.shape[:2]
    rows = max(1, _BLOCK_PIXELS // patch_width)

    if background is not None:
        out = np.empty((height, width, 3), np.uint8)
        out[...] = np.asarray(background, np.uint8)
        box = bounding_box(shadow8) if shadow8 is not None else None
        if box is not None:
            # bg * (1 - s) for every s, per channel, then a lookup over the
            # shadow's own box only.
            top, left, bottom, right = box
            region = (slice(top, bottom), slice(left, right))
            darkened = 255 - np.arange(256, dtype=np.uint16)
            for channel, value in enumerate(background):
                lut = div255(darkened * value).astype(np.uint8)
                out[region + (channel,)] = lut[shadow8[region]]
        for row in range(0, patch_height, rows):
            block = patch[row:row + rows]
            alpha = block[..., 3].astype(np.uint16)
            inverse = 255 - alpha
            target = out[y + row:y + row + block.shape[0], x:x + patch_width]
            for channel in range(3):
                values = block[..., channel] * alpha  # uint16: <= 255 * 255 with the next term
                values += target[..., channel] * inverse
                target[..., channel] = div255(values)
        return out

    out = np.zeros((height, width, 4), np.uint8)
    if shadow8 is None:
        out[y:y + patch_height, x:x + patch_width] = patch
        return out
    out[..., 3] = shadow8
    for row in range(0, patch_height, rows):
        block = patch[row:row + rows]
        alpha = block[..., 3].astype(np.uint16)
        target = out[y + row:y + row + block.shape[0], x:x + patch_width]
        # "Over" with a black layer below: alpha a + s (1 - a), colour f a / alpha.
        below = target[..., 3] * (255 - alpha)
        total = div255(below) + alpha
        half = total >> 1
        divisor = np.maximum(total, 1).astype(np.uint32)
        for channel in range(3):
            weighted = (block[..., channel] * alpha).astype(np.uint32)
            weighted += half
            target[..., channel] = weighted // divisor
        target[..., 3] = total
    return out


# ------------------------------------------------------------------ all of it

def render_product(rgba, *, size=2000, aspect=(1, 1), margin=0.1, background=(255, 255, 255),
                   shadow=False, shadow_strength=0.5, threshold=ALPHA_THRESHOLD,
                   min_area_fraction=MIN_AREA_FRACTION, return_layout=False):
    """Turn a cut-out into a product photo: subject cropped, centred, over a colour.

    :func:`subject_bbox`, then :func:`place_on_canvas`, with an optional
    :func:`contact_shadow` composited between the background and the subject.

    Parameters
    ----------
    rgba : numpy.ndarray
        (H, W, 4) uint8 cut-out, straight alpha. Not modified.
    size : int or None, optional
        Long side of the canvas (default 2000; ``SIZE_PRESETS`` or a custom
        int up to 4096), or None to keep the subject's resolution.
    aspect : tuple of float, optional
        ``(width, height)`` ratio of the canvas, default square.
    margin : float, optional
        Free space on each side, fraction of the short side, 0..0.45 (0.1).
    background : tuple of int or None, optional
        ``(r, g, b)``, default white; None keeps the canvas transparent.
    shadow : bool, optional
        Draw a soft contact shadow under the subject (default False).
    shadow_strength : float, optional
        0..1, the shadow's opacity (see :func:`contact_shadow`), default 0.5.
    threshold, min_area_fraction : optional
        How the subject is found, see :func:`subject_bbox`.
    return_layout : bool, optional
        Also return where the cut-out's pixels went (default False).

    Returns
    -------
    image : numpy.ndarray
        (h, w, 3) uint8 RGB, or (h, w, 4) uint8 RGBA when ``background`` is
        None; ``(h, w) = canvas_shape(size, aspect)``.
    layout : ProductLayout
        Only with ``return_layout``: the crop, scale and offset from the
        cut-out to the canvas (see :func:`product_layout`).

    Raises
    ------
    NoSubjectError
        No pixel of the cut-out is above ``threshold``: nothing to place.
        Its message is for the user ("No subject found...").
    ImageTypeError, InvalidImageError
        ``rgba`` is not a non-empty (H, W, 4) uint8 array.
    ArgumentTypeError, InvalidArgumentError
        Another argument has a bad type or value.

    Examples
    --------
    >>> rgba = np.zeros((30, 40, 4), np.uint8)
    >>> rgba[5:25, 10:20] = 255
    >>> render_product(rgba, size=1000, aspect=(4, 3), shadow=True).shape
    (750, 1000, 3)
    """
    check_rgba(rgba)
    background = _check_background(background)
    for name, value in (("shadow", shadow), ("return_layout", return_layout)):
        if not isinstance(value, (bool, np.bool_)):
            raise ArgumentTypeError(f"{name} must be a bool, got {value!r}")
    shadow_strength = check_number(shadow_strength, "shadow_strength", 0.0, 1.0)
    bbox = subject_bbox(rgba[..., 3], threshold, min_area_fraction)
    if bbox is None:
        raise NoSubjectError(
            "No subject found: the cut-out is fully transparent, there is nothing to place on the canvas.")
    patch, layout = _placed_subject(rgba, bbox, size, aspect, margin)
    (y, x), shape = layout.position, layout.canvas_shape
    shadow8 = None
    if shadow and shadow_strength > 0:
        alpha_on_canvas = np.zeros(shape, np.uint8)
        alpha_on_canvas[y:y + patch.shape[0], x:x + patch.shape[1]] = patch[..., 3]
        shadow8 = contact_shadow(alpha_on_canvas, shadow_strength)
        del alpha_on_canvas
    image = _composite_layers(patch, y, x, shape, background, shadow8)
    return (image, layout) if return_layout else image
