"""Product photos: the cut-out cropped to its subject, centred on a canvas.

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

import numpy as np
from PIL import Image, ImageFilter

from ._checks import check_array, check_rgba
from .errors import ArgumentTypeError, InvalidArgumentError, NoSubjectError

__all__ = [
    "ALPHA_THRESHOLD",
    "MIN_AREA_FRACTION",
    "SIZE_PRESETS",
    "MAX_CANVAS_SIDE",
    "MAX_MARGIN",
    "NoSubjectError",
    "subject_bbox",
    "canvas_shape",
    "place_on_canvas",
    "contact_shadow",
    "render_product",
]

#: Alpha values above this count as subject when looking for its box. The
#: cut-out's background is mostly alpha 1–2 (the model's min–max-normalised
#: haze, bilinearly upscaled), which must not stretch the box; what lies
#: outside the box is cropped away, and at 8/255 (3 %) that cut is invisible.
ALPHA_THRESHOLD = 8
#: A connected part of the subject smaller than this fraction of the largest
#: part (by area above the threshold) is a stray speck and is ignored.
MIN_AREA_FRACTION = 0.01
#: Output sizes (long side, px) offered as presets; any int up to
#: MAX_CANVAS_SIDE is accepted as a custom size.
SIZE_PRESETS = (1000, 1600, 2000)
#: Largest canvas side. A 4096² RGBA canvas is 64 MB, about what the WASM heap
#: can spare beside a 12–24 MP cut-out.
MAX_CANVAS_SIDE = 4096
#: Largest margin, as a fraction of the canvas's short side, on each side.
MAX_MARGIN = 0.45
#: Peak opacity of the contact shadow at strength 1 where the footprint is solid.
SHADOW_OPACITY = 0.75

# Grid for speck filtering: the mask is reduced to cells of FxF pixels with
# F <= 22, so that one pixel above the threshold (255 in a 0/255 mask) still
# rounds to a non-zero cell mean (255 / 22² = 0.53) in Pillow's box reduce.
_GRID_SIDE = 256
_MAX_CELL = 22
# Pixels per block of the premultiply and compositing loops: ~1 MB of RGBA,
# small temporaries instead of 12 MP ones (see composite.py).
_BLOCK_PIXELS = 1 << 18
# Pillow ``reducing_gap`` of the subject's resize: box-reduce first while at least 3× the target
# size is left ("indistinguishable from fair resampling in most cases", Pillow's docs).
_REDUCING_GAP = 3.0
# Contact shadow geometry, as fractions of the subject's box on the canvas.
_FOOT_BAND = 0.12     # bottom part of the silhouette the footprint is taken from
_FOOT_HEIGHT = 0.05   # height of the squashed footprint, x subject size
_FOOT_BLUR = 0.025    # Gaussian sigma, x subject size
_FOOT_DROP = 0.25     # how far the footprint's centre sits below the box, x its height


# ----------------------------------------------------------------- validation

def _check_alpha8(alpha8, name):
    check_array(alpha8, name, image=False)
    if alpha8.dtype != np.uint8:
        raise ArgumentTypeError(f"{name} must have dtype uint8, got {alpha8.dtype}")
    if alpha8.ndim != 2:
        raise InvalidArgumentError(f"{name} must have shape (H, W), got {alpha8.shape}")
    if alpha8.size == 0:
        raise InvalidArgumentError(f"{name} must not be empty, got shape {alpha8.shape}")
    return alpha8


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _check_real(value, name, low, high):
    """Return ``value`` as a float in [low, high], or raise the typed error."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not low <= value <= high:  # also rejects NaN
        raise InvalidArgumentError(f"{name} must be between {low} and {high}, got {value!r}")
    return value


def _check_threshold(threshold):
    if not _is_int(threshold):
        raise ArgumentTypeError(f"threshold must be an int, got {threshold!r}")
    if not 0 <= threshold <= 254:
        raise InvalidArgumentError(f"threshold must be between 0 and 254, got {threshold!r}")
    return int(threshold)


def _check_bbox(bbox, shape):
    try:
        top, left, bottom, right = bbox
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"bbox must be a (top, left, bottom, right) tuple, got {bbox!r}") from None
    if not all(_is_int(value) for value in (top, left, bottom, right)):
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
    if len(colour) != 3 or not all(_is_int(value) for value in colour):
        raise ArgumentTypeError(f"background must be an (r, g, b) tuple of ints or None, got {background!r}")
    if not all(0 <= value <= 255 for value in colour):
        raise InvalidArgumentError(f"background values must be between 0 and 255, got {background!r}")
    return tuple(int(value) for value in colour)


# ------------------------------------------------------------- subject's box

def subject_bbox(alpha8, threshold=ALPHA_THRESHOLD, min_area_fraction=MIN_AREA_FRACTION):
    """Find the bounding box of the subject in an alpha mask, ignoring specks.

    Pixels with ``alpha8 > threshold`` are split into connected parts
    (8-connectivity) on a grid of cells of at most 22×22 pixels (about 256
    cells on the long side; exact pixels for images up to 256 px). Parts
    whose area is below ``min_area_fraction`` of the largest part's are
    specks and are dropped; the box is then measured exactly, at full
    resolution, around the pixels above the threshold in the kept cells.

    Parts closer than about one cell (16 px at 4000×3000) count as one, so a
    speck that close to the subject stays in its box; a speck within the box
    of the kept parts is not removed by cropping either.

    Parameters
    ----------
    alpha8 : numpy.ndarray
        (H, W) uint8 alpha of the cut-out, 255 = subject. Not modified.
    threshold : int, optional
        Alpha values above it count as subject, 0..254 (default 8).
    min_area_fraction : float, optional
        Smallest part kept, as a fraction of the largest part's area, 0..1
        (default 0.01). 0 keeps every part; 1 keeps only the largest (and
        any of the same area).

    Returns
    -------
    bbox : tuple of int or None
        ``(top, left, bottom, right)``, bottom and right exclusive, so that
        ``alpha8[top:bottom, left:right]`` holds the subject; ``None`` when
        no pixel is above the threshold (nothing was cut out: the caller
        shows "No subject found", see :class:`NoSubjectError`).

    Raises
    ------
    ArgumentTypeError, InvalidArgumentError
        ``alpha8`` is not a non-empty 2-D uint8 array, or ``threshold`` or
        ``min_area_fraction`` is out of range.

    Examples
    --------
    >>> alpha8 = np.zeros((100, 100), np.uint8)
    >>> alpha8[20:60, 30:50] = 255   # the subject
    >>> alpha8[90, 5] = 255          # a speck
    >>> subject_bbox(alpha8)
    (20, 30, 60, 50)
    >>> subject_bbox(np.zeros((4, 4), np.uint8)) is None
    True
    """
    _check_alpha8(alpha8, "alpha8")
    threshold = _check_threshold(threshold)
    min_area_fraction = _check_real(min_area_fraction, "min_area_fraction", 0.0, 1.0)
    height, width = alpha8.shape

    # 0/255 mask, one byte per pixel (the only full-size temporary).
    mask = np.greater(alpha8, threshold).view(np.uint8)
    if not mask.any():
        return None
    np.negative(mask, out=mask)  # 1 -> 255
    cell = min(_MAX_CELL, -(-max(height, width) // _GRID_SIDE))
    if cell == 1:
        coverage = mask
    else:
        image = Image.frombuffer("L", (width, height), mask, "raw", "L", 0, 1)
        coverage = np.asarray(image.reduce(cell))
    del mask

    keep = _keep_large_parts(coverage, min_area_fraction)
    return _refine_bbox(alpha8, threshold, keep, cell)


def _keep_large_parts(coverage, min_area_fraction):
    """Return the (h, w) bool grid of the cells of the parts that are kept.

    ``coverage`` holds the mean of the 0/255 mask per cell: non-zero cells are
    occupied, and their values add up to the area of a part. Labelling is by
    runs: the occupied cells of each row form runs, runs of adjacent rows that
    touch (diagonally too) are joined, and the joins are resolved by min-label
    propagation with pointer jumping, all vectorised (no Python loop per cell).
    """
    rows, cols = coverage.shape
    occupied = np.zeros((rows, cols + 2), np.int8)
    occupied[:, 1:-1] = coverage > 0
    steps = np.diff(occupied, axis=1)  # +1 where a run starts, -1 one past its end
    run_row, run_start = np.nonzero(steps == 1)
    run_end = np.nonzero(steps == -1)[1]  # same row-major order as the starts
    count = run_row.size

    # Area of each run from per-row cumulative sums.
    cumulative = np.zeros((rows, cols + 1), np.int64)
    np.cumsum(coverage, axis=1, dtype=np.int64, out=cumulative[:, 1:])
    run_area = cumulative[run_row, run_end] - cumulative[run_row, run_start]

    # Runs of the previous row that touch run b: start <= end_b and end >= start_b.
    # Runs are sorted by (row, start) and do not overlap, so with keys
    # row * stride + column both conditions are one binary search each.
    stride = cols + 2
    start_key = run_row * stride + run_start
    end_key = run_row * stride + run_end
    above = (run_row - 1) * stride
    first = np.searchsorted(end_key, above + run_start, side="left")
    last = np.searchsorted(start_key, above + run_end, side="right")
    touching = np.maximum(last - first, 0)
    touching[run_row == 0] = 0
    lower = np.repeat(np.arange(count), touching)
    offsets = np.arange(lower.size) - np.repeat(np.cumsum(touching) - touching, touching)
    upper = np.repeat(first, touching) + offsets

    labels = np.arange(count)
    while lower.size:
        merged = labels.copy()
        np.minimum.at(merged, lower, labels[upper])
        np.minimum.at(merged, upper, labels[lower])
        while True:  # pointer jumping: a label's label is in the same part
            jumped = merged[merged]
            if np.array_equal(jumped, merged):
                break
            merged = jumped
        if np.array_equal(merged, labels):
            break
        labels = merged

    part_area = np.bincount(labels, weights=run_area, minlength=count)
    kept_parts = part_area >= min_area_fraction * part_area.max()
    kept_runs = np.nonzero(kept_parts[labels])[0]
    # Paint the kept runs: +1 at each start, -1 at each end, cumulative sum.
    paint = np.zeros((rows, cols + 1), np.int32)
    np.add.at(paint, (run_row[kept_runs], run_start[kept_runs]), 1)
    np.add.at(paint, (run_row[kept_runs], run_end[kept_runs]), -1)
    return np.cumsum(paint, axis=1)[:, :cols] > 0


def _refine_bbox(alpha8, threshold, keep, cell):
    """Exact box of the pixels above ``threshold`` in the kept cells."""
    height, width = alpha8.shape
    kept_rows = np.nonzero(keep.any(axis=1))[0]
    kept_cols = np.nonzero(keep.any(axis=0))[0]
    first_row, last_row = kept_rows[0], kept_rows[-1]
    first_col, last_col = kept_cols[0], kept_cols[-1]

    def rows_in(grid_row):
        # Pixel rows of one grid row, restricted to the columns of its kept cells.
        band = alpha8[grid_row * cell:(grid_row + 1) * cell] > threshold
        band &= np.repeat(keep[grid_row], cell)[:width]
        return np.nonzero(band.any(axis=1))[0] + grid_row * cell

    def cols_in(grid_col):
        band = alpha8[:, grid_col * cell:(grid_col + 1) * cell] > threshold
        band &= np.repeat(keep[:, grid_col], cell)[:height, None]
        return np.nonzero(band.any(axis=0))[0] + grid_col * cell

    top = int(rows_in(first_row)[0])
    bottom = int(rows_in(last_row)[-1]) + 1
    left = int(cols_in(first_col)[0])
    right = int(cols_in(last_col)[-1]) + 1
    return top, left, bottom, right


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
    if not _is_int(size):
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


def _layout(bbox, shape, margin, keep_scale):
    """Size and position of the scaled subject on the canvas: (height, width, y, x)."""
    top, left, bottom, right = bbox
    box_height, box_width = bottom - top, right - left
    height, width = shape
    inset = _margin_pixels(shape, margin)
    inner_height, inner_width = height - 2 * inset, width - 2 * inset
    if keep_scale and box_height <= inner_height and box_width <= inner_width:
        placed_height, placed_width = box_height, box_width
    else:
        scale = min(inner_width / box_width, inner_height / box_height)
        placed_height = min(inner_height, max(1, round(box_height * scale)))
        placed_width = min(inner_width, max(1, round(box_width * scale)))
    return placed_height, placed_width, (height - placed_height) // 2, (width - placed_width) // 2


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
    """Validate, then return (patch, y, x, canvas shape) of the subject placed on the canvas."""
    check_rgba(rgba)
    bbox = _check_bbox(bbox, rgba.shape[:2])
    margin = _check_real(margin, "margin", 0.0, MAX_MARGIN)
    if size is None:
        box_shape = (bbox[2] - bbox[0], bbox[3] - bbox[1])
        shape = _natural_shape(box_shape, aspect, margin)
    else:
        shape = canvas_shape(size, aspect)
    placed_height, placed_width, y, x = _layout(bbox, shape, margin, keep_scale=size is None)
    patch = _scaled_patch(rgba, bbox, (placed_height, placed_width))
    return patch, y, x, shape


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
    patch, y, x, shape = _placed_subject(rgba, bbox, size, aspect, margin)
    return _composite_layers(patch, y, x, shape, background, None)


# --------------------------------------------------------------------- shadow

def contact_shadow(alpha_on_canvas, strength=0.5):
    """Draw a soft contact shadow under the subject, from its alpha on the canvas.

    The bottom 12 % of the subject's silhouette (alpha above
    ``ALPHA_THRESHOLD``) is squashed into a thin footprint as wide as that
    band and 5 % of the subject's size high (size: geometric mean of the
    box's sides), centred just below the subject's bottom edge and blurred
    with a Gaussian (sigma 2.5 % of the size; Pillow's box-filter
    approximation). Bases that are wide give wide shadows, a thin
    stem gives a small one. When the margin leaves less room below or beside
    the subject than the shadow needs, the whole shadow is shrunk towards the
    contact line, so it fades to zero inside the canvas (the outer rows and
    columns stay 0) instead of being cut off by its edge; only where the
    subject itself touches an edge is the shadow cut there too, and with no
    room below at all it shrinks to a line under the subject's last row.

    Parameters
    ----------
    alpha_on_canvas : numpy.ndarray
        (h, w) uint8 alpha of the subject placed on the canvas. Not modified.
    strength : float, optional
        0..1; the peak shadow opacity is ``0.75 * strength`` under a solid
        base. 0 gives no shadow at all (all zeros).

    Returns
    -------
    shadow8 : numpy.ndarray
        (h, w) uint8 opacity of a black shadow layer, to be composited over
        the background and under the subject.

    Raises
    ------
    ArgumentTypeError, InvalidArgumentError
        ``alpha_on_canvas`` is not a non-empty 2-D uint8 array, or
        ``strength`` is not a number in [0, 1].

    Examples
    --------
    >>> alpha = np.zeros((100, 100), np.uint8)
    >>> alpha[20:80, 30:70] = 255
    >>> shadow = contact_shadow(alpha, 1.0)
    >>> shadow.dtype, bool(shadow[82, 50] > 0), int(shadow[:, 0].max()), int(shadow[-1].max())
    (dtype('uint8'), True, 0, 0)
    """
    _check_alpha8(alpha_on_canvas, "alpha_on_canvas")
    strength = _check_real(strength, "strength", 0.0, 1.0)
    height, width = alpha_on_canvas.shape
    shadow = np.zeros((height, width), np.uint8)
    solid = alpha_on_canvas > ALPHA_THRESHOLD
    rows = np.nonzero(solid.any(axis=1))[0]
    if strength == 0 or rows.size == 0:
        return shadow
    cols = np.nonzero(solid.any(axis=0))[0]
    del solid
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    left, right = int(cols[0]), int(cols[-1]) + 1
    subject_width = right - left
    # Size of the subject: geometric mean of its sides, so that a tall bottle
    # and a flat plate of the same area get shadows of about the same softness.
    subject_size = math.sqrt(subject_width * (bottom - top))

    # Footprint: the bottom band of the silhouette, each column averaged.
    band_height = max(1, round(_FOOT_BAND * (bottom - top)))
    band = Image.fromarray(np.ascontiguousarray(alpha_on_canvas[bottom - band_height:bottom, left:right]))
    foot_height = _FOOT_HEIGHT * subject_size
    sigma = _FOOT_BLUR * subject_size
    drop = _FOOT_DROP * foot_height

    column_weight = np.asarray(band.resize((subject_width, 1), Image.Resampling.BOX))[0]
    used = np.nonzero(column_weight)[0]
    if used.size == 0:
        return shadow
    foot_left, foot_right = left + int(used[0]), left + int(used[-1])

    # Keep the canvas's outer rows and columns free where the subject leaves
    # room: shrink the shadow (footprint, blur and drop together) until it fits.
    # A side the footprint itself touches is cut by the edge like the subject.
    lowest = max(bottom - 1, height - 2)
    side_room = min([room for room in (foot_left - 1, width - 2 - foot_right) if room >= 0] or [math.inf])
    shrink = 1.0
    while True:
        foot_rows = max(1, round(foot_height * shrink))
        blur = sigma * shrink if sigma * shrink > 0.25 else 0.0
        # Pillow's box-filter Gaussian reaches at most ceil(3 sigma) pixels.
        reach = math.ceil(3 * blur) if blur else 0
        first_row = bottom - foot_rows // 2 + round(drop * shrink)
        if shrink == 0.0 or (first_row + foot_rows - 1 + reach <= lowest and reach <= side_room):
            break
        shrink = shrink * 0.8 if shrink > 0.01 else 0.0
    # With no room at all the footprint hides under the subject's last row.
    first_row = min(first_row, lowest - reach - foot_rows + 1)

    # Draw the footprint with padding, blur it, scale by the strength.
    pad = reach + 1
    local = np.zeros((foot_rows + 2 * pad, subject_width + 2 * pad), np.uint8)
    local[pad:pad + foot_rows, pad:pad + subject_width] = column_weight
    image = Image.fromarray(local)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    lut = [round(value * SHADOW_OPACITY * strength) for value in range(256)]
    local = np.asarray(image.point(lut))

    # Paste it on the canvas, clipped (the fit above makes the clip a no-op
    # except where the subject itself touches the canvas's edge).
    y, x = first_row - pad, left - pad
    y0, x0 = max(0, y), max(0, x)
    y1, x1 = min(height, y + local.shape[0]), min(width, x + local.shape[1])
    if y0 < y1 and x0 < x1:
        shadow[y0:y1, x0:x1] = local[y0 - y:y1 - y, x0 - x:x1 - x]
    return shadow


# ---------------------------------------------------------------- compositing

def _muldiv255(values):
    """``round(values / 255)`` in place for uint16 values up to 255 * 255."""
    values += 128
    values += values >> 8
    values >>= 8
    return values


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
        rows_used = np.nonzero(shadow8.any(axis=1))[0] if shadow8 is not None else ()
        if len(rows_used):
            # bg * (1 - s) for every s, per channel, then a lookup over the
            # shadow's own box only.
            cols_used = np.nonzero(shadow8.any(axis=0))[0]
            region = (slice(rows_used[0], rows_used[-1] + 1), slice(cols_used[0], cols_used[-1] + 1))
            darkened = 255 - np.arange(256, dtype=np.uint16)
            for channel, value in enumerate(background):
                lut = _muldiv255(darkened * value).astype(np.uint8)
                out[region + (channel,)] = lut[shadow8[region]]
        for row in range(0, patch_height, rows):
            block = patch[row:row + rows]
            alpha = block[..., 3].astype(np.uint16)
            inverse = 255 - alpha
            target = out[y + row:y + row + block.shape[0], x:x + patch_width]
            for channel in range(3):
                values = block[..., channel] * alpha  # uint16: <= 255 * 255 with the next term
                values += target[..., channel] * inverse
                target[..., channel] = _muldiv255(values)
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
        total = _muldiv255(below) + alpha
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
                   min_area_fraction=MIN_AREA_FRACTION):
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

    Returns
    -------
    image : numpy.ndarray
        (h, w, 3) uint8 RGB, or (h, w, 4) uint8 RGBA when ``background`` is
        None; ``(h, w) = canvas_shape(size, aspect)``.

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
    if not isinstance(shadow, (bool, np.bool_)):
        raise ArgumentTypeError(f"shadow must be a bool, got {shadow!r}")
    shadow_strength = _check_real(shadow_strength, "shadow_strength", 0.0, 1.0)
    bbox = subject_bbox(rgba[..., 3], threshold, min_area_fraction)
    if bbox is None:
        raise NoSubjectError(
            "No subject found: the cut-out is fully transparent, there is nothing to place on the canvas.")
    patch, y, x, shape = _placed_subject(rgba, bbox, size, aspect, margin)
    shadow8 = None
    if shadow and shadow_strength > 0:
        alpha_on_canvas = np.zeros(shape, np.uint8)
        alpha_on_canvas[y:y + patch.shape[0], x:x + patch.shape[1]] = patch[..., 3]
        shadow8 = contact_shadow(alpha_on_canvas, shadow_strength)
        del alpha_on_canvas
    return _composite_layers(patch, y, x, shape, background, shadow8)
