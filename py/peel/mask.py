"""Turn the raw model output into a full-resolution 8-bit alpha mask."""

import numpy as np
from PIL import Image

from ._checks import check_array, check_size
from .errors import ArgumentTypeError, InvalidArgumentError, ModelOutputError

__all__ = ["normalize_prediction", "normalize_logits", "clip_matte", "check_prediction", "upscale_mask"]


def normalize_prediction(prediction):
    """Min–max normalise the raw model output to a [0, 1] mask.

    Parameters
    ----------
    prediction : numpy.ndarray
        The model's first output, (1, 1, h, w) or (h, w), any real dtype;
        (1, 1, 320, 320) float32 for u2netp.

    Returns
    -------
    mask : numpy.ndarray
        (h, w) float32 in [0, 1]: ``(p - p.min()) / (p.max() - p.min())``. A
        constant prediction (nothing to tell apart) gives all zeros, i.e. no
        foreground, instead of the reference pipeline's 0/0 NaNs.

    Raises
    ------
    ModelOutputError
        ``prediction`` is not a real numeric array of one of those shapes, is
        empty, or holds NaN or infinity.

    Examples
    --------
    >>> normalize_prediction(np.array([[1.0, 3.0], [2.0, 3.0]]))
    array([[0. , 1. ],
           [0.5, 1. ]], dtype=float32)
    """
    array = check_prediction(prediction)
    # float64 on this small array so that extreme ranges (max - min overflowing
    # float32) or tiny ones (denormals) cannot produce inf or NaN.
    array = array.astype(np.float64)
    low = array.min()
    span = array.max() - low
    if span <= 0:
        return np.zeros(array.shape, np.float32)
    mask = (array - low) / span
    np.clip(mask, 0.0, 1.0, out=mask)  # rounding can land a hair outside
    return mask.astype(np.float32)


def normalize_logits(prediction):
    """A model's logits (BiRefNet's output) as a mask: the sigmoid, then min–max, as rembg does.

    Parameters
    ----------
    prediction : numpy.ndarray
        (1, 1, h, w) or (h, w), any real dtype: unbounded logits.

    Returns
    -------
    mask : numpy.ndarray
        (h, w) float32 in [0, 1].

    Examples
    --------
    >>> normalize_logits(np.array([[-2.0, 0.0], [0.0, 2.0]]))
    array([[0. , 0.5],
           [0.5, 1. ]], dtype=float32)
    """
    array = check_prediction(prediction).astype(np.float64)
    # 1 / (1 + exp(-x)) written with tanh: no overflow warning for large negative logits.
    return normalize_prediction(0.5 * (1.0 + np.tanh(0.5 * array)))


def check_prediction(prediction):
    """The raw model output as an (h, w) array, or ModelOutputError.

    Accepts (1, 1, h, w) or (h, w), any real dtype, non-empty, finite.
    """
    try:
        array = np.asarray(prediction)
    except Exception as error:  # arbitrary objects from a user-supplied infer()
        raise ModelOutputError(f"prediction is not an array: {error}") from error
    if array.dtype == np.bool_ or array.dtype.kind not in "iuf":
        raise ModelOutputError(f"prediction must be a real numeric array, got dtype {array.dtype}")
    if array.ndim == 4 and array.shape[:2] == (1, 1):
        array = array[0, 0]
    elif array.ndim != 2:
        raise ModelOutputError(f"prediction must have shape (1, 1, h, w) or (h, w), got {array.shape}")
    if array.size == 0:
        raise ModelOutputError(f"prediction must not be empty, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ModelOutputError("prediction contains NaN or infinity")
    return array


def clip_matte(prediction):
    """A matting model's output as a mask: its values clipped to [0, 1], not stretched.

    A matte is an alpha already; min–max normalisation would turn a photo with no person (a
    faint matte everywhere) into a confident one.

    Returns
    -------
    mask : numpy.ndarray
        (h, w) float32 in [0, 1].

    Examples
    --------
    >>> clip_matte(np.array([[[[-0.01, 0.25], [0.5, 1.02]]]], np.float32))
    array([[0.  , 0.25],
           [0.5 , 1.  ]], dtype=float32)
    """
    return np.clip(check_prediction(prediction), 0.0, 1.0).astype(np.float32)


def upscale_mask(mask, size):
    """Resize a [0, 1] mask to the image size as 8-bit alpha, exactly as rembg does.

    This is the reference pipeline's upscale (``Settings.reference()``, ``refine="none"``):
    ``(mask * 255)`` *truncated* to uint8 at the mask's own size, then resized as a Pillow
    ``L`` image with LANCZOS. Truncation means a subject the model is sure about gets alpha
    251–254 rather than 255 (only the single maximum of the mask reaches 255), and LANCZOS
    rings (overshoots) slightly at hard edges; both are rembg's behaviour, kept so that the
    reference cut-out equals rembg's (tests/unit/test_rembg_parity.py). The refinements
    (:func:`peel.refine.refine_alpha`) make their own full-resolution alpha instead.

    Parameters
    ----------
    mask : numpy.ndarray
        (h, w) float array with values in [0, 1] (values outside are clipped).
    size : tuple of int
        ``(height, width)`` of the result, both >= 1.

    Returns
    -------
    alpha8 : numpy.ndarray
        (height, width) uint8. May be read-only (it wraps Pillow's output
        bytes without another full-resolution copy).

    Raises
    ------
    ArgumentTypeError
        ``mask`` is not a float array or ``size`` is not a pair of ints.
    InvalidArgumentError
        ``mask`` is not 2-D, is empty or holds NaN; ``size`` is not positive.

    Examples
    --------
    >>> upscale_mask(np.ones((2, 2), np.float32), (3, 5))
    array([[255, 255, 255, 255, 255],
           [255, 255, 255, 255, 255],
           [255, 255, 255, 255, 255]], dtype=uint8)
    >>> upscale_mask(np.full((2, 2), 0.999, np.float32), (1, 2))  # truncated, like rembg
    array([[254, 254]], dtype=uint8)
    """
    check_array(mask, "mask", image=False)
    if mask.dtype.kind != "f":
        raise ArgumentTypeError(f"mask must be a float array with values in [0, 1], got dtype {mask.dtype}")
    if mask.ndim != 2:
        raise InvalidArgumentError(f"mask must have shape (h, w), got {mask.shape}")
    if mask.size == 0:
        raise InvalidArgumentError(f"mask must not be empty, got shape {mask.shape}")
    height, width = check_size(size)
    if np.isnan(mask).any():
        raise InvalidArgumentError("mask contains NaN")

    # rembg: (mask * 255).astype(uint8) on float32. Clip first, as casting out-of-range
    # floats to uint8 is undefined behaviour.
    small = (np.clip(mask.astype(np.float32), 0.0, 1.0) * np.float32(255)).astype(np.uint8)
    if small.shape == (height, width):
        return small
    image = Image.fromarray(small, "L")
    return np.asarray(image.resize((width, height), Image.Resampling.LANCZOS))
