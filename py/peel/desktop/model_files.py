"""Which model file a desktop run uses: a built-in's pinned file, one of rembg's, or any file.

``peel --model isnet-general-use`` looks for ``isnet-general-use.onnx`` where rembg keeps its
models (:func:`rembg_home`) and checks its md5 against rembg's; ``--model-file PATH`` takes any
file, recognised by :func:`peel.models.recognise.recognise_model`. A recognised file that is not
a built-in model is registered (:func:`peel.models.register_model`), so its name becomes a valid
``model`` setting.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelChecksumError, ModelFileError, ModelNotFoundError, UnknownModelFamilyError
from ..models import MODEL_NAMES, MODELS, get_family, get_model, register_model
from ..models.recognise import PROTOBUF_LIMIT, ModelFile, recognise_model
from ..models.rembg import RELEASES, REMBG_MODELS, REMBG_NAMES

__all__ = ["rembg_home", "find_rembg_files", "rembg_model_path", "open_model", "memory_limit", "file_md5", "FoundFile"]


def rembg_home(environ=None) -> Path:
    """The folder rembg downloads its models into, by rembg's own rule.

    ``$U2NET_HOME``, else ``$XDG_DATA_HOME/.u2net``, else ``~/.u2net`` (``~`` expanded).
    """
    environ = os.environ if environ is None else environ
    home = environ.get("U2NET_HOME") or os.path.join(environ.get("XDG_DATA_HOME") or "~", ".u2net")
    return Path(os.path.expanduser(home))


@dataclass(frozen=True)
class FoundFile:
    """An ``.onnx`` file in rembg's folder: its path, size and rembg entry (None: not a rembg name)."""

    path: Path
    size: int
    rembg: object


def find_rembg_files(home=None):
    """The ``.onnx`` files in rembg's folder, rembg's names first (in rembg's order), then others.

    Their md5s are not checked here (a BiRefNet file is almost 1 GB): :func:`rembg_model_path`
    does that before one is used.
    """
    folder = Path(home) if home is not None else rembg_home()
    if not folder.is_dir():
        return []
    files = sorted((p for p in folder.iterdir() if p.suffix.lower() == ".onnx" and p.is_file()),
                   key=lambda p: (REMBG_NAMES.index(p.stem) if p.stem in REMBG_MODELS else len(REMBG_NAMES), p.name))
    return [FoundFile(p, p.stat().st_size, REMBG_MODELS.get(p.stem)) for p in files]


def file_md5(path):
    """Hex md5 of a file's bytes (rembg's checksum)."""
    digest = hashlib.md5()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def rembg_model_path(name, home=None, *, flag="--model") -> Path:
    """The verified file of rembg's model ``name`` in rembg's folder.

    Raises
    ------
    ModelNotFoundError
        ``name`` is not a rembg model, or rembg's folder has no ``<name>.onnx``.
    ModelChecksumError
        The file's md5 is not rembg's for that name (a partial download, another file).
    """
    if name not in REMBG_MODELS:
        raise ModelNotFoundError(f"{flag} {name}: no such model; built in: {', '.join(MODEL_NAMES)}; rembg's: "
                                 f"{', '.join(REMBG_NAMES)}; or use --model-file PATH for any other file")
    folder = Path(home) if home is not None else rembg_home()
    path = folder / f"{name}.onnx"
    if not path.is_file():
        raise ModelNotFoundError(f"{flag} {name}: no {path.name} in {folder} (rembg's model folder: $U2NET_HOME, "
                                 f"else ~/.u2net). rembg puts it there the first time it runs it "
                                 f"(rembg i -m {name} in.png out.png); its releases: {RELEASES}")
    actual = file_md5(path)
    if actual != REMBG_MODELS[name].md5:
        raise ModelChecksumError(f"{flag} {name}: {path} is not rembg's {name} (md5 {actual}, expected "
                                 f"{REMBG_MODELS[name].md5}); a partial download? Delete it and let rembg fetch "
                                 "it again, or pass it with --model-file to use it anyway")
    return path


def memory_limit():
    """Largest model file accepted here: a quarter of the machine's memory, at most 2 GiB.

    A session holds the weights and the activations of one 1024 × 1024 image besides the file;
    a single-file ONNX model cannot exceed 2 GiB anyway.
    """
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):  # not POSIX
        return PROTOBUF_LIMIT
    return min(PROTOBUF_LIMIT, total // 4)


def open_model(model=None, model_file=None, *, family=None, input_size=None, home=None):
    """The model to run and its file, from a ``--model`` and a ``--model-file``.

    Parameters
    ----------
    model : str, optional
        A built-in model (its pinned file unless `model_file`), one of rembg's names (found in
        rembg's folder unless `model_file`), or the name to give `model_file`.
    model_file : str or os.PathLike, optional
        Any ONNX file; recognised (md5, then signature, then `family`).
    family : str, optional
        ``--model-family``: the family of a file that cannot be recognised otherwise.
    input_size : int, optional
        Square input side other than the family's (a graph that accepts it).
    home : str or os.PathLike, optional
        rembg's folder (default :func:`rembg_home`).

    Returns
    -------
    name : str
        The ``model`` setting to use (registered when it is not built in).
    path : pathlib.Path or ModelFile or None
        The built-in's file (None: its pinned file), or the recognised file.

    Raises
    ------
    PeelError
        ``model-not-found``, ``model-checksum``, ``not-onnx``, ``not-segmentation-model``,
        ``unknown-model-family``, ``model-too-large``, ``invalid-argument``; each names its flag.
    """
    if model_file is None:
        if model is None or model in MODELS:
            return get_model(model or MODEL_NAMES[0]).name, None
        found = rembg_model_path(model, home)
        spec = recognise_model(found, family=family, input_size=input_size, flag="--model",
                               max_bytes=memory_limit())
        return _register(spec), spec
    if not Path(model_file).is_file():
        raise ModelNotFoundError(f"--model-file {model_file}: no such file")
    if model in MODELS:  # the built-in's own file, given locally: it must be of that model's family
        expected = MODELS[model].family
        try:
            found = recognise_model(model_file, max_bytes=memory_limit())
        except UnknownModelFamilyError:  # a signature that says nothing (MODNet's): take the user's word
            return model, Path(model_file)
        if found.family != expected:
            raise ModelFileError(f"--model-file {Path(model_file).name}: a model of the "
                                 f"{get_family(found.family).LABEL} family, "
                                 f"not a file of --model {model}; leave out --model to run it as what it is")
        return model, Path(model_file)
    spec = recognise_model(model_file, family=family, name=model, input_size=input_size, flag="--model-file",
                           max_bytes=memory_limit())
    if spec.name in MODELS:  # rembg's u2netp is Peel's own u2netp
        return spec.name, spec.path
    return _register(spec), spec


def _register(spec: ModelFile) -> str:
    register_model(spec)
    return spec.name
