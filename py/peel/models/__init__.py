"""The models Peel can run, one small module each: its pinned file, its input and its output.

Each model module has the same names:

``NAME``, ``LABEL``
    The ``model`` setting's value and what people read.
``KIND``
    ``"saliency"`` (a map of where the subject is, to be normalised) or ``"matte"`` (an alpha
    matte already).
``SOURCE``
    The pinned upstream file: sha256, size, the registry package that holds it (client, spec,
    sha256, member) and the official URL, if any (see ``peel.assets``).
``SERVED``, ``DERIVED``
    The file the web app loads (under ``dist/``) and whether the build derives it from the
    upstream file (``buildtools/prepare_model.py``) or serves the upstream bytes as they are.
``input_shape(height, width)``, ``prepare_input(rgba)``, ``to_mask(prediction)``
    The reference preprocessing and the (h, w) float32 mask in [0, 1] from the raw output.

Examples
--------
>>> get_model("modnet").input_shape(3000, 4000)
(1, 3, 512, 672)
>>> get_model("u2netp").input_shape(3000, 4000)
(1, 3, 320, 320)
"""

from ..errors import InvalidArgumentError
from . import modnet, u2netp

__all__ = ["MODELS", "MODEL_NAMES", "DEFAULT_MODEL", "get_model", "FILE_MODELS", "register_model", "model_names"]

#: name -> model module, the default first.
MODELS = {module.NAME: module for module in (u2netp, modnet)}
MODEL_NAMES = tuple(MODELS)
DEFAULT_MODEL = u2netp.NAME


#: Models added at run time from a file (a ``peel.models.recognise.ModelFile``), name -> model.
FILE_MODELS = {}


def register_model(model):
    """Make a recognised model file a ``model`` choice under its NAME (not a built-in's)."""
    if model.NAME in MODELS:
        raise InvalidArgumentError(f"model name {model.NAME!r} is a built-in model's")
    FILE_MODELS[model.NAME] = model
    return model


def model_names():
    """The built-in model names, then those of the registered files."""
    return MODEL_NAMES + tuple(FILE_MODELS)


def get_model(name):
    """The model module (or registered file) called ``name``; InvalidArgumentError for an unknown name."""
    try:
        return MODELS[name] if name in MODELS else FILE_MODELS[name]
    except (KeyError, TypeError):
        raise InvalidArgumentError(f"model must be one of {', '.join(model_names())}, got {name!r}") from None
