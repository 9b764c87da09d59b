"""Argument validation shared by the pipeline modules: the one set of validators.

Validation raises the typed errors of :mod:`peel.errors`, naming the parameter,
instead of using ``assert`` (asserts vanish under ``python -O`` and give no
useful message to the user).
"""

import numpy as np

from .errors import ArgumentTypeError, ImageTypeError, InvalidArgumentError, InvalidImageError


def is_integer(value):
    """Whether ``value`` is a Python or numpy integer (booleans are not)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


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


def check_alpha8(alpha8, rgba=None, name="alpha8"):
    """Check that ``alpha8`` is a (H, W) uint8 alpha, of the (H, W, 4) image ``rgba`` when given
    (else non-empty); return it."""
    check_array(alpha8, name, image=False)
    if alpha8.dtype != np.uint8:
        raise ArgumentTypeError(f"{name} must have dtype uint8, got {alpha8.dtype}")
    if rgba is not None:
        if alpha8.shape != rgba.shape[:2]:
            raise InvalidArgumentError(f"{name} must have shape {rgba.shape[:2]} (rgba's H, W), got {alpha8.shape}")
        return alpha8
    if alpha8.ndim != 2:
        raise InvalidArgumentError(f"{name} must have shape (H, W), got {alpha8.shape}")
    if alpha8.size == 0:
        raise InvalidArgumentError(f"{name} must not be empty, got shape {alpha8.shape}")
    return alpha8


def check_mask(mask, name="mask"):
    """Check that ``mask`` is a non-empty (h, w) float array without NaN (values in [0, 1]); return it."""
    check_array(mask, name, image=False)
    if mask.dtype.kind != "f":
        raise ArgumentTypeError(f"{name} must be a float array with values in [0, 1], got dtype {mask.dtype}")
    if mask.ndim != 2 or mask.size == 0:
        raise InvalidArgumentError(f"{name} must have a non-empty shape (h, w), got {mask.shape}")
    if np.isnan(mask).any():
        raise InvalidArgumentError(f"{name} contains NaN")
    return mask


def check_number(value, name, low, high, *, integer=False):
    """Check that ``value`` is a number (an int with ``integer``) in [low, high]; return it as a
    float (int). Booleans are refused: ``True`` for a radius is certainly a bug.

    >>> check_number(0.5, "strength", 0, 1)
    0.5
    """
    kinds = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, kinds):
        raise ArgumentTypeError(f"{name} must be {'an integer' if integer else 'a number'}, got {value!r}")
    value = int(value) if integer else float(value)
    if not low <= value <= high:  # also rejects NaN
        raise InvalidArgumentError(f"{name} must be between {low} and {high}, got {value}")
    return value


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
