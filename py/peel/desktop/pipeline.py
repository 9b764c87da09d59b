"""The plain cut-out (rembg's pipeline) around any synchronous inference function.

:func:`remove_background` prepares the tensor, runs ``infer`` (e.g.
:class:`peel.desktop.native.OnnxInference`) and applies the mask; :func:`cut_out` is its second
half. The browser does not use this module (its worker calls ``peel.bridge``); it is the
reference the parity tests compare against.
"""

from .._checks import check_rgba
from ..composite import apply_alpha
from ..errors import ArgumentTypeError
from ..mask import normalize_prediction, upscale_mask
from ..preprocess import as_rgba, prepare_input

# prepare_input is re-exported: with cut_out it is the seam for an asynchronous inference.
__all__ = ["prepare_input", "cut_out", "remove_background"]


def cut_out(rgba, prediction, out=None):
    """Make the background of ``rgba`` transparent from a model prediction.

    Parameters
    ----------
    rgba : numpy.ndarray
        (H, W, 4) uint8 original pixels. Only modified when ``out is rgba``.
    prediction : numpy.ndarray
        Raw model output, (1, 1, 320, 320) or (320, 320), real dtype
        (float32 from u2netp).
    out : numpy.ndarray, optional
        (H, W, 4) uint8 writable array for the result; ``out=rgba`` works in
        place (no 48 MB copy at 12 MP). By default a new array is allocated.

    Returns
    -------
    rgba : numpy.ndarray
        (H, W, 4) uint8: colours unchanged, alpha = original alpha × mask
        (rounded); ``out`` itself when given.

    Raises
    ------
    ModelOutputError
        ``prediction`` is not a finite real array of a supported shape.
    ImageTypeError, InvalidImageError, InvalidArgumentError
        ``rgba`` or ``out`` is unusable (see :func:`peel.composite.apply_alpha`).
    """
    check_rgba(rgba)
    mask = normalize_prediction(prediction)
    alpha8 = upscale_mask(mask, rgba.shape[:2])
    return apply_alpha(rgba, alpha8, out=out)


def remove_background(image, infer):
    """Cut out the foreground of an image with a synchronous inference function.

    Parameters
    ----------
    image : numpy.ndarray
        Grey (H, W), RGB (H, W, 3) or RGBA (H, W, 4) uint8 pixels. Not modified.
    infer : callable
        ``infer(tensor) -> prediction``: takes the (1, 3, 320, 320) float32
        model input, returns the raw (1, 1, 320, 320) output (see
        :class:`peel.native.OnnxInference`).

    Returns
    -------
    rgba : numpy.ndarray
        (H, W, 4) uint8 cut-out, a new array.

    Raises
    ------
    ArgumentTypeError
        ``infer`` is not callable.
    ImageTypeError, InvalidImageError
        ``image`` is unusable (see :func:`peel.preprocess.as_rgba`).
    ModelOutputError
        ``infer`` returned something that is not a usable prediction.
    """
    if not callable(infer):
        raise ArgumentTypeError(f"infer must be callable, got {type(infer).__name__}")
    rgba = as_rgba(image)
    prediction = infer(prepare_input(rgba))
    # as_rgba returns the caller's own array for RGBA input: write in place
    # only into the array it had to allocate anyway.
    return cut_out(rgba, prediction, out=None if rgba is image else rgba)
