"""Turn decoded pixels into the model's input tensor.

The model is U²-Net small (u2netp), whose reference pipeline is rembg's:
resize the RGB image to 320×320 with LANCZOS, divide by the resized image's
maximum value (not by 255), subtract the ImageNet mean and divide by its std,
channels first, float32. Peel does exactly that for every setting: the one
tensor (and so the one 320×320 mask, kept across setting changes) serves the
reference cut-out, which must equal rembg's, as well as the refined ones.
"""

import numpy as np
from PIL import Image

from ._checks import check_array, check_rgba
from .errors import ImageTypeError, InvalidImageError

__all__ = ["MODEL_SIZE", "IMAGENET_MEAN", "IMAGENET_STD", "as_rgba", "prepare_input"]

#: Side of the square model input, in pixels.
MODEL_SIZE = 320
#: Per-channel mean and std the model was trained with (RGB order).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# No ``reducing_gap``: Pillow's box pre-reduction is faster but changes the tensor by up to 0.1
# and the reference alpha by several levels, and a mode-dependent tensor would force a new
# model run whenever the user switches to or from reference mode (bench/README.md, "Model input").
# Guard from the reference pipeline: an all-black image has max 0.
_MIN_MAX = 1e-6


def as_rgba(image):
    """Return ``image`` as a C-contiguous RGBA array.

    Parameters
    ----------
    image : numpy.ndarray
        Grey (H, W), RGB (H, W, 3) or RGBA (H, W, 4) uint8 pixels, H, W >= 1.

    Returns
    -------
    rgba : numpy.ndarray
        (H, W, 4) uint8. A grey or RGB input gets an opaque alpha channel in a
        new array; a C-contiguous RGBA input is returned itself, not copied (a
        12 MP copy is 48 MB of WASM memory), so callers must not assume they
        may write into the result.

    Raises
    ------
    ImageTypeError
        ``image`` is not a numpy array or its dtype is not uint8.
    InvalidImageError
        ``image`` has another shape or is empty.

    Examples
    --------
    >>> as_rgba(np.zeros((2, 3), np.uint8)).shape
    (2, 3, 4)
    """
    check_array(image, "image", image=True)
    if image.dtype != np.uint8:
        raise ImageTypeError(f"image must have dtype uint8, got {image.dtype}")
    if image.ndim == 2:
        channels = 1
    elif image.ndim == 3 and image.shape[2] in (3, 4):
        channels = image.shape[2]
    else:
        raise InvalidImageError(f"image must have shape (H, W), (H, W, 3) or (H, W, 4), got {image.shape}")
    height, width = image.shape[:2]
    if height == 0 or width == 0:
        raise InvalidImageError(f"image must not be empty, got shape {image.shape}")

    if channels == 4:
        # Pillow can only map (not copy) a C-contiguous buffer.
        return np.ascontiguousarray(image)
    rgba = np.empty((height, width, 4), np.uint8)
    # One channel at a time: numpy copies 1-byte strided elements faster than 3-byte pixels
    # (`rgba[..., :3] = image`; bench/README.md, "Figures behind choices in the code").
    for channel in range(3):
        rgba[..., channel] = image if channels == 1 else image[..., channel]
    rgba[..., 3] = 255
    return rgba


def prepare_input(rgba, size=MODEL_SIZE, *, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """Build the model input tensor from RGBA pixels, as rembg does for u2netp (and its family).

    rembg's other square-input models (U²-Net, ISNet, BiRefNet) differ only in ``size``, ``mean``
    and ``std`` (their family modules in :mod:`peel.models`).

    The alpha channel is ignored, like rembg's ``convert("RGB")``. The full
    resolution image is never converted to float: Pillow reads the RGBA buffer
    in place as an ``RGBX`` image (no copy, and unlike ``RGBA`` no
    premultiplication during the resize) and only the 320×320 result is
    normalised.

    Parameters
    ----------
    rgba : numpy.ndarray
        (H, W, 4) uint8 pixels, H, W >= 1. Not modified.
    size : int
        Side of the square model input (320 for the U²-Net family).
    mean, std : tuple of 3 floats, optional
        Per-channel normalisation after the division by the maximum (ImageNet's by default).

    Returns
    -------
    tensor : numpy.ndarray
        (1, 3, size, size) float32, C-contiguous, channels in RGB order:
        ``(rgb / max(rgb.max(), 1e-6) - mean) / std`` of the resized image.

    Raises
    ------
    ImageTypeError, InvalidImageError
        ``rgba`` is not a non-empty (H, W, 4) uint8 array.

    Examples
    --------
    >>> prepare_input(np.zeros((5, 7, 4), np.uint8)).shape
    (1, 3, 320, 320)
    """
    rgba = np.ascontiguousarray(check_rgba(rgba))
    height, width = rgba.shape[:2]
    image = Image.frombuffer("RGBX", (width, height), rgba, "raw", "RGBX", 0, 1)
    small = image.resize((size, size), Image.Resampling.LANCZOS)
    # (3, size, size): drop the X channel, channels first.
    chw = np.asarray(small).transpose(2, 0, 1)[:3]

    scale = np.float32(1.0 / max(int(chw.max()), _MIN_MAX))
    mean = np.asarray(mean, np.float32)[:, None, None]
    std = np.asarray(std, np.float32)[:, None, None]
    tensor = np.empty((1, 3, size, size), np.float32)
    np.multiply(chw, scale, out=tensor[0], dtype=np.float32)
    tensor[0] -= mean
    tensor[0] /= std
    return tensor
