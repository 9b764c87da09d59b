"""Full-resolution alpha from the kept 320×320 mask: edge refinement and threshold clamping.

The model sees the photo at 320×320, so a plainly upscaled mask has edges as soft as a 320-px
pixel is wide (12 px at 12 MP), at roughly the right place. The full-resolution photo knows
where the edge really is. :func:`refine_alpha` uses it only where the mask is uncertain:

1. **Trimap at mask resolution.** Pixels of the mask >= 0.95 (<= 0.05), eroded by ``band``
   mask pixels, are surely foreground (background); everything else is the *uncertain band*.
2. **Local colour models at low resolution.** On a copy of the photo whose long side is
   :data:`COLOUR_SIZE` px, the mean colour of the sure foreground and of the sure background
   around each pixel (box means, widened where there is none nearby): ``F`` and ``B``.
3. **Per-pixel solve at full resolution, in the band only.** Each band pixel's colour ``I`` is
   projected on the segment from ``B`` to ``F``: ``alpha = (I - B)·(F - B) / |F - B|²``, the
   compositing equation ``I = alpha F + (1 - alpha) B`` solved in the least-squares sense. Its
   confidence is high when ``F`` and ``B`` differ and ``I`` lies near the segment; where it is
   low (textured or look-alike colours) the result falls back to the upscaled mask.
4. Outside the band the alpha is exactly 0 or 1.

The cost is the band's pixel count, not the image's: a few per cent of a 12 MP photo. The
method and its parameters were chosen with ``bench/quality.py`` (exact-ground-truth composites);
see the README for the numbers. ``"guided"`` (a fast colour-guided filter, coefficients at low
resolution applied at full resolution in the band) is kept for comparison; ``"none"`` is the
reference pipeline's plain bilinear upscale (:func:`peel.mask.upscale_mask`).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from ._checks import check_array, check_mask, check_number, check_rgba
from .errors import ArgumentTypeError, InvalidArgumentError
from .box import box_sum, local_mean, pixels32, take_columns
from .mask import upscale_mask

__all__ = ["REFINE_METHODS", "COLOUR_SIZE", "refine_alpha", "threshold_alpha", "downscale_rgb",
           "HINT_BACKGROUND", "HINT_FOREGROUND", "HINT_UNSURE", "HINT_NONE"]

#: Values of ``Settings.refine``.
REFINE_METHODS = ("none", "guided", "matte")
#: Long side, in pixels, of the low-resolution copy the colour statistics are taken from.
#: 320 and 640 gave the same alpha error in bench/quality.py; 320 is 4× cheaper.
COLOUR_SIZE = 320
#: Width of the uncertain band on each side of the mask's edge, in mask (320-px) pixels.
BAND = 2
#: Mask values at or beyond these are sure background / foreground (before erosion by BAND).
SURE_BACKGROUND, SURE_FOREGROUND = 0.05, 0.95

#: Values of a hint map (see refine_alpha's ``hints``; peel.hints makes them from brush strokes):
#: sure background (alpha 0), sure foreground (alpha 255), uncertain (solved from the photo's
#: colours even where the model was sure), and no hint (any other value; empty maps use 64).
HINT_BACKGROUND, HINT_FOREGROUND, HINT_UNSURE, HINT_NONE = 0, 255, 128, 64

# Radius of the local colour means, in band widths (box.WIDER: the wider radii tried where a pixel
# has no sure foreground (background) pixel within it).
_MEAN_RADIUS = 2.0
# Confidence of the colour solve: min(|F - B|² / _SEPARATION, 1) * exp(-residual² / _FIT), with
# colours in [0, 1] (full trust from |F - B| = 0.1 on; residual = |I - alpha F - (1 - alpha) B|).
_SEPARATION = 0.01
_FIT = 0.01
# Guided filter (method "guided"): radius in band widths, regularisation.
_GUIDED_EPS = 1e-3
# Long side of the grid the smooth low-resolution maps are looked up on (see lookup_grid): the
# maps are box means over >= 4 small-copy pixels, so 512 (8 px cells at 12 MP) loses nothing.
_GRID_SIDE = 512


def refine_alpha(rgba, mask, method="matte", *, small=None, hints=None):
    """Full-resolution alpha from a model mask, following the photo's edges.

    Parameters
    ----------
    rgba : numpy.ndarray
        (H, W, 4) uint8 original pixels (alpha ignored). Not modified.
    mask : numpy.ndarray
        (h, w) float array in [0, 1], the normalised model output ((320, 320) float32).
    method : {"matte", "guided", "none"}
        ``"none"`` is :func:`peel.mask.upscale_mask` (bilinear), bit for bit.
    small : numpy.ndarray, optional
        (h', w', 3) float32 in [0, 1]: ``downscale_rgb(rgba)``, when the caller has it already.
    hints : numpy.ndarray, optional
        (H, W) uint8 hint map (peel.hints): HINT_BACKGROUND / HINT_FOREGROUND pixels get alpha
        0 / 255 and also count as sure background / foreground for the local colour models;
        HINT_UNSURE pixels are solved from the colours even where the model was sure; any other
        value changes nothing. With ``method="none"`` only 0 and 255 act (HINT_UNSURE is no hint:
        the plain upscale has no colour model to solve with).

    Returns
    -------
    alpha8 : numpy.ndarray
        (H, W) uint8, writable unless ``method="none"`` (see :func:`peel.mask.upscale_mask`).

    Raises
    ------
    ImageTypeError, InvalidImageError
        ``rgba`` is not a non-empty (H, W, 4) uint8 array.
    ArgumentTypeError, InvalidArgumentError
        ``mask`` is not a 2-D float array without NaN, ``method`` is unknown, or ``hints`` is not
        an (H, W) uint8 array of the image's size.

    Examples
    --------
    >>> rgba = np.zeros((8, 320, 4), np.uint8)
    >>> rgba[:, 160:] = 255                         # a white subject on the right
    >>> mask = np.zeros((320, 320), np.float32)
    >>> mask[:, 158:] = 1.0                         # the model's edge is 2 px off
    >>> upscale_mask(mask, (8, 320))[0, 156:162]
    array([  0,   0, 255, 255, 255, 255], dtype=uint8)
    >>> refine_alpha(rgba, mask)[0, 156:162]        # the alpha follows the photo's edge
    array([  0,   0,   0,   0, 255, 255], dtype=uint8)
    """
    check_rgba(rgba)
    check_mask(mask)
    if method not in REFINE_METHODS:
        raise InvalidArgumentError(f"method must be one of {', '.join(REFINE_METHODS)}, got {method!r}")
    height, width = rgba.shape[:2]
    # Hints are read in their bounding box only: a few strokes cover a small part of a photo.
    box = _hint_box(hints, (height, width))
    hinted = box is not None
    if hinted:
        hints = hints[box]
    if method == "none":
        alpha8 = upscale_mask(mask, (height, width))
        if hinted:
            alpha8 = alpha8.copy()
            _apply_sure_hints(alpha8[box], hints)
        return alpha8

    mask = np.clip(mask.astype(np.float32), 0.0, 1.0)
    sure_fg = _erode(mask >= SURE_FOREGROUND, BAND)
    sure_bg = _erode(mask <= SURE_BACKGROUND, BAND)
    uncertain = ~(sure_fg | sure_bg)

    # Full-resolution pixel -> mask pixel, nearest (each mask pixel is a block of the image).
    mask_height, mask_width = mask.shape
    mask_row = _nearest_index(height, mask_height)
    mask_col = _nearest_index(width, mask_width)
    strip_start = np.searchsorted(mask_row, np.arange(mask_height), side="left")
    strip_end = np.searchsorted(mask_row, np.arange(mask_height), side="right")
    sure_rows = sure_fg[:, mask_col].astype(np.uint8) * np.uint8(255)  # (mask_height, W)
    uncertain_rows = uncertain[:, mask_col]
    alpha8 = np.empty((height, width), np.uint8)
    unsure_hints = hinted and bool((hints == HINT_UNSURE).any())
    if not uncertain.any() and not unsure_hints:
        for r in range(mask_height):
            alpha8[strip_start[r]:strip_end[r]] = sure_rows[r]
        if hinted:
            _apply_sure_hints(alpha8[box], hints)
        return alpha8

    if small is None:
        small = downscale_rgb(rgba)
    # Scale of the low-resolution copy, in its pixels per mask pixel.
    per_mask_pixel = max(small.shape[0] / mask_height, small.shape[1] / mask_width)
    radius = max(2, round(_MEAN_RADIUS * BAND * per_mask_pixel))
    if method == "matte":
        fg_small = _resize_nearest(sure_fg, small.shape[:2]).astype(bool)
        bg_small = _resize_nearest(sure_bg, small.shape[:2]).astype(bool)
        if hinted:  # painted pixels tell the colour models what each side looks like there
            small_box, centres = _sample_box(box, (height, width), small.shape[:2])
            sampled = hints[centres]
            for value, mine, other in ((HINT_FOREGROUND, fg_small, bg_small), (HINT_BACKGROUND, bg_small, fg_small)):
                painted = sampled == value
                mine[small_box] |= painted
                other[small_box] &= ~painted
            unsure = sampled == HINT_UNSURE  # the model was wrong here
            fg_small[small_box] &= ~unsure
            bg_small[small_box] &= ~unsure
        foreground, fg_found = local_mean(small, fg_small, radius, min_weight=1e-6)
        background, bg_found = local_mean(small, bg_small, radius, min_weight=1e-6)
        model = _matte_model(foreground, background, fg_found & bg_found)
        # Where only one side is known nearby, an uncertain hint takes that side, not the model's.
        one_side = np.where(fg_found & ~bg_found, 1.0, np.where(bg_found & ~fg_found, 0.0, np.nan))
        solve = _solve_matte
    else:
        mask_small = np.asarray(Image.fromarray(mask, "F").resize((small.shape[1], small.shape[0]),
                                                                  Image.Resampling.BILINEAR))
        model = _guided_coefficients(small, mask_small, radius, _GUIDED_EPS)
        model[..., :3] *= np.float32(1 / 255)  # A applies to colours in 0..255
        one_side = None
        solve = _solve_guided

    # One grid row per mask row, so that a strip of image rows reads one row of the model.
    lookup, _, grid_col = lookup_grid(model, (height, width), rows=mask_height)
    fallback_rows = _bilinear_table(height, mask_height)
    fallback_cols = _bilinear_table(width, mask_width)
    pixels = pixels32(rgba)
    # One strip of image rows per mask row: the band is a dense block (rows × band columns).
    for r in range(mask_height):
        top, bottom = strip_start[r], strip_end[r]
        if top == bottom:
            continue
        alpha8[top:bottom] = sure_rows[r]
        cols = np.flatnonzero(uncertain_rows[r])
        if cols.size == 0:
            continue
        colour = take_columns(pixels[top:bottom], cols)
        fallback = _interpolate(mask, fallback_rows, fallback_cols, slice(top, bottom), cols)
        alpha = solve(colour, lookup[r, grid_col[cols]], fallback)
        np.clip(alpha, 0.0, 1.0, out=alpha)
        alpha *= np.float32(255)
        alpha += np.float32(0.5)
        alpha8[top:bottom, cols] = alpha.astype(np.uint8)
    if unsure_hints:
        rows, cols = np.nonzero(hints == HINT_UNSURE)
        rows += box[0].start
        cols += box[1].start
        colour = rgba[rows, cols][None]
        fallback = _interpolate_points(mask, fallback_rows, fallback_cols, rows, cols)
        if one_side is not None:
            side = one_side[_nearest_index(height, small.shape[0])[rows], _nearest_index(width, small.shape[1])[cols]]
            fallback = np.where(np.isnan(side), fallback, side).astype(np.float32)
        alpha = solve(colour, lookup[mask_row[rows], grid_col[cols]], fallback[None])[0]
        np.clip(alpha, 0.0, 1.0, out=alpha)
        alpha8[rows, cols] = (alpha * np.float32(255) + np.float32(0.5)).astype(np.uint8)
    if hinted:
        _apply_sure_hints(alpha8[box], hints)
    return alpha8


def _hint_box(hints, size):
    """The rows and columns (slices) holding hints, or None when there are none.

    Validates the map ((H, W) uint8 of the image's size). Pixels of any value but HINT_NONE
    count, so the box may hold some "no hint" values other than HINT_NONE; never misses a hint.
    """
    if hints is None:
        return None
    check_array(hints, "hints", image=False)
    if hints.dtype != np.uint8:
        raise ArgumentTypeError(f"hints must be a uint8 array, got dtype {hints.dtype}")
    if hints.shape != size:
        raise InvalidArgumentError(f"hints must have the image's shape {size}, got {hints.shape}")
    rows = np.flatnonzero((hints != HINT_NONE).any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero((hints[rows[0]:rows[-1] + 1] != HINT_NONE).any(axis=0))
    box = slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)
    values = hints[box]
    if not ((values == HINT_BACKGROUND) | (values == HINT_FOREGROUND) | (values == HINT_UNSURE)).any():
        return None
    return box


def _sample_box(box, size, small_size):
    """The low-resolution pixels whose centres fall in ``box`` (full-resolution slices): their
    slices, and the index arrays of those centres relative to the box (for ``hints[box][...]``)."""
    out = []
    for part, full, low in zip(box, size, small_size):
        centres = ((np.arange(low) + 0.5) * (full / low)).astype(np.intp)  # full-res pixel at each centre
        inside = np.flatnonzero((centres >= part.start) & (centres < part.stop))
        if inside.size == 0:
            out.append((slice(0, 0), np.zeros(0, np.intp)))
        else:
            out.append((slice(inside[0], inside[-1] + 1), centres[inside] - part.start))
    (rows, row_index), (cols, col_index) = out
    return (rows, cols), np.ix_(row_index, col_index)


def _apply_sure_hints(alpha8, hints):
    """Alpha 0 / 255 where the hints say sure background / foreground."""
    alpha8[hints == HINT_BACKGROUND] = 0
    alpha8[hints == HINT_FOREGROUND] = 255


def _interpolate_points(values, rows_table, cols_table, rows, cols):
    """Bilinear samples of a small (h, w) float array at the pixels (rows[i], cols[i]): (n,)."""
    r0, r1, rw = (table[rows] for table in rows_table)
    c0, c1, cw = (table[cols] for table in cols_table)
    top = values[r0, c0] + (values[r0, c1] - values[r0, c0]) * cw
    bottom = values[r1, c0] + (values[r1, c1] - values[r1, c0]) * cw
    return top + (bottom - top) * rw


def _matte_model(foreground, background, found):
    """Per low-resolution pixel, what the band solve needs: (h, w, 9) float32, colours 0..255.

    Channels: B (3), d = F - B (3), 255² / (|d|² + tiny), the separation confidence
    min(|d|² / _SEPARATION, 1) (0 where F or B was not found), |d|² / 255². The two scaled
    channels keep the values within a few decades of 1.
    """
    background = background * np.float32(255)
    span = foreground * np.float32(255) - background
    separation = np.einsum("ijk,ijk->ij", span, span)
    trust = np.minimum(separation * np.float32(1 / (_SEPARATION * 255 ** 2)), 1.0) * found
    inverse = np.float32(255 ** 2) / (separation + np.float32(1e-4 * 255 ** 2))
    separation *= np.float32(1 / 255 ** 2)
    return np.concatenate([background, span, inverse[..., None], trust[..., None], separation[..., None]],
                          axis=2).astype(np.float32)


def _solve_matte(colour, model, fallback):
    """alpha (n, k) of a block of band pixels: colour (n, k, 4) uint8, model (k, 9) (see
    _matte_model: one row of it serves every row of the block), fallback (n, k).

    alpha = clip((I - B)·d / |d|²), the least-squares solution of I = B + alpha d; blended with
    the fallback by the confidence min(|d|²/s, 1) · exp(-|I - B - alpha d|² / f).
    """
    x0 = colour[..., 0] - model[:, 0]
    x1 = colour[..., 1] - model[:, 1]
    x2 = colour[..., 2] - model[:, 2]
    projection = x0 * model[:, 3]
    projection += x1 * model[:, 4]
    projection += x2 * model[:, 5]
    alpha = projection * model[:, 6]
    alpha *= np.float32(1 / 255 ** 2)
    np.clip(alpha, 0.0, 1.0, out=alpha)
    # |x - alpha d|² = |x|² - alpha (2 x·d - alpha |d|²)
    residual = x0 * x0
    residual += x1 * x1
    residual += x2 * x2
    projection *= 2
    projection -= alpha * model[:, 8] * np.float32(255 ** 2)
    projection *= alpha
    residual -= projection
    residual *= np.float32(-1 / (_FIT * 255 ** 2))
    confidence = np.exp(residual, out=residual)
    confidence *= model[:, 7]
    alpha -= fallback
    alpha *= confidence
    alpha += fallback
    return alpha


def _solve_guided(colour, model, fallback):
    """alpha = A·I + b: colour (n, k, 4) uint8, guided-filter coefficients (k, 4), as _solve_matte."""
    alpha = colour[..., 0] * model[:, 0]
    alpha += colour[..., 1] * model[:, 1]
    alpha += colour[..., 2] * model[:, 2]
    alpha += model[:, 3]
    return alpha


def threshold_alpha(alpha8, low, high):
    """Clamp an alpha: below ``low`` → 0, above ``high`` → 1, a linear ramp in between.

    Parameters
    ----------
    alpha8 : numpy.ndarray
        (H, W) uint8.
    low, high : float
        0 <= low <= high <= 1. ``low == high`` is a hard threshold (alpha >= low → 1);
        ``(0, 1)`` is the identity.

    Returns
    -------
    numpy.ndarray
        (H, W) uint8, a new array; ``alpha8`` itself for ``(0, 1)``. The mapping is monotonic.

    Raises
    ------
    ArgumentTypeError, InvalidArgumentError
        ``alpha8`` is not a 2-D uint8 array, or ``low``/``high`` are out of order or range.

    Examples
    --------
    >>> threshold_alpha(np.array([[0, 25, 128, 230, 255]], np.uint8), 0.1, 0.9)
    array([[  0,   0, 128, 255, 255]], dtype=uint8)
    """
    check_array(alpha8, "alpha8", image=False)
    if alpha8.dtype != np.uint8 or alpha8.ndim != 2:
        raise ArgumentTypeError(f"alpha8 must be a 2-D uint8 array, got {alpha8.dtype} {alpha8.shape}")
    low, high = check_number(low, "low", 0, 1), check_number(high, "high", 0, 1)
    if low > high:
        raise InvalidArgumentError(f"low must not exceed high, got low={low}, high={high}")
    if low == 0.0 and high == 1.0:
        return alpha8
    levels = np.arange(256, dtype=np.float64) / 255.0
    if high > low:
        lut = np.clip((levels - low) / (high - low), 0.0, 1.0)
    else:
        lut = (levels >= low).astype(np.float64)
    return np.round(lut * 255.0).astype(np.uint8)[alpha8]


def downscale_rgb(rgba, long_side=COLOUR_SIZE):
    """A small copy of the colours for local statistics.

    Parameters
    ----------
    rgba : numpy.ndarray
        (H, W, 4) uint8 (alpha ignored).
    long_side : int
        Longest side of the copy; images already smaller keep their size.

    Returns
    -------
    numpy.ndarray
        (h, w, 3) float32 in [0, 1], box-filtered (every source pixel counts once).
    """
    rgba = np.ascontiguousarray(check_rgba(rgba))
    height, width = rgba.shape[:2]
    scale = min(1.0, long_side / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = Image.frombuffer("RGBX", (width, height), rgba, "raw", "RGBX", 0, 1)
    if size != image.size:
        image = image.resize(size, Image.Resampling.BOX)
    small = np.asarray(image, np.float32)[..., :3]
    return small * np.float32(1 / 255)


# ---------------------------------------------------------------------------- helpers

def _nearest_index(size_out, size_in):
    """Source index of each output index for a nearest-neighbour resize (pixel centres)."""
    return ((np.arange(size_out) + 0.5) * (size_in / size_out)).astype(np.intp)


def _resize_nearest(binary, size):
    """(H, W) uint8 0/1: a boolean array resized nearest-neighbour, as refine_alpha maps pixels."""
    height, width = size
    rows = _nearest_index(height, binary.shape[0])
    cols = _nearest_index(width, binary.shape[1])
    return np.take(np.take(binary.astype(np.uint8), rows, axis=0), cols, axis=1)


def _erode(binary, radius):
    """Binary erosion by a (2r+1)² square; the image border does not erode."""
    if radius <= 0 or not binary.any():
        return binary.copy()
    counts = box_sum(np.ones(binary.shape), radius)
    return box_sum(binary, radius) >= counts - 0.5


def _guided_coefficients(guide, source, radius, eps):
    """Colour-guided filter coefficients (h, w, 4) float32: A (3) and b, averaged over windows."""
    count = box_sum(np.ones(source.shape), radius)

    def mean(values):
        total = box_sum(values, radius)
        return total / (count if total.ndim == 2 else count[..., None])

    mean_i = mean(guide)
    mean_p = mean(source)
    cov_ip = mean(guide * source[..., None]) - mean_i * mean_p[..., None]
    var = np.empty(source.shape + (3, 3))
    for i in range(3):
        for j in range(i, 3):
            var[..., i, j] = var[..., j, i] = mean(guide[..., i] * guide[..., j]) - mean_i[..., i] * mean_i[..., j]
    var += eps * np.eye(3)
    a = np.linalg.solve(var, cov_ip[..., None])[..., 0]
    b = mean_p - np.einsum("...i,...i->...", a, mean_i)
    return np.concatenate([mean(a), mean(b)[..., None]], axis=2).astype(np.float32)


def lookup_grid(values, size, rows=None):
    """Smooth low-resolution maps, made ready for one lookup per full-resolution pixel.

    The maps (colour means, filter coefficients) vary over tens of pixels, so they are
    bilinearly upscaled once to a grid whose long side is at most :data:`_GRID_SIDE` and then read
    with a nearest-neighbour gather, which costs a few operations per pixel instead of four
    gathers and three interpolations.

    Parameters
    ----------
    values : numpy.ndarray
        (h, w, c) float32 maps.
    size : tuple of int
        (H, W) of the full-resolution image.
    rows : int, optional
        Rows of the grid, instead of the long-side rule (refine_alpha uses the mask's rows).

    Returns
    -------
    lookup : numpy.ndarray
        (gh, gw, c) float32.
    row_index, col_index : numpy.ndarray
        (H,) and (W,) intp: pixel (y, x) reads ``lookup[row_index[y], col_index[x]]``.
    """
    height, width = size
    scale = min(1.0, _GRID_SIDE / max(height, width))
    grid_height, grid_width = max(1, round(height * scale)), max(1, round(width * scale))
    if rows is not None:
        grid_height = rows
    channels = values.shape[2]
    grid = np.empty((grid_height, grid_width, channels), np.float32)
    for channel in range(channels):
        plane = Image.fromarray(np.ascontiguousarray(values[..., channel], np.float32), "F")
        grid[..., channel] = np.asarray(plane.resize((grid_width, grid_height), Image.Resampling.BILINEAR))
    row_index = _nearest_index(height, grid_height)
    col_index = _nearest_index(width, grid_width)
    return grid, row_index, col_index


def _bilinear_table(size_out, size_in):
    """Per output index: (first source index, second, weight of the second), Pillow's alignment."""
    position = (np.arange(size_out, dtype=np.float64) + 0.5) * (size_in / size_out) - 0.5
    np.clip(position, 0, size_in - 1, out=position)
    first = position.astype(np.intp)
    second = np.minimum(first + 1, size_in - 1)
    return first, second, (position - first).astype(np.float32)


def _interpolate(values, rows_table, cols_table, rows, cols):
    """Bilinear samples of a small (h, w) float array at image rows × cols: (len(rows), len(cols))."""
    first, second, weight = (table[rows] for table in rows_table)
    lines = values[first] + (values[second] - values[first]) * weight[:, None]
    first, second, weight = (table[cols] for table in cols_table)
    return lines[:, first] + (lines[:, second] - lines[:, first]) * weight
