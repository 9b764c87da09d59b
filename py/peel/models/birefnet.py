"""The BiRefNet family (bilateral reference segmentation, MIT): a square input, logits out.

rembg's ``birefnet-*`` models (``rembg/sessions/birefnet_*.py``): the photo resized to 1024² with
LANCZOS, divided by its maximum, ImageNet-normalised; the first output's sigmoid, min–max
normalised. Peel ships no BiRefNet weights: this family runs people's own files
(:mod:`peel.models.recognise`), so it declares no model. Supported as rembg runs it; not yet
checked on real weights here (a generated graph with BiRefNet's signature tests the path).
"""

__all__ = ["LABEL", "KIND", "INPUT_SIZE", "MODELS", "input_shape", "prepare_input", "to_mask"]

LABEL = "BiRefNet"
KIND = "saliency"
INPUT_SIZE = 1024
#: No built-in BiRefNet (see above).
MODELS = ()


def input_shape(height, width, size=INPUT_SIZE):
    """The model input's shape for an image of this size: always (1, 3, size, size)."""
    return (1, 3, size, size)


def prepare_input(rgba, size=INPUT_SIZE, *, mean=None):
    """(1, 3, size, size) float32: rembg's BiRefNet input (ImageNet normalisation)."""
    from ..preprocess import IMAGENET_MEAN, prepare_input

    return prepare_input(rgba, size, mean=mean or IMAGENET_MEAN)


def to_mask(prediction):
    """(size, size) float32 mask in [0, 1]: the sigmoid of the first output, min–max (rembg's)."""
    from ..mask import normalize_logits

    return normalize_logits(prediction)
