"""The subject's box in a cut-out's alpha, ignoring stray specks (for product photos).

Bounding boxes are ``(top, left, bottom, right)`` in pixels, bottom and right exclusive, like the
slice ``rgba[top:bottom, left:right]``.
"""

import numpy as np
from PIL import Image

from ._checks import check_alpha8, check_number, is_integer
from .errors import ArgumentTypeError, InvalidArgumentError

__all__ = ["ALPHA_THRESHOLD", "MIN_AREA_FRACTION", "subject_bbox"]

#: Alpha values above this count as subject when looking for its box. The
#: cut-out's background is mostly alpha 1–2 (the model's min–max-normalised
#: haze, bilinearly upscaled), which must not stretch the box; what lies
#: outside the box is cropped away, and at 8/255 (3 %) that cut is invisible.
ALPHA_THRESHOLD = 8
#: A connected part of the subject smaller than this fraction of the largest
#: part (by area above the threshold) is a stray speck and is ignored.
MIN_AREA_FRACTION = 0.01

# Grid for speck filtering: the mask is reduced to cells of FxF pixels with
# F <= 22, so that one pixel above the threshold (255 in a 0/255 mask) still
# rounds to a non-zero cell mean (255 / 22² = 0.53) in Pillow's box reduce.
_GRID_SIDE = 256
_MAX_CELL = 22


def _check_threshold(threshold):
    if not is_integer(threshold):
        raise ArgumentTypeError(f"threshold must be an int, got {threshold!r}")
    if not 0 <= threshold <= 254:
        raise InvalidArgumentError(f"threshold must be between 0 and 254, got {threshold!r}")
    return int(threshold)


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
    check_alpha8(alpha8, name="alpha8")
    threshold = _check_threshold(threshold)
    min_area_fraction = check_number(min_area_fraction, "min_area_fraction", 0.0, 1.0)
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
