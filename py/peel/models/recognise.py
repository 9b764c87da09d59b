"""A model file someone gives Peel: what it is, and whether Peel can run it.

In this order (issue 27):

1. its size against the memory limit, before anything is read;
2. its graph's signature must be one (1, 3, H, W) image in and a (1, 1, H, W) mask first out
   (:mod:`peel.models.onnx_graph`), else it is refused;
3. its md5 against rembg's published ones (:mod:`peel.models.rembg`) and its sha256 against
   Peel's own pinned files: then its name, family and licence are known;
4. otherwise the family the caller names (``--model-family``), or the one a graph edited by
   ``peel.desktop.graph_edit`` records in its metadata;
5. otherwise the signature's size: 320 × 320 is U²-Net, 1024 × 1024 with side outputs ISNet and
   with a single output BiRefNet; anything else asks for ``--model-family``.

A file that is not ONNX, not a segmentation model or too large gets a typed error
(:mod:`peel.errors`) whose message names the file the way the caller gave it (``flag``).

Stdlib only: this runs in Pyodide too (a file's bytes) as under CPython (a path).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from dataclasses import dataclass

from ..errors import ModelTooLargeError, NotSegmentationModelError, UnknownModelFamilyError
from . import FAMILY_NAMES, MODELS, get_family
from .declaration import Model
from .onnx_graph import read_signature
from .rembg import RembgModel, by_md5

__all__ = ["ModelFile", "recognise_model", "guess_family", "check_segmentation_signature", "check_model_size",
           "PROTOBUF_LIMIT"]

#: An ONNX file without external weights is one protobuf message, which cannot exceed 2 GiB.
PROTOBUF_LIMIT = 2**31 - 1
_FLOATS = ("float32", "float16")


@dataclass(frozen=True, kw_only=True, eq=False)
class ModelFile(Model):
    """A recognised model file: a :class:`~peel.models.declaration.Model` without a pinned file.

    It is used wherever a declared model is (``name``, ``label``, ``kind``, ``family``,
    ``input_size``, ``input_shape``, ``prepare_input``, ``to_mask``), but is never in
    :data:`peel.models.MODELS` (the build serves those): :func:`peel.models.register_model`
    makes its name a ``model`` choice. Build one with :func:`recognise_model`.

    Attributes
    ----------
    path : pathlib.Path or None
        The file (None when it was given as bytes).
    size : int
        Its size in bytes.
    md5, sha256 : str
        Its hashes (hex).
    rembg : peel.models.rembg.RembgModel or None
        rembg's entry when the md5 is one rembg publishes.
    signature : peel.models.onnx_graph.GraphSignature
    recognised_by : str
        ``"md5"``, ``"sha256"`` (Peel's own pinned file), ``"family"`` (given), ``"metadata"`` (a
        graph edited by ``peel.desktop.graph_edit``, which records its family and size) or
        ``"signature"``.
    mean : tuple of 3 floats or None
        This model's normalisation mean where it is not its family's (rembg's isnet-anime).
    """

    path: Path | None = None
    size: int = 0
    md5: str = ""
    sha256: str = ""
    rembg: RembgModel | None = None
    signature: object = None
    recognised_by: str = ""
    mean: tuple | None = None

    @classmethod
    def of(cls, *, name, family, rembg=None, input_size=None, **details):
        """The model of a file of ``family`` (a family name), named ``name``; texts from rembg's entry."""
        module = get_family(family)
        label = rembg.label if rembg else f"{name} ({module.LABEL})"
        return cls(name=name, label=label, title=f"{name} ({module.LABEL})", called=f"the model {name}",
                   description=label, family=family, kind=module.KIND,
                   input_size=input_size or module.INPUT_SIZE,
                   licence=rembg.licence if rembg else "NOASSERTION", origin=rembg.source if rembg else "",
                   rembg=rembg, mean=rembg.mean if rembg else None, **details)

    def prepare_input(self, rgba):
        """(1, 3, h, w) float32: this file's input for an (H, W, 4) uint8 image, as rembg makes it."""
        if self.mean is None:
            return super().prepare_input(rgba)
        return self.processing.prepare_input(rgba, self.input_size, mean=self.mean)

    def __repr__(self):
        return f"<ModelFile {self.name!r} ({self.family}, {self.size} bytes, by {self.recognised_by})>"


def _pinned_by_sha256():
    """sha256 -> name of Peel's own pinned model files (u2netp, modnet)."""
    return {model.file.sha256: name for name, model in MODELS.items()}


def check_segmentation_signature(signature, *, what="the file"):
    """Raise NotSegmentationModelError unless the graph is one image in, a mask first out.

    Parameters
    ----------
    signature : peel.models.onnx_graph.GraphSignature
    what : str
        How messages name the file (``--model-file x.onnx``).
    """
    problems = []
    if len(signature.inputs) != 1:
        problems.append(f"{len(signature.inputs)} inputs")
    else:
        (image,) = signature.inputs
        shape = image.shape
        if image.dtype not in _FLOATS:
            problems.append(f"a {image.dtype} input")
        if shape is not None and (len(shape) != 4 or shape[0] not in (1, None) and not isinstance(shape[0], str)
                                  or shape[1] not in (3, None) and not isinstance(shape[1], str)):
            problems.append("an input that is not one RGB image")
    if not signature.outputs:
        problems.append("no output")
    else:
        shape = signature.outputs[0].shape
        if shape is not None and (len(shape) != 4 or shape[1] not in (1, None) and not isinstance(shape[1], str)):
            problems.append("a first output that is not one mask")
    if problems:
        found_in = "; ".join(info.describe() for info in signature.inputs) or "nothing"
        found_out = "; ".join(info.describe() for info in signature.outputs[:3]) or "nothing"
        if len(signature.outputs) > 3:
            found_out += f" and {len(signature.outputs) - 3} more"
        raise NotSegmentationModelError(
            f"{what}: an ONNX model, but not an image segmentation model ({', '.join(problems)}). "
            f"It takes {found_in} and gives {found_out}; expected one float input of shape "
            f"[1, 3, H, W] (an RGB image) and a first output of shape [1, 1, H, W] (its mask).")


def guess_family(signature):
    """The family name a segmentation model's signature tells, or None when it does not.

    320 × 320 input: U²-Net (rembg's u2net, u2netp, u2net_human_seg, silueta: 7 outputs, the
    first the fused map). 1024 × 1024: ISNet when it has side outputs (DIS exports 6 maps and
    more), BiRefNet when its only output is the final map. Any other size, or one that is not
    fixed (MODNet's, or a dynamic export of another network), cannot be told apart.
    """
    shape = signature.inputs[0].shape if signature.inputs else None
    if not shape or len(shape) != 4 or not all(isinstance(side, int) for side in shape[2:]):
        return None
    height, width = shape[2:]
    if (height, width) == (320, 320):
        return "u2net"
    if (height, width) == (1024, 1024):
        return "isnet" if len(signature.outputs) > 1 else "birefnet"
    return None


def _hashes(data):
    md5, sha256 = hashlib.md5(), hashlib.sha256()
    view = memoryview(data)
    for start in range(0, len(view), 1 << 22):
        md5.update(view[start:start + (1 << 22)])
        sha256.update(view[start:start + (1 << 22)])
    return md5.hexdigest(), sha256.hexdigest()


def _stem_name(path):
    stem = Path(path).name if path else "model"
    stem = stem[:-5] if stem.lower().endswith(".onnx") else stem
    return re.sub(r"[^\w.+-]+", "-", stem).strip("-.") or "model"


def _human(size):
    return f"{size / 1e9:.1f} GB" if size >= 1e9 else f"{size / 1e6:.1f} MB"


def check_model_size(size, *, what="--model-file", max_bytes=PROTOBUF_LIMIT):
    """Raise ModelTooLargeError when a file of ``size`` bytes is over ``max_bytes`` (nothing is read).

    Parameters
    ----------
    size, max_bytes : int
        The file's size and the largest accepted, in bytes.
    what : str
        How the message names the file.
    """
    if size > max_bytes:
        raise ModelTooLargeError(f"{what}: the file is {_human(size)}, larger than the {_human(max_bytes)} a model "
                                 "may take here (it would not fit in memory)", size=size, limit=max_bytes)


def recognise_model(source, *, family=None, name=None, input_size=None, flag="--model-file",
                    max_bytes=PROTOBUF_LIMIT, file_name=None,
                    ask_family=f"say which with --model-family ({', '.join(FAMILY_NAMES)})"):
    """Recognise a model file and check that Peel can run it, before any runtime loads it.

    Parameters
    ----------
    source : str, os.PathLike, bytes, bytearray or memoryview
        The file's path, or its bytes (the page's File).
    family : str, optional
        ``u2net``, ``isnet``, ``birefnet`` or ``modnet``: used when neither the hashes nor the
        signature tell it (``--model-family``).
    name : str, optional
        The name to give it (default: rembg's name, else the file's stem).
    input_size : int, optional
        A square input side other than the family's, for a graph that accepts it.
    flag : str
        How messages name the file: ``--model-file`` gives ``--model-file x.onnx: ...``.
    max_bytes : int
        Largest accepted file; checked first, from the size alone.
    file_name : str, optional
        The file's name when ``source`` is its bytes: messages name it, and its stem is the
        default name of a file neither rembg nor Peel knows.
    ask_family : str
        What the unknown-family message asks the user to do.

    Returns
    -------
    ModelFile

    Raises
    ------
    ModelTooLargeError, NotOnnxError, NotSegmentationModelError, UnknownModelFamilyError
        Each message names the file (``flag``) and says what was found.
    InvalidArgumentError
        ``family`` is not a family name.
    FileNotFoundError
        No file at that path.
    """
    path = None
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        size = path.stat().st_size
    else:
        size = len(memoryview(source).cast("B"))
    shown = path.name if path else file_name
    what = " ".join(part for part in (flag, shown) if part) or "the file"
    check_model_size(size, what=what, max_bytes=max_bytes)
    if family is not None:
        get_family(family, flag="--model-family")  # an unknown name: the caller's error, before reading
    if path is not None:
        import mmap  # here: only a path (CPython) is mapped; the page passes bytes

        with path.open("rb") as handle:
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
    else:
        data = source
    try:
        signature = read_signature(data) if size else read_signature(b"")
        md5, sha256 = _hashes(data)
    except Exception as error:
        if hasattr(error, "message"):  # a PeelError: name the file in front of its message
            error.message = f"{what}: {error.message}"
            error.args = (error.message,)
        raise
    finally:
        if path is not None and size:
            data.close()
    check_segmentation_signature(signature, what=what)

    rembg = by_md5(md5)
    pinned = _pinned_by_sha256().get(sha256)
    if rembg is not None:
        resolved, recognised_by = rembg.family, "md5"
    elif pinned is not None:
        resolved, recognised_by = MODELS[pinned].family, "sha256"
    elif family is not None:
        resolved, recognised_by = family, "family"
    elif signature.metadata.get("peel.family") in FAMILY_NAMES:  # a graph Peel edited (graph_edit.py)
        resolved, recognised_by = signature.metadata["peel.family"], "metadata"
        if input_size is None and signature.metadata.get("peel.input_size", "").isdigit():
            input_size = int(signature.metadata["peel.input_size"])
    else:
        resolved, recognised_by = guess_family(signature), "signature"
        if resolved is None:
            raise UnknownModelFamilyError(
                f"{what}: an image segmentation model, but its family cannot be told from the file "
                f"(input {signature.inputs[0].describe()}, {len(signature.outputs)} output(s)); {ask_family}")
    default_name = rembg.name if rembg else pinned or _stem_name(path or file_name)
    return ModelFile.of(name=name or default_name, family=resolved, rembg=rembg, input_size=input_size, path=path,
                        size=size, md5=md5, sha256=sha256, signature=signature, recognised_by=recognised_by)
