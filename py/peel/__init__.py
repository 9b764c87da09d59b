"""Peel: background removal with U²-Net small, the same code in Pyodide and CPython.

The core modules (this folder) use only the standard library, numpy and Pillow and are what the
browser's worker unpacks. Only ``peel.bridge`` talks to JavaScript. ``peel.desktop`` is the
CPython-only side (the ``peel`` command, the file API, native onnxruntime, the model download);
it is not shipped to browsers, and only :class:`OnnxInference` needs the native onnxruntime,
imported when it is created.

Arrays are channels last: ``rgba`` is (H, W, 4) uint8, ``tensor`` is
(1, 3, 320, 320) float32, ``mask`` is (h, w) float32 in [0, 1] and ``alpha8``
is (H, W) uint8.
"""

import importlib

__version__ = "0.1.0"

# Where each public name lives. They are imported on first use (PEP 562), so that `import peel`
# alone needs only the standard library: build.py (stdlib only) uses `peel.desktop.assets`.
_EXPORTS = {
    "MODEL_SIZE": "preprocess",
    "as_rgba": "preprocess",
    "prepare_input": "preprocess",
    "normalize_prediction": "mask",
    "upscale_mask": "mask",
    "apply_alpha": "composite",
    "cut_out": "desktop.pipeline",
    "remove_background": "desktop.pipeline",
    "render": "render",
    "Settings": "settings",
    "refine_alpha": "refine",
    "threshold_alpha": "refine",
    "decontaminate": "foreground",
    "OnnxInference": "desktop.native",
    "remove": "desktop.api",
    "Remover": "desktop.api",
    "PeelError": "errors",
    "InvalidArgumentError": "errors",
    "ArgumentTypeError": "errors",
    "InvalidImageError": "errors",
    "ImageTypeError": "errors",
    "ModelOutputError": "errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'peel' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
