"""A person's own model file in the page: the browser's size limit, recognition, registration.

The page hands the worker a file it picked or dropped (js/worker/models.js); the worker asks
:func:`check_browser_size` first, from the size alone, then reads the bytes and calls
:func:`add_model_file`, which recognises the file exactly as ``peel --model-file`` does
(:func:`peel.models.recognise.recognise_model`) and registers it
(:func:`peel.models.register_model`), so that its name is a valid ``model`` setting in this
Python. :func:`describe_model_file` is what the page stores and shows of it.

Stdlib only (it runs in Pyodide; the unit tests run it under CPython).
"""

from __future__ import annotations

from ..errors import InvalidArgumentError
from . import FAMILY_NAMES, MODELS, get_family, register_model
from .recognise import ModelFile, check_model_size, recognise_model

__all__ = ["BROWSER_MODEL_LIMIT", "check_browser_size", "add_model_file", "describe_model_file"]

#: The largest model file the page takes. onnxruntime-web's WebAssembly memory is 32-bit (at most
#: 4 GiB), and while a session is made it holds the file's bytes and then its weights, and a run
#: adds the activations (ISNet at 1024: about 1.4 GB natively for an 88 MB file); Python holds
#: a copy of the bytes while it recognises them. Every rembg model but the full BiRefNets fits.
BROWSER_MODEL_LIMIT = 512 * 2**20

_ASK_FAMILY = f"choose its family ({', '.join(FAMILY_NAMES)}) in the list beside the file, and add it again"


def check_browser_size(size, file_name, *, max_bytes=BROWSER_MODEL_LIMIT):
    """Refuse a file too large for the page before it is read (ModelTooLargeError).

    Parameters
    ----------
    size : int
        The file's size in bytes.
    file_name : str
        Its name, for the message.
    max_bytes : int
    """
    check_model_size(int(size), what=file_name, max_bytes=max_bytes)


def add_model_file(data, file_name, *, family=None, name=None, max_bytes=BROWSER_MODEL_LIMIT) -> ModelFile:
    """Recognise a model file from its bytes and make its name a ``model`` choice.

    Parameters
    ----------
    data : bytes, bytearray or memoryview
        The whole file.
    file_name : str
        Its name as the person gave it: messages name it, and its stem names a file that
        neither rembg nor Peel knows.
    family : str, optional
        The family the person chose, for a file whose family cannot be told (``u2net``,
        ``isnet``, ``birefnet`` or ``modnet``); empty or None: recognise it.
    name : str, optional
        The name to register it under (the name it had when it was added, on a later visit).

    Returns
    -------
    ModelFile
        Registered: :func:`peel.models.get_model` finds it by its name.

    Raises
    ------
    ModelTooLargeError, NotOnnxError, NotSegmentationModelError, UnknownModelFamilyError
        From :func:`peel.models.recognise.recognise_model`, each naming the file.
    InvalidArgumentError
        ``family`` is not a family, or the file is one of Peel's built-in models.
    """
    if family:
        get_family(family, flag="family")
    model = recognise_model(data, family=family or None, name=name or None, flag="", file_name=file_name,
                            max_bytes=max_bytes, ask_family=_ASK_FAMILY)
    if model.name in MODELS:
        raise InvalidArgumentError(f"{file_name} is Peel's own {model.name} model, which is built in already: "
                                   "choose it under Model")
    return register_model(model)


def describe_model_file(model: ModelFile) -> dict:
    """What the page keeps and shows of a registered file: plain values only.

    Returns
    -------
    dict
        ``name``, ``title`` (for the cards), ``family``, ``family_label``, ``kind``,
        ``input_size`` (the square side it runs at), ``size`` (bytes), ``sha256``,
        ``recognised_by``, ``licence`` (``NOASSERTION`` unless rembg publishes it), ``input_dtype``.
    """
    family = get_family(model.family)
    return {
        "name": model.name,
        "title": model.title,
        "family": model.family,
        "family_label": family.LABEL,
        "kind": model.kind,
        "input_size": model.input_size,
        "size": model.size,
        "sha256": model.sha256,
        "recognised_by": model.recognised_by,
        "licence": model.licence,
        "input_dtype": model.signature.inputs[0].dtype,
    }
