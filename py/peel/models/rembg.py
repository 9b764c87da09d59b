"""rembg's published model files: name, md5, family and licence (from ``rembg/sessions/*.py``).

rembg downloads each model on first use into ``$U2NET_HOME`` (else ``$XDG_DATA_HOME/.u2net``,
else ``~/.u2net``) as ``<name>.onnx`` and checks it against the md5 in its session's
``model_hash``: a declared model's md5 is in its declaration (u2netp's), the others' here.
Peel recognises a file by that md5 (whatever it is called), and finds rembg's
files by name on the desktop (``peel --model isnet-general-use``, ``peel models``).

The licences are those of the projects that trained the weights, as their repositories state
them; rembg itself is MIT. Peel ships none of these files.

Stdlib only (the build and the page may read this table).
"""

from __future__ import annotations

from dataclasses import dataclass

from .u2net import U2NETP

__all__ = ["RembgModel", "REMBG_MODELS", "REMBG_NAMES", "by_md5", "RELEASES"]

#: Where rembg publishes its files (the URLs in its sessions): what Peel tells people.
RELEASES = "https://github.com/danielgatis/rembg/releases/tag/v0.0.0"


@dataclass(frozen=True)
class RembgModel:
    """One of rembg's model files.

    Attributes
    ----------
    name : str
        rembg's model name; its file is ``<name>.onnx`` in rembg's model folder.
    md5 : str
        rembg's ``model_hash`` (hex).
    family : str
        Its family: a module of :mod:`peel.models` (``u2net``, ``isnet``, ``birefnet``).
    label : str
        What it is for, in a few words.
    licence : str
        The weights' licence, as their upstream project states it.
    source : str
        The upstream project's page.
    mean : tuple of 3 floats or None
        This model's normalisation mean, where it is not its family's.
    """

    name: str
    md5: str
    family: str
    label: str
    licence: str
    source: str
    mean: tuple | None = None


_U2NET = "https://github.com/xuebinqin/U-2-Net"
_BIREFNET = "https://github.com/ZhengPeng7/BiRefNet"
REMBG_MODELS = {model.name: model for model in (
    RembgModel("u2net", "60024c5c889badc19c04ad937298a77b", "u2net", "anything (U²-Net, 176 MB)",
               "Apache-2.0", _U2NET),
    # Peel's own u2netp: its md5 is in its declaration (PinnedFile.md5).
    RembgModel(U2NETP.name, U2NETP.file.md5, U2NETP.family, "anything, small (Peel's default)", U2NETP.licence,
               U2NETP.origin),
    RembgModel("u2net_human_seg", "c09ddc2e0104f800e3e1bb4652583d1f", "u2net", "people (U²-Net)",
               "Apache-2.0", _U2NET),
    RembgModel("silueta", "55e59e0d8062d2f5d013f4725ee84782", "u2net", "anything (U²-Net, pruned to 43 MB)",
               "MIT (rembg)", "https://github.com/danielgatis/rembg"),
    RembgModel("isnet-general-use", "fc16ebd8b0c10d971d3513d564d01e29", "isnet", "anything, finer edges (ISNet)",
               "Apache-2.0", "https://github.com/xuebinqin/DIS"),
    RembgModel("isnet-anime", "6f184e756bb3bd901c8849220a83e38e", "isnet", "anime characters (ISNet)",
               "Apache-2.0", "https://github.com/SkyTNT/anime-segmentation", mean=(0.485, 0.456, 0.406)),
    RembgModel("birefnet-general", "7a35a0141cbbc80de11d9c9a28f52697", "birefnet", "anything (BiRefNet)",
               "MIT", _BIREFNET),
    RembgModel("birefnet-general-lite", "4fab47adc4ff364be1713e97b7e66334", "birefnet",
               "anything (BiRefNet, Swin-T backbone)", "MIT", _BIREFNET),
    RembgModel("birefnet-portrait", "c3a64a6abf20250d090cd055f12a3b67", "birefnet", "people (BiRefNet)",
               "MIT", _BIREFNET),
    RembgModel("birefnet-dis", "2d4d44102b446f33a4ebb2e56c051f2b", "birefnet", "fine structures (BiRefNet, DIS5K)",
               "MIT", _BIREFNET),
    RembgModel("birefnet-hrsod", "c017ade5de8a50ff0fd74d790d268dda", "birefnet",
               "high-resolution salient objects (BiRefNet)", "MIT", _BIREFNET),
    RembgModel("birefnet-cod", "f6d0d21ca89d287f17e7afe9f5fd3b45", "birefnet", "camouflaged objects (BiRefNet)",
               "MIT", _BIREFNET),
    RembgModel("birefnet-massive", "33e726a2136a3d59eb0fdf613e31e3e9", "birefnet",
               "anything (BiRefNet, massive training set)", "MIT", _BIREFNET),
)}
REMBG_NAMES = tuple(REMBG_MODELS)
_BY_MD5 = {model.md5: model for model in REMBG_MODELS.values()}


def by_md5(md5):
    """The RembgModel whose published md5 is ``md5`` (hex), or None.

    >>> by_md5("8e83ca70e441ab06c318d82300c84806").name
    'u2netp'
    """
    return _BY_MD5.get(str(md5).lower())
