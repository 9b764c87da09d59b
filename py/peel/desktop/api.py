"""The desktop API: images in (paths, bytes, PIL images, arrays), PIL images or files out.

:func:`remove` is the one-call form; a :class:`Remover` keeps its onnxruntime session for many
images. Both take the fields of :class:`peel.settings.Settings` as keyword options, so a
result the page shows can be reproduced here with the same names and values.

Examples
--------
>>> import peel                                                    # doctest: +SKIP
>>> peel.remove("photo.jpg", feather=2).save("photo-nobg.png")     # doctest: +SKIP
>>> remover = peel.Remover()                                       # doctest: +SKIP
>>> remover.remove("shoe.jpg", product=True, format="jpeg")        # doctest: +SKIP
<PIL.Image.Image image mode=RGB size=2000x2000 at 0x...>
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from ..errors import ArgumentTypeError, CorruptImageError, InvalidArgumentError
from ..header import DEFAULT_MAX_PIXELS, inspect_image
from ..hints import read_hints_png, snap_hints
from ..models import DEFAULT_MODEL, MODELS, get_model, model_names, register_model
from ..models.recognise import ModelFile
from ..preprocess import as_rgba
from ..render import render
from ..settings import OUTPUT_SUFFIX, Settings

__all__ = ["Remover", "remove", "read_image", "encode", "to_pil", "OUTPUT_SUFFIX"]


def read_image(image, *, max_pixels=DEFAULT_MAX_PIXELS):
    """Pixels of an image as an RGBA array, the way the browser would decode it.

    Files (a path or bytes) are checked with :func:`peel.header.inspect_image` first, so a bad
    file gets the same error code as in the browser; EXIF orientation is applied.

    Parameters
    ----------
    image : str, os.PathLike, bytes, PIL.Image.Image or numpy.ndarray
        A file's path or its bytes, a PIL image, or grey (H, W), RGB (H, W, 3) or RGBA
        (H, W, 4) uint8 pixels.
    max_pixels : int, optional
        Largest accepted width × height of a file (keyword only).

    Returns
    -------
    numpy.ndarray
        (H, W, 4) uint8, a new array (never the caller's).

    Raises
    ------
    PeelError
        ``empty-file``, ``not-an-image``, ``unsupported-format``, ``corrupt-image``,
        ``too-large``, ``invalid-image`` (see :mod:`peel.errors`).
    FileNotFoundError
        No file at that path.
    """
    if isinstance(image, (str, os.PathLike)):
        image = Path(image).read_bytes()
    if isinstance(image, (bytes, bytearray, memoryview)):
        info = inspect_image(image, max_pixels=max_pixels)
        try:
            with Image.open(io.BytesIO(image)) as opened:
                opened.load()
                return _pil_to_rgba(opened)
        except (OSError, SyntaxError, ValueError) as error:  # Pillow's ways of saying "damaged"
            raise CorruptImageError(f"This {info.format} file is damaged and cannot be decoded ({error}).",
                                    format=info.format) from error
    if isinstance(image, Image.Image):
        return _pil_to_rgba(image)
    if isinstance(image, np.ndarray):
        rgba = as_rgba(image)
        return rgba.copy() if rgba is image else rgba
    raise ArgumentTypeError(f"image must be a path, bytes, a PIL image or a numpy array, got {type(image).__name__}")


def _pil_to_rgba(image):
    """A PIL image (any mode, any orientation tag) as (H, W, 4) uint8."""
    image = ImageOps.exif_transpose(image)
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit grey: scale, Pillow's convert would clip
        array = np.asarray(image, dtype=np.float32)
        peak = 65535.0 if mode != "I" or array.max() > 255 else 255.0
        grey = np.clip(np.rint(array * (255.0 / peak)), 0, 255).astype(np.uint8)
        return as_rgba(grey)
    if mode == "F":
        return as_rgba(np.clip(np.rint(np.asarray(image) * 255.0), 0, 255).astype(np.uint8))
    transparent = mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    converted = image.convert("RGBA" if transparent else "RGB")
    return as_rgba(np.array(converted))


def to_pil(output):
    """A render() result as a PIL image: L (mask), RGB (opaque) or RGBA."""
    if output.ndim == 2:
        return Image.fromarray(output, "L")
    return Image.fromarray(np.ascontiguousarray(output), "RGB" if output.shape[2] == 3 else "RGBA")


def encode(image, settings: Settings) -> bytes:
    """The output file's bytes: PNG, WebP or JPEG as ``settings.format`` says (mask: grey PNG).

    Parameters
    ----------
    image : PIL.Image.Image
        What :meth:`Remover.remove` returned for these settings.
    settings : Settings
    """
    buffer = io.BytesIO()
    quality = round(settings.quality * 100)
    if settings.format == "jpeg":
        image.convert("RGB").save(buffer, "JPEG", quality=quality)
    elif settings.format == "webp":
        image.save(buffer, "WEBP", quality=quality, method=4)
    else:  # png, mask
        image.save(buffer, "PNG", compress_level=3)
    return buffer.getvalue()


class Remover:
    """Background removal with one onnxruntime session per model, each reused for every image.

    Parameters
    ----------
    model_files : dict or str or os.PathLike, optional
        Local ONNX files to use, ``{model name: path}`` (a single path: the u2netp file). A model
        without one gets its pinned file, fetched once (hash-verified) into ``~/.cache/peel``
        (``$PEEL_CACHE``) when first used. A name that is not built in names the file given
        (``{"isnet-general-use": path}``), which is recognised (see ``peel.models.recognise``).
    threads : int, optional
        onnxruntime intra-op threads; all cores when omitted.
    model : str or os.PathLike, optional
        The model :meth:`remove` uses when its options name none (keyword only): a built-in
        model, one of rembg's names (its file found in ``$U2NET_HOME`` or ``~/.u2net`` and
        md5-checked), or the path of any ONNX file (its family recognised).
    model_family : str, optional
        ``u2net``, ``isnet``, ``birefnet`` or ``modnet``: the family of a file that cannot be
        recognised otherwise.
    providers : list, optional
        onnxruntime execution providers (see :class:`peel.desktop.native.OnnxInference`); the
        CPU when omitted.

    Examples
    --------
    >>> remover = Remover()                                        # doctest: +SKIP
    >>> for path in ["a.jpg", "b.jpg"]:                            # doctest: +SKIP
    ...     remover.remove(path, model="modnet", background="color", background_color="#ffffff")
    """

    def __init__(self, model_files=None, threads=None, *, model=None, model_family=None, log=None,
                 providers=None):
        from .model_files import open_model

        if model_files is not None and not isinstance(model_files, dict):
            model_files = {DEFAULT_MODEL: model_files}
        self.model_files = {}
        for name, path in (model_files or {}).items():
            if isinstance(path, ModelFile):  # recognised already (the command's worker processes)
                if name not in MODELS:
                    register_model(path)
                self.model_files[name] = path.path
            else:
                name, spec = open_model(name, path, family=model_family)
                self.model_files[name] = getattr(spec, "path", spec)
        self.model = DEFAULT_MODEL
        if model is not None:
            as_file = not isinstance(model, str) or (model not in MODELS and Path(model).suffix.lower() == ".onnx")
            self.model, spec = open_model(None if as_file else model, model if as_file else None,
                                          family=model_family)
            if spec is not None:
                self.model_files[self.model] = getattr(spec, "path", spec)
        self.model_family = model_family
        self.threads = threads
        self.providers = providers
        self.log = log or (lambda *_: None)
        self.sessions = {}

    def session(self, model=DEFAULT_MODEL):
        """The ``infer(tensor) -> prediction`` of a model (an OnnxInference), made on first use."""
        from .native import OnnxInference

        name = get_model(model).name
        if name not in self.sessions:
            path = self.model_files.get(name) or getattr(get_model(name), "path", None)
            if path is None:
                from .assets import model_path

                path = model_path(log=self.log, name=name)
            self.sessions[name] = OnnxInference(path, threads=self.threads, providers=self.providers,
                                                flag=f"model {name} ({Path(path).name})")
        return self.sessions[name]

    def mask(self, rgba, model=DEFAULT_MODEL):
        """The model's (h, w) float32 mask in [0, 1] of an (H, W, 4) uint8 image: (320, 320) for
        u2netp, MODNet's input size for modnet."""
        spec = get_model(model)
        return spec.to_mask(self.session(model)(spec.prepare_input(rgba)))

    def remove(self, image, *, background_image=None, hints=None, snap=True, max_pixels=DEFAULT_MAX_PIXELS,
               **options):
        """Cut out the subject of `image` and render it with `options` (and the user's edits).

        Parameters
        ----------
        image : str, os.PathLike, bytes, PIL.Image.Image or numpy.ndarray
            See :func:`read_image`.
        background_image : same types as `image`, optional
            The picture behind the subject; implies ``background="image"`` unless given.
        hints : str, os.PathLike, bytes or numpy.ndarray, optional
            Edits, as the page's editor downloads them: a hints PNG (path or bytes) or an (H, W)
            uint8 array of grey levels, of the image's size: 0 = erase (sure background),
            255 = restore (sure foreground), anything else = no hint (see :mod:`peel.hints`).
        snap : bool
            "Snap to edges": the rim of each painted area is solved from the photo's colours, so
            a rough stroke across a real edge still gives the photo's edge. False applies the
            hints literally.
        max_pixels : int, optional
            Largest accepted input file, in pixels.
        **options
            Fields of :class:`peel.settings.Settings` (``model="modnet"``, ``feather=2``,
            ``format="jpeg"``...); ``model`` may also be one of rembg's names (its file found
            as for the Remover's ``model``). Default model: the Remover's.

        Returns
        -------
        PIL.Image.Image
            "L" for ``format="mask"``, "RGB" over an opaque background or for JPEG, else "RGBA".
        """
        options.setdefault("model", self.model)
        if options["model"] not in model_names():  # one of rembg's, found in its folder
            from .model_files import open_model

            name, spec = open_model(options["model"], family=self.model_family)
            self.model_files[name] = getattr(spec, "path", spec)
        if background_image is not None:
            options.setdefault("background", "image")
        settings = Settings.from_dict(options)
        rgba = read_image(image, max_pixels=max_pixels)
        backdrop = None
        if background_image is not None and settings.background == "image":
            backdrop = read_image(background_image, max_pixels=max_pixels)
        if settings.background == "image" and backdrop is None:
            raise InvalidArgumentError("background='image' needs a background_image")
        hint_map = None
        if hints is not None:
            hint_map = read_hints_png(hints, rgba.shape[:2], flag="hints")
            if snap:
                hint_map = snap_hints(hint_map)
        return to_pil(render(rgba, self.mask(rgba, settings.model), settings, background=backdrop, hints=hint_map))


_default = None


def remove(image, **options):
    """Cut out the subject of one image: :meth:`Remover.remove` with a shared default Remover.

    Examples
    --------
    >>> cutout = remove("photo.jpg", feather=2)          # doctest: +SKIP
    >>> cutout.mode, cutout.size                          # doctest: +SKIP
    ('RGBA', (4032, 3024))
    """
    global _default
    if _default is None:
        _default = Remover()
    return _default.remove(image, **options)
