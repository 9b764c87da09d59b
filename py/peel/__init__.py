"""Peel: background removal with U²-Net small, the same code in Pyodide and CPython.

The core modules use only the standard library, numpy and Pillow. Only
``peel.bridge`` talks to JavaScript, and only :class:`OnnxInference` (in
``peel.native``) needs the native onnxruntime, imported when it is created.

Arrays are channels last: ``rgba`` is (H, W, 4) uint8, ``tensor`` is
(1, 3, 320, 320) float32, ``mask`` is (h, w) float32 in [0, 1] and ``alpha8``
is (H, W) uint8.
"""

from .composite import apply_alpha
from .errors import (
    ArgumentTypeError,
    ImageTypeError,
    InvalidArgumentError,
    InvalidImageError,
    ModelOutputError,
    PeelError,
)
from .mask import normalize_prediction, upscale_mask
from .native import OnnxInference
from .pipeline import cut_out, remove_background
from .preprocess import MODEL_SIZE, as_rgba, prepare_input
from .render import render
from .settings import Settings

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "MODEL_SIZE",
    "as_rgba",
    "prepare_input",
    "normalize_prediction",
    "upscale_mask",
    "apply_alpha",
    "cut_out",
    "remove_background",
    "render",
    "Settings",
    "OnnxInference",
    "PeelError",
    "InvalidArgumentError",
    "ArgumentTypeError",
    "InvalidImageError",
    "ImageTypeError",
    "ModelOutputError",
]
