"""Box (window) sums over summed-area tables, and whole-pixel gathers: shared by refine and foreground.

Windows are (2r+1)² squares clipped to the array, so a border pixel averages over fewer
neighbours instead of over padding. Everything is float64 sums of float32 or bool inputs.

Examples
--------
>>> import numpy as np
>>> box_sum(np.ones((3, 4)), 1)
array([[4., 6., 6., 4.],
       [6., 9., 9., 6.],
       [4., 6., 6., 4.]])
"""

from __future__ import annotations

import numpy as np

__all__ = ["WIDER", "integral", "window_sum", "box_sum", "local_mean", "pixels32", "take_columns"]

#: Multiples of the radius tried, in turn, where a pixel has no weight within its window.
WIDER = (3, 9)


def integral(values):
    """Summed-area table of (h, w) or (h, w, c) values, float64, with a leading row and column of 0."""
    table = np.zeros((values.shape[0] + 1, values.shape[1] + 1) + values.shape[2:])
    np.cumsum(values, axis=0, dtype=np.float64, out=table[1:, 1:])
    np.cumsum(table[1:, 1:], axis=1, out=table[1:, 1:])
    return table


def window_sum(table, radius):
    """Sums over the (2r+1)² windows clipped to the array, from its :func:`integral` table."""
    height, width = table.shape[0] - 1, table.shape[1] - 1
    # Repeating the first and last rows (columns) of the table clips the windows at the borders:
    # the window of row i then spans padded rows i .. i + 2r + 1.
    padded = np.pad(table, [(radius, radius), (radius, radius)] + [(0, 0)] * (table.ndim - 2), mode="edge")
    span = 2 * radius + 1
    out = padded[span:span + height, span:span + width] - padded[:height, span:span + width]
    out -= padded[span:span + height, :width]
    out += padded[:height, :width]
    return out


def box_sum(values, radius):
    """Sum over the (2r+1)² window clipped to the array, for (h, w) or (h, w, c), float64."""
    return window_sum(integral(values), radius)


def local_mean(colours, weight, radius, *, min_weight, wider=WIDER):
    """Weighted mean colour around each pixel: box(weight · colours) / box(weight).

    Where the window's total weight is at most ``min_weight``, the radius times each of
    ``wider`` (:data:`WIDER` by default; ``()``: none, so a pixel sees ``radius`` px only) is
    tried in turn.

    Parameters
    ----------
    colours : (h, w, 3) float32
    weight : (h, w) float32 or bool
    radius : int
    min_weight : float
        Total weight a window needs for its mean to count.

    Returns
    -------
    mean : (h, w, 3) float32
        0 where nothing was found.
    found : (h, w) bool
        Whether some window around the pixel had enough weight.
    """
    mean = np.zeros(colours.shape, np.float32)
    found = np.zeros(weight.shape, bool)
    if not weight.any():
        return mean, found
    weights = integral(weight)
    weighted = integral(colours * weight[..., None])
    for multiple in (1, *wider):
        total_weight = window_sum(weights, radius * multiple)
        here = (total_weight > min_weight) & ~found
        if here.any():
            mean[here] = window_sum(weighted, radius * multiple)[here] / total_weight[here][:, None]
            found |= here
        if found.all():
            break
    return mean, found


def pixels32(rgba):
    """(H, W) uint32 view of RGBA pixels, one element per pixel (a copy only if not C-contiguous):
    numpy gathers whole elements much faster than (n, 4) rows."""
    return np.ascontiguousarray(rgba).view(np.uint32)[..., 0]


def take_columns(pixels, cols):
    """(n, k, 4) uint8: the columns ``cols`` of an (n, W) uint32 block of :func:`pixels32`."""
    return np.take(pixels, cols, axis=1).view(np.uint8).reshape(pixels.shape[0], cols.size, 4)
