"""The models Peel can run: one :class:`~peel.models.declaration.Model` declaration each.

A family module (``u2net``, ``modnet``, ``isnet``, ``birefnet``) holds its models' declarations
(``MODELS``) and the family's ``input_shape(height, width, size)``, ``prepare_input(rgba, size)``
and ``to_mask(prediction)``: the reference preprocessing (rembg's, for its models) and the (h, w)
float32 mask in [0, 1] from the raw output; with the family's ``LABEL``, ``KIND`` and default
``INPUT_SIZE``, which a recognised file of the family takes (:mod:`peel.models.recognise`).
Everything else about a model (the page's choices and texts, the build's files,
the worker's WebGPU policy, the ``--model`` help, the third-party notices) is read from the
declarations. Adding a model to a family is one declaration; a new family is one module here
and one entry in :data:`FAMILIES`.

Examples
--------
>>> get_model("modnet").input_shape(3000, 4000)
(1, 3, 512, 672)
>>> get_model("u2netp").input_shape(3000, 4000)
(1, 3, 320, 320)
"""

from ..errors import InvalidArgumentError
from . import birefnet, isnet, modnet, u2net
from .declaration import Model, PinnedFile

__all__ = ["Model", "PinnedFile", "FAMILIES", "FAMILY_NAMES", "MODELS", "MODEL_NAMES", "DEFAULT_MODEL",
           "FILE_MODELS", "get_model", "get_family", "register_model", "model_names"]

#: The family modules (stdlib only at module level: the build reads them). A family is named by
#: its module (:attr:`Model.family`); ISNet and BiRefNet declare no built-in model: they run
#: people's own files (:mod:`peel.models.recognise`).
FAMILIES = (u2net, modnet, isnet, birefnet)
#: The families' names (the ``--model-family`` values).
FAMILY_NAMES = tuple(family.__name__.rpartition(".")[2] for family in FAMILIES)
#: name -> Model, the default first.
MODELS = {model.name: model for family in FAMILIES for model in family.MODELS}
MODEL_NAMES = tuple(MODELS)
#: The model every engine starts with; the others are downloaded when first picked.
DEFAULT_MODEL = u2net.U2NETP.name
#: Models added at run time from a file (:class:`peel.models.recognise.ModelFile`), name -> model.
#: Not in :data:`MODELS`: the build serves every declared model, never a user's file.
FILE_MODELS = {}


def register_model(model):
    """Make a recognised model file a ``model`` choice under its name (not a built-in's)."""
    if model.name in MODELS:
        raise InvalidArgumentError(f"model name {model.name!r} is a built-in model's")
    FILE_MODELS[model.name] = model
    return model


def model_names():
    """The built-in model names, then those of the registered files."""
    return MODEL_NAMES + tuple(FILE_MODELS)


def get_model(name) -> Model:
    """The model (declared, or a registered file) called ``name``; InvalidArgumentError for an unknown name."""
    try:
        return MODELS[name] if name in MODELS else FILE_MODELS[name]
    except (KeyError, TypeError):
        raise InvalidArgumentError(f"model must be one of {', '.join(model_names())}, got {name!r}") from None


def get_family(name, *, flag="model family"):
    """The family module called ``name``; InvalidArgumentError naming ``flag`` for an unknown one.

    >>> get_family("isnet").INPUT_SIZE
    1024
    """
    try:
        return FAMILIES[FAMILY_NAMES.index(name)]
    except ValueError:
        raise InvalidArgumentError(f"{flag} must be one of {', '.join(FAMILY_NAMES)}, got {name!r}") from None
