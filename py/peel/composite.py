"""Put a mask into the alpha channel of the original pixels; exact integer division by 255."""

import numpy as np

from ._checks import check_alpha8, check_array, check_rgba
from .errors import ArgumentTypeError, InvalidArgumentError

__all__ = ["apply_alpha", "div255"]

# Pixels per block of the alpha product: a few hundred KB of uint16 temporaries
# stay in cache and keep the peak memory small in WASM, instead of a 24 MB
# temporary at 12 MP; faster too (bench/README.md, "Figures behind choices in the code").
_BLOCK_PIXELS = 1 << 18


def apply_alpha(rgba, alpha8, out=None):
    """Return the pixels with ``alpha8`` combined into their alpha channel.

    The new alpha is ``round(rgba[..., 3] * alpha8 / 255)``, so an opaque
    image takes the mask as is and an existing transparency is kept. Colour
    channels are copied unchanged (not premultiplied): a viewer or encoder
    that wants premultiplied colours can derive them, the reverse is lossy.

    Parameters
    ----------
    rgba : numpy.ndarray
        (H, W, 4) uint8 original pixels. Only modified when ``out is rgba``.
    alpha8 : numpy.ndarray
        (H, W) uint8 mask, 255 = keep, 0 = remove.
    out : numpy.ndarray, optional
        (H, W, 4) uint8 writable array for the result. Pass ``out=rgba`` to
        work in place and avoid a full copy (48 MB at 12 MP). It must not
        otherwise overlap ``rgba``. By default a new array is allocated.

    Returns
    -------
    rgba : numpy.ndarray
        (H, W, 4) uint8; ``out`` itself when given.

    Raises
    ------
    ImageTypeError, InvalidImageError
        ``rgba`` is not a non-empty (H, W, 4) uint8 array.
    ArgumentTypeError, InvalidArgumentError
        ``alpha8`` or ``out`` has the wrong type, dtype or shape, or ``out``
        is read-only.

    Examples
    --------
    >>> rgba = np.full((1, 2, 4), 255, np.uint8)
    >>> apply_alpha(rgba, np.array([[0, 128]], np.uint8))[..., 3]
    array([[  0, 128]], dtype=uint8)
    """
    check_rgba(rgba)
    check_alpha8(alpha8, rgba)

    if out is None:
        out = rgba.copy()
    elif out is not rgba:
        check_array(out, "out", image=False)
        if out.dtype != np.uint8:
            raise ArgumentTypeError(f"out must have dtype uint8, got {out.dtype}")
        if out.shape != rgba.shape:
            raise InvalidArgumentError(f"out must have shape {rgba.shape} (rgba's), got {out.shape}")
    if not out.flags.writeable:
        raise InvalidArgumentError("out is read-only; pass a writable array or out=None")
    if out is not rgba:
        out[..., :3] = rgba[..., :3]

    source = rgba[..., 3]
    target = out[..., 3]
    if source.min() == 255:
        # Opaque input (every JPEG): the product is the mask itself.
        target[...] = alpha8
        return out

    height, width = alpha8.shape
    rows = max(1, _BLOCK_PIXELS // width)
    for top in range(0, height, rows):
        block = source[top:top + rows].astype(np.uint16)
        block *= alpha8[top:top + rows]
        target[top:top + rows] = div255(block)
    return out


def div255(values):
    """``round(values / 255)``, in place, for uint16 values up to 255 * 255 (products of two bytes).

    Exact without a division: ``(x + 128 + ((x + 128) >> 8)) >> 8``; the sum stays below 2**16.

    >>> div255(np.array([0, 127, 128, 255 * 255], np.uint16))
    array([  0,   0,   1, 255], dtype=uint16)
    """
    values += 128
    values += values >> 8
    values >>= 8
    return values
