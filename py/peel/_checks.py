"""Argument validation shared by the pipeline modules (private).

Validation raises the typed errors of :mod:`peel.errors`, naming the parameter,
instead of using ``assert`` (asserts vanish under ``python -O`` and give no
useful message to the user).
"""

import numpy as np

from .errors import ArgumentTypeError, ImageTypeError, InvalidArgumentError, InvalidImageError


def check_array(value, name, *, image):
    """Return ``value`` if it is a numpy array, else raise the typed error."""
    if not isinstance(value, np.ndarray):
        error = ImageTypeError if image else ArgumentTypeError
        raise error(f"{name} must be a numpy array, got {type(value).__name__}")
    return value


def check_rgba(rgba, name="rgba"):
    """Check that ``rgba`` is a non-empty (H, W, 4) uint8 array and return it."""
    check_array(rgba, name, image=True)
    if rgba.dtype != np.uint8:
        raise ImageTypeError(f"{name} must have dtype uint8, got {rgba.dtype}")
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise InvalidImageError(f"{name} must have shape (H, W, 4), got {rgba.shape}")
    if rgba.shape[0] == 0 or rgba.shape[1] == 0:
        raise InvalidImageError(f"{name} must not be empty, got shape {rgba.shape}")
    return rgba


def check_alpha8(alpha8, rgba):
    """Check that ``alpha8`` is a (H, W) uint8 alpha for the (H, W, 4) image ``rgba``; return it."""
    check_array(alpha8, "alpha8", image=False)
    if alpha8.dtype != np.uint8:
        raise ArgumentTypeError(f"alpha8 must have dtype uint8, got {alpha8.dtype}")
    if alpha8.shape != rgba.shape[:2]:
        raise InvalidArgumentError(f"alpha8 must have shape {rgba.shape[:2]} (rgba's H, W), got {alpha8.shape}")
    return alpha8


def check_size(size, name="size"):
    """Check that ``size`` is a (height, width) pair of positive ints; return it as a tuple."""
    try:
        height, width = size
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"{name} must be a (height, width) pair, got {size!r}") from None
    for value in (height, width):
        # bool is an int subclass but a size of True is certainly a bug.
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise ArgumentTypeError(f"{name} must hold ints, got {size!r}")
        if value < 1:
            raise InvalidArgumentError(f"{name} must be positive, got {size!r}")
    return int(height), int(width)
