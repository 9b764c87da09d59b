"""Binary masks: erosion and dilation by a square, and the bounding box of the true pixels.

Examples
--------
>>> import numpy as np
>>> binary = np.zeros((5, 6), bool)
>>> binary[1:4, 2:5] = True
>>> bounding_box(binary)
(1, 2, 4, 5)
>>> erode(binary, 1).sum()
np.int64(1)
"""

from __future__ import annotations

import numpy as np

from .box import box_sum

__all__ = ["erode", "dilate", "bounding_box", "bounding_slices", "grow_slices"]


def erode(binary, radius):
    """Binary erosion by a (2r+1)² square; the array's border does not erode.

    Parameters
    ----------
    binary : numpy.ndarray
        (H, W) bool.
    radius : int
        >= 0; 0 gives a copy.

    Returns
    -------
    numpy.ndarray
        (H, W) bool: true where the whole window (clipped to the array) is true.
    """
    if radius <= 0 or not binary.any():
        return binary.copy()
    counts = box_sum(np.ones(binary.shape), radius)
    return box_sum(binary, radius) >= counts - 0.5


def dilate(binary, radius):
    """Binary dilation by a (2r+1)² square: (H, W) bool, true where any pixel of the window
    (clipped to the array) is true."""
    return box_sum(binary, radius) > 0.5


def bounding_box(binary):
    """The smallest box holding every true (nonzero) pixel of an (H, W) array.

    Returns
    -------
    tuple of int or None
        ``(top, left, bottom, right)``, bottom and right exclusive; None when none is true.
    """
    rows = np.flatnonzero(binary.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(binary.any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def bounding_slices(binary, margin=0):
    """(rows, cols) slices of :func:`bounding_box`, widened by ``margin`` and clipped to the
    array; None when no pixel is true."""
    box = bounding_box(binary)
    if box is None:
        return None
    (top, left, bottom, right), (height, width) = box, binary.shape
    return (slice(max(0, top - margin), min(height, bottom + margin)),
            slice(max(0, left - margin), min(width, right + margin)))


def grow_slices(box, margin, size):
    """(rows, cols) slices ``box`` widened by ``margin`` px on every side, clipped to an image of
    ``size`` ((height, width))."""
    return tuple(slice(max(0, s.start - margin), min(n, s.stop + margin)) for s, n in zip(box, size))
