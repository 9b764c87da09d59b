"""Colour decontamination: the subject's own colour where its alpha is partial.

A pixel at a soft edge (hair, a blurred outline, an antialiased border) is a mix
``I = alpha F + (1 - alpha) B`` of the subject's colour ``F`` and the old background's ``B``.
Keeping ``I`` as the cut-out's colour brings the old background along: a fringe that shows on any
new background. :func:`decontaminate` replaces ``I`` by an estimate of ``F`` with *blur fusion*
(Forte & Pitié, "Approximate Fast Foreground Colour Estimation", ICIP 2021)::

    F_mean = blur(alpha I) / blur(alpha)            # local foreground colour
    B_mean = blur((1 - alpha) I) / blur(1 - alpha)  # local background colour
    F = F_mean + alpha (I - alpha F_mean - (1 - alpha) B_mean)

The blurs run on a small copy of the photo (long side :data:`peel.refine.COLOUR_SIZE`) and the
last line only on the partial pixels at full resolution, so the cost follows the edge's length,
not the image's size.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from ._checks import check_alpha8, check_array, check_number, check_rgba
from .box import WIDER, local_mean, pixels32, take_columns
from .errors import InvalidArgumentError
from .refine import downscale_rgb, lookup_grid, lookup_reads, resize_part

__all__ = ["DECONTAMINATION_RADIUS", "colour_means", "decontaminate", "partial_pixels"]

#: Radius of the blur-fusion box means, in pixels of the small copy (chosen with bench/quality.py).
DECONTAMINATION_RADIUS = 2
_PARTIAL = np.ones(256, bool)
_PARTIAL[[0, 255]] = False


def partial_pixels(alpha8):
    """Flat indices (int) of the pixels whose alpha is neither 0 nor 255, in row-major order."""
    return np.flatnonzero(_PARTIAL[alpha8])


def decontaminate(rgba, alpha8, strength=1.0, *, small=None, out=None, window=None, means=None):
    """Estimate the foreground colour of the partially transparent pixels.

    Parameters
    ----------
    rgba : numpy.ndarray
        (H, W, 4) uint8 original pixels; only the colour channels are read.
    alpha8 : numpy.ndarray
        (H, W) uint8 alpha of the cut-out (before any original transparency).
    strength : float
        0..1: 0 keeps the photo's colours, 1 uses the estimate, in between blends linearly.
    small : numpy.ndarray, optional
        (h, w, 3) float32 ``peel.refine.downscale_rgb(rgba)``, when the caller has it already.
    out : numpy.ndarray, optional
        (H, W, 4) uint8 writable array whose colour channels receive the result at the partial
        pixels (other pixels and the alpha channel are left alone); ``out=rgba`` works in place.
        By default a copy of ``rgba`` is made.
    window : tuple of slice, optional
        (rows, cols) slices with step 1: only the partial pixels inside it are written (with
        the colours the whole image's means give them), for a re-render of a region.
    means : numpy.ndarray, optional
        (h, w, 9) float32 :func:`colour_means` of ``alpha8``, right where the window reads them,
        when the caller keeps them.

    Returns
    -------
    numpy.ndarray
        (H, W, 4) uint8: ``out``, with new colours where ``0 < alpha8 < 255``.

    Raises
    ------
    ImageTypeError, InvalidImageError
        ``rgba`` is not a non-empty (H, W, 4) uint8 array.
    ArgumentTypeError, InvalidArgumentError
        ``alpha8``, ``strength`` or ``out`` is unusable.

    Examples
    --------
    >>> rgba = np.zeros((1, 64, 4), np.uint8)
    >>> rgba[0, :32, :3] = (255, 0, 0)              # a red subject ...
    >>> rgba[0, 32:, :3] = (0, 0, 255)              # ... on blue
    >>> rgba[0, 32, :3] = (128, 0, 127)             # an edge pixel: half red, half blue
    >>> alpha8 = np.zeros((1, 64), np.uint8)
    >>> alpha8[0, :32], alpha8[0, 32] = 255, 128
    >>> decontaminate(rgba, alpha8)[0, 32, :3]      # mostly red again: the blue fringe is gone
    array([230,   0,  25], dtype=uint8)
    """
    check_rgba(rgba)
    check_alpha8(alpha8, rgba)
    strength = check_number(strength, "strength", 0, 1)
    if out is None:
        out = rgba.copy()
    elif out is not rgba:
        check_array(out, "out", image=False)
        if out.dtype != np.uint8 or out.shape != rgba.shape:
            raise InvalidArgumentError(f"out must be a uint8 array of shape {rgba.shape}, got {out.dtype} {out.shape}")
    if not out.flags.writeable:
        raise InvalidArgumentError("out is read-only; pass a writable array or out=None")
    if not out.flags.c_contiguous:
        raise InvalidArgumentError("out must be C-contiguous")

    height, width = alpha8.shape
    window = (slice(0, height), slice(0, width)) if window is None else window
    top0, left0 = window[0].start, window[1].start
    partial = _PARTIAL[alpha8[window]]
    partial_rows = partial.any(axis=1)
    if strength == 0 or not partial_rows.any():
        return out
    if small is None:
        small = downscale_rgb(rgba)
    if means is None:
        means = colour_means(small, alpha8, window)
    grid, grid_row, grid_col = lookup_grid(means, (height, width), window)
    strips = np.searchsorted(grid_row, np.arange(grid.shape[0] + 1))
    pixels = pixels32(rgba)[window]
    out_pixels = pixels32(out)[window]  # a view: out is C-contiguous
    alpha8 = alpha8[window]
    # One strip of the window's rows per grid row: the partial pixels of a strip form a dense
    # block (rows × the columns that have any), which reads one row of the grid. Each colour
    # channel is computed as one contiguous (rows, columns) plane.
    for g in range(grid.shape[0]):
        top, bottom = strips[g], strips[g + 1]
        if top >= bottom or not partial_rows[top:bottom].any():
            continue
        block = partial[top:bottom]
        cols = np.flatnonzero(block.any(axis=0))
        where = np.take(block, cols, axis=1)
        colours = take_columns(pixels[top:bottom], cols)
        alpha = np.take(alpha8[top:bottom], cols, axis=1).astype(np.float32)
        alpha *= np.float32(1 / 255)
        means = grid[g, grid_col[cols]]
        target = np.take(out_pixels[top:bottom], cols, axis=1)
        target_bytes = target.view(np.uint8).reshape(target.shape + (4,))
        for channel in range(3):
            colour = colours[..., channel]
            estimate = colour - means[:, 3 + channel]
            estimate -= alpha * means[:, 6 + channel]
            estimate *= alpha
            estimate += means[:, channel]
            np.clip(estimate, 0.0, 255.0, out=estimate)
            if strength < 1:
                estimate -= colour
                estimate *= np.float32(strength)
                estimate += colour
            estimate += np.float32(0.5)
            np.copyto(target_bytes[..., channel], estimate, casting="unsafe", where=where)
        out_pixels[top:bottom, cols] = target
    return out


def colour_means(small, alpha8, window=None):
    """The local colours :func:`decontaminate` estimates the subject's colour from.

    Parameters
    ----------
    small : numpy.ndarray
        (h, w, 3) float32 ``peel.refine.downscale_rgb`` of the photo.
    alpha8 : numpy.ndarray
        (H, W) uint8 alpha of the cut-out.
    window : tuple of slice, optional
        (rows, cols) of the image: only the means its pixels read are made
        (:func:`peel.refine.lookup_reads`; 0 elsewhere), from that part and the means' widest
        window around it, so that the cost follows the region; the part equals the whole
        image's (to the rounding of the box sums, and of Pillow's resize where the scale is not a
        binary fraction).

    Returns
    -------
    numpy.ndarray
        (h, w, 9) float32 in 0..255 on the small copy's grid: F, B and F - B, the local foreground
        and background colours (blur fusion's means) and their difference.
    """
    height, width = alpha8.shape
    window = (slice(0, height), slice(0, width)) if window is None else window
    small_height, small_width = small.shape[:2]
    reads = lookup_reads((small_height, small_width), (height, width), window)
    reach = DECONTAMINATION_RADIUS * WIDER[-1]
    crop = tuple(slice(max(0, r.start - reach), min(n, r.stop + reach)) for r, n in zip(reads, (small_height, small_width)))
    weight = np.asarray(resize_part(Image.fromarray(alpha8, "L"), (small_height, small_width), crop,
                                    Image.Resampling.BOX), np.float32)
    weight *= np.float32(1 / 255)
    colours = small[crop]
    foreground = _weighted_mean(colours, weight)
    background = _weighted_mean(colours, 1.0 - weight)
    inner = tuple(slice(r.start - c.start, r.stop - c.start) for r, c in zip(reads, crop))
    means = np.zeros((small_height, small_width, 9), np.float32)
    part = means[reads]
    part[..., 0:3] = foreground[inner]
    part[..., 3:6] = background[inner]
    np.subtract(part[..., 0:3], part[..., 3:6], out=part[..., 6:9])
    part *= np.float32(255)
    return means


def _weighted_mean(colours, weight):
    """box(weight · colours) / box(weight), widening the box where the weight is all zero."""
    mean, found = local_mean(colours, weight, DECONTAMINATION_RADIUS, min_weight=1e-3)
    # Nothing at all on one side (e.g. no background anywhere): the photo's own colour.
    mean[~found] = colours[~found]
    return mean
