"""PNG files from RGBA pixels, for browsers whose canvas encoder is slow (WebKit).

WebKit's ``OffscreenCanvas.convertToBlob`` is several seconds for a 12 MP PNG; Pillow at zlib
level 1, run in Pyodide in the same browser, half of that or less (bench/README.md, "Figures
behind choices in the code"). The file matches what the canvas would give: colours under full
transparency are zeroed (a canvas is premultiplied), which also makes the file smaller.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def encode_png(rgba: np.ndarray, compress_level: int = 1) -> bytes:
    """PNG bytes of an image; RGB when every pixel is opaque, else RGBA.

    Parameters
    ----------
    rgba : (H, W, 4) uint8 ndarray
        Straight (not premultiplied) RGBA. Not modified.
    compress_level : int
        zlib level 0-9; 1 is several times faster than the default 6 for ~10 % more bytes.

    Returns
    -------
    bytes

    Examples
    --------
    >>> data = encode_png(np.zeros((2, 3, 4), np.uint8))
    >>> Image.open(io.BytesIO(data)).mode, data[:4]
    ('RGBA', b'\\x89PNG')
    """
    if not isinstance(rgba, np.ndarray) or rgba.dtype != np.uint8 or rgba.ndim != 3 or rgba.shape[2] != 4:
        raise TypeError(f"rgba must be an (H, W, 4) uint8 array, not {getattr(rgba, 'shape', type(rgba))}")
    if not 0 <= compress_level <= 9:
        raise ValueError(f"compress_level must be 0-9, not {compress_level}")
    alpha = rgba[..., 3]
    if alpha.min() == 255:
        image = Image.fromarray(rgba, "RGBA").convert("RGB")
    else:
        clear = alpha == 0
        if clear.any():
            rgba = rgba.copy()
            rgba[clear] = 0
        image = Image.fromarray(rgba, "RGBA")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=compress_level)
    return buffer.getvalue()
