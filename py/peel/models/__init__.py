"""The models Peel can run: one :class:`~peel.models.declaration.Model` declaration each.

A family module (``u2net``, ``modnet``) holds its models' declarations (``MODELS``) and the
family's ``input_shape(height, width, size)``, ``prepare_input(rgba, size)`` and
``to_mask(prediction)``: the reference preprocessing and the (h, w) float32 mask in [0, 1] from
the raw output. Everything else about a model (the page's choices and texts, the build's files,
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
from . import modnet, u2net
from .declaration import Model, PinnedFile

__all__ = ["Model", "PinnedFile", "FAMILIES", "MODELS", "MODEL_NAMES", "DEFAULT_MODEL", "get_model"]

#: The family modules (stdlib only at module level: the build reads them).
FAMILIES = (u2net, modnet)
#: name -> Model, the default first.
MODELS = {model.name: model for family in FAMILIES for model in family.MODELS}
MODEL_NAMES = tuple(MODELS)
#: The model every engine starts with; the others are downloaded when first picked.
DEFAULT_MODEL = u2net.U2NETP.name


def get_model(name) -> Model:
    """The model called ``name``; InvalidArgumentError for an unknown name."""
    try:
        return MODELS[name]
    except (KeyError, TypeError):
        raise InvalidArgumentError(f"model must be one of {', '.join(MODEL_NAMES)}, got {name!r}") from None
