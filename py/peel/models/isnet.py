"""The ISNet family (DIS, dichotomous image segmentation, Apache-2.0): a square input, a saliency map out.

rembg's ``isnet-general-use`` and ``isnet-anime`` (``rembg/sessions/dis_*.py``): the photo resized
to 1024² with LANCZOS, divided by its maximum, minus the mean (0.5 for general use, as the DIS
authors' code and rembg since 2025; (0.485, 0.456, 0.406) for anime, in rembg's table
:mod:`peel.models.rembg`), std 1; the first output min–max normalised. Peel ships no ISNet
weights (none permissively licensed in reach): this family runs people's own files
(:mod:`peel.models.recognise`), so it declares no model.
"""

__all__ = ["LABEL", "KIND", "INPUT_SIZE", "MEAN", "STD", "MODELS", "input_shape", "prepare_input", "to_mask"]

LABEL = "ISNet (DIS)"
KIND = "saliency"
INPUT_SIZE = 1024
MEAN = (0.5, 0.5, 0.5)
STD = (1.0, 1.0, 1.0)
#: No built-in ISNet (see above).
MODELS = ()


def input_shape(height, width, size=INPUT_SIZE):
    """The model input's shape for an image of this size: always (1, 3, size, size)."""
    return (1, 3, size, size)


def prepare_input(rgba, size=INPUT_SIZE, *, mean=None):
    """(1, 3, size, size) float32: rembg's ISNet input (``mean``: a model's own, isnet-anime's)."""
    from ..preprocess import prepare_input

    return prepare_input(rgba, size, mean=mean or MEAN, std=STD)


def to_mask(prediction):
    """(size, size) float32 mask in [0, 1]: the min–max normalised first output (rembg's)."""
    from ..mask import normalize_prediction

    return normalize_prediction(prediction)
