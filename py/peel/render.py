"""From the original pixels and the model's mask to the output image, for given settings.

This is what runs on every control change: the 320×320 mask is kept, the model is not run again.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from ._checks import check_rgba
from .composite import apply_alpha
from .mask import upscale_mask
from .product import render_product
from .settings import Settings

__all__ = ["render", "feather_alpha", "composite_over", "cover"]

# Rows per block when compositing: small uint16 temporaries instead of 12 MP-sized ones.
_BLOCK_PIXELS = 1 << 18


def render(rgba, mask, settings: Settings, background=None):
    """The output image for these settings.

    Parameters
    ----------
    rgba : numpy.ndarray
        (H, W, 4) uint8 original pixels. Overwritten (it is the worker's own copy; a 12 MP
        copy would cost 48 MB of WASM memory): pass a copy to keep it.
    mask : numpy.ndarray
        (h, w) float32 in [0, 1], the normalised model output (see normalize_prediction).
    settings : Settings
    background : numpy.ndarray, optional
        (h', w', 4) uint8 background image, used when ``settings.background == "image"``.

    Returns
    -------
    numpy.ndarray
        (H, W) uint8 alpha for format "mask"; (H, W, 4) uint8 RGBA when the result keeps its
        transparency; (H, W, 3) uint8 RGB over an opaque background. Product photos have the
        canvas's size instead of (H, W).
    """
    check_rgba(rgba)
    alpha8 = feather_alpha(upscale_mask(mask, rgba.shape[:2]), settings.feather)
    cutout = apply_alpha(rgba, alpha8, out=rgba)
    if settings.format == "mask":
        return np.ascontiguousarray(cutout[..., 3])
    opaque = settings.background != "transparent" or settings.format == "jpeg"

    if settings.product:
        return render_product(
            cutout, size=settings.product_size, aspect=settings.aspect, margin=settings.product_margin,
            background=settings.background_rgb if opaque else None,
            shadow=settings.product_shadow, shadow_strength=settings.product_shadow_strength)
    if settings.background == "image" and background is not None:
        return composite_over(cutout, cover(background, cutout.shape[:2]))
    if settings.background == "blur":
        return composite_over(cutout, _blurred(cutout, settings.background_blur))
    if opaque:
        return composite_over(cutout, np.array(settings.background_rgb, np.uint8))
    return cutout


def feather_alpha(alpha8, radius):
    """Soften the edge: a Gaussian blur (Pillow's, three box blurs) of `radius` px; 0 = as is.

    Parameters
    ----------
    alpha8 : numpy.ndarray
        (H, W) uint8.
    radius : float
        >= 0.

    Returns
    -------
    numpy.ndarray
        (H, W) uint8; `alpha8` itself when radius is 0.
    """
    if radius <= 0:
        return alpha8
    return np.asarray(Image.fromarray(alpha8, "L").filter(ImageFilter.GaussianBlur(radius)))


def composite_over(rgba, background):
    """``rgba`` over an opaque background, ``round(a*fg + (1-a)*bg)`` in integers.

    Parameters
    ----------
    rgba : numpy.ndarray
        (H, W, 4) uint8, straight (not premultiplied) alpha.
    background : numpy.ndarray
        (H, W, 3) uint8 image, or (3,) uint8 colour.

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8.

    Examples
    --------
    >>> composite_over(np.array([[[255, 0, 0, 128]]], np.uint8), np.array([0, 0, 255], np.uint8))
    array([[[128,   0, 127]]], dtype=uint8)
    """
    height, width = rgba.shape[:2]
    out = np.empty((height, width, 3), np.uint8)
    rows = max(1, _BLOCK_PIXELS // width)
    for top in range(0, height, rows):
        block = rgba[top:top + rows]
        alpha = block[..., 3:4].astype(np.uint16)
        back = background if background.ndim == 1 else background[top:top + rows]
        mixed = block[..., :3] * alpha + back * (255 - alpha) + 127
        out[top:top + rows] = mixed // 255
    return out


def cover(image, size):
    """Scale and centre-crop an RGBA/RGB image to fill (height, width): CSS object-fit: cover.

    Returns
    -------
    numpy.ndarray
        (height, width, 3) uint8.
    """
    height, width = size
    source = Image.fromarray(np.ascontiguousarray(image[..., :3]), "RGB")
    scale = max(width / source.width, height / source.height)
    scaled = (max(width, round(source.width * scale)), max(height, round(source.height * scale)))
    left, top = (scaled[0] - width) // 2, (scaled[1] - height) // 2
    resized = source.resize(scaled, Image.Resampling.BICUBIC, reducing_gap=2.0)
    return np.asarray(resized.crop((left, top, left + width, top + height)))


def _blurred(rgba, radius):
    """The photo itself, blurred, as a background (colours only)."""
    image = Image.fromarray(np.ascontiguousarray(rgba[..., :3]), "RGB")
    # Blurring a 4×-reduced copy looks the same for large radii and costs 1/16 of the work.
    factor = 4 if radius >= 8 and min(image.size) >= 64 else 1
    small = image.reduce(factor) if factor > 1 else image
    blurred = small.filter(ImageFilter.GaussianBlur(radius / factor))
    return np.asarray(blurred.resize(image.size, Image.Resampling.BILINEAR))
