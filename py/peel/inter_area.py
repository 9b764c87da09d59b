"""OpenCV's ``INTER_AREA`` resize in numpy, for MODNet's reference input.

In numpy, not OpenCV: Pyodide builds OpenCV, but its package would be a large extra download
for the browser, for one resize.

Shrinking averages the input over each output pixel's footprint, counting the partial pixels
at its ends by the fraction covered (OpenCV's ``computeResizeAreaTab``, including its rule of
ignoring a sliver under 1e-3 of a pixel); enlarging interpolates two taps with OpenCV's own
INTER_AREA coefficients. tests/unit/test_models.py checks both against dense weight matrices
built from those definitions.
"""

import numpy as np

__all__ = ["area_resize"]

#: OpenCV's area resize ignores a partial pixel that covers less than this (resize.cpp).
_AREA_EPS = 1e-3


def area_resize(pixels, size):
    """OpenCV's ``INTER_AREA`` resize of (H, W, C) uint8 pixels, as float32, and its weight sums.

    Separable: rows first (on the 8-bit pixels, a strip at a time, so a 24 MP photo never exists
    in float), then columns.

    Returns
    -------
    resized : numpy.ndarray
        (h, w, C) float32.
    weight : numpy.ndarray
        (h, w) float32, the sum of the weights of each output pixel (1 but for dropped slivers).
    """
    out_h, out_w = size
    rows, row_weight = _resize_axis(pixels, out_h, axis=0)
    cols, col_weight = _resize_axis(rows, out_w, axis=1)
    return cols, np.multiply.outer(row_weight, col_weight).astype(np.float32)


def _resize_axis(values, n_out, axis):
    """Resize ``values`` along ``axis`` (0 or 1) to ``n_out``: area when shrinking, else OpenCV's
    INTER_AREA enlargement (linear with its own coefficients). Returns (float32 array, weights)."""
    n_in = values.shape[axis]
    if n_out == n_in:
        return values.astype(np.float32, copy=False), np.ones(n_out, np.float64)
    scale = 1.0 / (n_out / n_in)  # OpenCV: scale_x = 1 / inv_scale_x, inv_scale_x = fx
    if scale < 1:
        return _enlarge_axis(values, n_out, axis, scale)
    starts = np.arange(n_out) * scale
    ends = starts + scale
    cell = np.minimum(scale, n_in - starts)
    first = np.ceil(starts).astype(np.intp)
    last = np.minimum(np.floor(ends).astype(np.intp), n_in - 1)
    first = np.minimum(first, last)
    head = first - starts
    head = np.where(head > _AREA_EPS, head, 0.0)
    tail = np.minimum(np.minimum(ends - last, 1.0), cell)
    tail = np.where(ends - last > _AREA_EPS, tail, 0.0)
    whole = (last - first).astype(np.float64)
    weight = (head + whole + tail) / cell

    # Whole pixels summed in integers when the input is 8-bit (uint16 holds 257 of them).
    total_dtype = np.uint16 if values.dtype == np.uint8 and scale < 257 else np.float32
    if axis == 0:
        return _shrink_rows(values, first, last, head, tail, cell, total_dtype), weight
    shape = list(values.shape)
    shape[axis] = n_out
    out = np.empty(shape, np.float32)
    strip = 64
    for lo in range(0, n_out, strip):
        hi = min(n_out, lo + strip)
        bounds = np.empty(2 * (hi - lo), np.intp)
        bounds[0::2], bounds[1::2] = first[lo:hi], last[lo:hi]
        # Only this strip's input, so that the reduceat's last (unused) run stops at its end.
        offset, stop = max(int(first[lo]) - 1, 0), int(last[hi - 1]) + 1
        sums = np.add.reduceat(_index(values, slice(offset, stop), axis), bounds - offset, axis=axis,
                               dtype=total_dtype)
        sums = np.take(sums, np.arange(0, sums.shape[axis], 2), axis=axis).astype(np.float32)
        empty = first[lo:hi] == last[lo:hi]  # reduceat gives values[first] there, not 0
        if empty.any():
            sums *= _along(~empty, axis, sums.ndim)
        edge = np.maximum(first[lo:hi] - 1, 0)
        sums += _weighted(np.take(values, edge, axis=axis), head[lo:hi], axis)
        sums += _weighted(np.take(values, last[lo:hi], axis=axis), tail[lo:hi], axis)
        sums *= _along(1.0 / cell[lo:hi], axis, sums.ndim)
        _index(out, slice(lo, hi), axis)[...] = sums
    return out, weight


def _shrink_rows(values, first, last, head, tail, cell, total_dtype):
    """The area shrink along axis 0, one output row at a time over the (H, W*C) view: a plain sum
    of a few whole rows is much faster than ``np.add.reduceat`` with a wider dtype (bench/README.md),
    and no full-size temporary is made."""
    flat = np.ascontiguousarray(values).reshape(values.shape[0], -1)
    out = np.empty((len(first), flat.shape[1]), np.float32)
    whole = np.empty(flat.shape[1], total_dtype)
    for i, (a, b) in enumerate(zip(first.tolist(), last.tolist())):
        row = out[i]
        if b > a:
            np.sum(flat[a:b], axis=0, dtype=total_dtype, out=whole)
            row[...] = whole
        else:
            row[...] = 0
        if head[i]:
            row += np.float32(head[i]) * flat[a - 1]
        if tail[i]:
            row += np.float32(tail[i]) * flat[b]
        row *= np.float32(1.0 / cell[i])
    return out.reshape((len(first), *values.shape[1:]))


def _enlarge_axis(values, n_out, axis, scale):
    """OpenCV's INTER_AREA enlargement: two taps, ``fx = (d+1) - (s+1)/scale`` wrapped to [0, 1)."""
    n_in = values.shape[axis]
    d = np.arange(n_out)
    source = np.floor(d * scale).astype(np.intp)
    fraction = (d + 1) - (source + 1) / scale
    fraction = np.where(fraction <= 0, 0.0, fraction - np.floor(fraction))
    at_end = source >= n_in - 1
    fraction = np.where(at_end, 0.0, fraction)
    source = np.minimum(source, n_in - 1)
    following = np.minimum(source + 1, n_in - 1)
    near = np.take(values, source, axis=axis).astype(np.float32)
    far = np.take(values, following, axis=axis).astype(np.float32)
    out = near * _along(1 - fraction, axis, near.ndim) + far * _along(fraction, axis, near.ndim)
    return out.astype(np.float32, copy=False), np.ones(n_out, np.float64)


def _along(vector, axis, ndim):
    """``vector`` (float32) shaped to broadcast along ``axis`` of an ndim-array."""
    shape = [1] * ndim
    shape[axis] = len(vector)
    return np.asarray(vector, np.float32).reshape(shape)


def _weighted(values, weights, axis):
    return values.astype(np.float32) * _along(weights, axis, values.ndim)


def _index(array, where, axis):
    return array[where] if axis == 0 else array[:, where]
