"""The Ray Data stage of ``peel bulk``: a callable class for ``Dataset.map_batches`` on an actor pool.

Ray makes one :class:`CutoutStage` per actor: its constructor makes the actor's one
:class:`~peel.desktop.api.Remover` (an onnxruntime session cannot be pickled, so it is never
shipped, only made where it runs). Each call takes a batch of file bytes and paths, in Ray Data's
``"numpy"`` batch format, and returns one row per file: the encoded output, its name, its size and
an error code. A file that cannot be cut out is an error row with the ``peel`` command's code and
message; it never fails the job. The stage imports no Ray, so it can be called directly too.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

from ...header import DEFAULT_MAX_PIXELS
from ...settings import Settings
from ..api import Remover
from ..cli import cut_out_bytes, describe_error, output_path

__all__ = ["CutoutStage", "OutputNames", "OUTPUT_COLUMNS"]

#: The columns a call returns: input path, output path, encoded file (empty for an error row), its
#: size in bytes, the error code ("" when written) and its message.
OUTPUT_COLUMNS = ("path", "output", "bytes", "size", "code", "message")


@dataclass(frozen=True)
class OutputNames:
    """Where each input's output goes: the ``peel`` command's names, under another root.

    Parameters
    ----------
    input_root : str or None
        File-system path of the INPUT folder (None when INPUT is one file).
    output_root : str
        File-system path of the OUTPUT folder.
    settings : Settings
        Its ``format`` picks the suffix.
    renamed : dict
        ``{input path: output path}`` for inputs whose plain name another input already takes
        (``a.jpg`` and ``a.png`` → ``a-nobg.png`` and ``a-nobg (2).png``), as the driver found
        them in the full list; everything else is named by the rule alone, so no actor needs the
        whole list.

    Examples
    --------
    >>> names = OutputNames("/in", "/out", Settings(format="jpeg"))
    >>> names("/in/shoes/red.png")
    '/out/shoes/red-nobg.jpg'
    """

    input_root: str | None
    output_root: str
    settings: Settings
    renamed: dict = field(default_factory=dict)

    def __call__(self, path: str) -> str:
        if path in self.renamed:
            return self.renamed[path]
        source = PurePosixPath(path)
        folder = None if self.input_root is None else PurePosixPath(self.input_root)
        return Path(output_path(source, folder, self.settings, self.output_root)).as_posix()


class CutoutStage:
    """Cut out a batch of image files: ``Dataset.map_batches(CutoutStage, fn_constructor_kwargs=...)``.

    Parameters
    ----------
    settings : dict
        :meth:`Settings.to_dict` of what to make (every field; product mode included).
    model : bytes
        The ONNX file of ``settings["model"]``, shipped whole: a node of a cluster has no copy of
        the driver's file.
    names : OutputNames
        Output path of each input path.
    threads : int
        onnxruntime intra-op threads: the CPUs Ray gave this actor. onnxruntime sizes its pool to
        the host's cores otherwise (it ignores the OMP_NUM_THREADS=1 that Ray sets), and N actors
        would then fight over them.
    background : numpy.ndarray, optional
        (H, W, 4) uint8 picture behind the subject (``background="image"``).
    max_pixels : int
        Larger input files are error rows (``too-large``).
    providers : list, optional
        onnxruntime execution providers, e.g. ``["CUDAExecutionProvider", "CPUExecutionProvider"]``
        for an actor that Ray gave a (share of a) GPU; the CPU when omitted.
    """

    def __init__(self, settings, model, names, *, threads=1, background=None, max_pixels=DEFAULT_MAX_PIXELS,
                 providers=None):
        self.settings = Settings.from_dict(dict(settings))
        self.names = names
        self.background = background
        self.max_pixels = max_pixels
        with tempfile.TemporaryDirectory(prefix="peel-model-") as folder:
            path = os.path.join(folder, f"{self.settings.model}.onnx")
            Path(path).write_bytes(model)
            self.remover = Remover({self.settings.model: path}, threads=threads, providers=providers)
            self.remover.session(self.settings.model)  # made now: onnxruntime reads the file once

    def __call__(self, batch):
        """One output row per input row.

        Parameters
        ----------
        batch : dict of numpy.ndarray
            ``bytes`` (object, the files' bytes) and ``path`` (str) of ``read_binary_files(...,
            include_paths=True)``, N rows each.

        Returns
        -------
        dict of numpy.ndarray
            The :data:`OUTPUT_COLUMNS`, N rows each: ``size`` int64, the others object.
        """
        rows = [self.cut_out(data, str(path)) for data, path in zip(batch["bytes"], batch["path"])]
        columns = {name: _object_array([row[index] for row in rows]) for index, name in enumerate(OUTPUT_COLUMNS)}
        columns["size"] = columns["size"].astype(np.int64)
        return columns

    def cut_out(self, data, path):
        """``(path, output, bytes, size, code, message)`` of one file; an error row when it fails."""
        output = self.names(path)
        try:
            encoded = cut_out_bytes(bytes(data), self.remover, self.settings, background=self.background,
                                    max_pixels=self.max_pixels)
        except Exception as error:  # noqa: BLE001 — one bad file must not fail the job
            code, message = describe_error(error)
            return path, output, b"", 0, code, message
        return path, output, encoded, len(encoded), "", ""


def _object_array(values):
    """A 1-D object array of `values` (np.array would make a 2-D array of equal-length bytes)."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array
