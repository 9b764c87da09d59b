"""The only Python <-> JavaScript glue (runs in Pyodide, inside the worker).

js/worker/jobs.js imports this module and calls `remove` (new image: model + pixels) and `render` (the
same image again with other settings: pixels only). The image last worked on stays here as a
:class:`peel.render_cache.RenderCache` under the id the page gave it, so that a control change neither
decodes the file nor copies its pixels again, and redoes only the steps after that control; the
page re-sends the pixels (`keep`) when another image took its place. Pixels cross the boundary as buffers
(`JsBuffer.assign_to` / `assign`: one memcpy each way, no per-element conversion), results as
plain JS objects, and expected failures (PeelError) as {error: {name, code, message}}, so the
page never has to parse a Python traceback.
"""

from __future__ import annotations

import io
import time

import numpy as np
from js import Float32Array, Object, Uint8Array, Uint8ClampedArray  # type: ignore[import-not-found]
from PIL import Image
from pyodide.ffi import to_js  # type: ignore[import-not-found]

from peel.errors import InvalidArgumentError, PeelError
from peel.header import describe_animation, inspect_image
from peel.hints import Hints, encode_hints_png, rasterize_strokes
from peel.render_cache import RenderCache
from peel.errors import ModelOutputError
from peel.models import DEFAULT_MODEL, get_model, model_names
from peel.models.browser_files import add_model_file, check_browser_size, describe_model_file
from peel.png import encode_png as _encode_png
from peel.preprocess import MODEL_SIZE
from peel.settings import Settings

# (image id, RenderCache) of the image last worked on, or None. One image only: the page edits one
# at a time, and a 24 MP photo with its kept steps takes about 240 MB of WASM memory.
_cached = None


def _to_js_object(value: dict):
    return to_js(value, dict_converter=Object.fromEntries)


def _error(error: PeelError):
    return _to_js_object({"error": {"name": type(error).__name__, "code": error.code, "message": str(error)}})


def inspect(data):
    """Check a file from its header before the browser decodes it (no pixel is allocated).

    Parameters
    ----------
    data : Uint8Array
        The whole file.

    Returns
    -------
    JS object
        ``{notes: [str]}`` (what the card should say, e.g. that an animation's first frame is
        used) or ``{error: {name, code, message}}``.
    """
    try:
        note = describe_animation(inspect_image(data.to_py()))
        return _to_js_object({"notes": [note] if note else []})
    except PeelError as error:
        return _error(error)


def _read_rgba(pixels, width: int, height: int) -> np.ndarray:
    rgba = np.empty((height, width, 4), dtype=np.uint8)
    pixels.assign_to(rgba)
    return rgba


def _output_to_js(image: np.ndarray, settings: Settings):
    """RGBA for the browser's encoders, or PNG bytes for a mask (mode L: canvases can't)."""
    if settings.format == "mask":
        buffer = io.BytesIO()
        Image.fromarray(image, "L").save(buffer, "PNG", compress_level=1)
        png = Uint8Array.new(buffer.getbuffer().nbytes)
        png.assign(buffer.getbuffer())
        return _to_js_object({"png": png})
    if image.shape[2] == 3:  # opaque background: the canvas wants RGBA
        # Pillow's conversion, not numpy's strided copy: several times faster in Pyodide (bench/README.md).
        image = np.asarray(Image.fromarray(image, "RGB").convert("RGBA"))
    pixels = Uint8ClampedArray.new(image.size)
    pixels.assign(np.ascontiguousarray(image))
    return _to_js_object({"width": image.shape[1], "height": image.shape[0], "pixels": pixels})


def encode_png(pixels, width: int, height: int):
    """PNG file (Uint8Array) of RGBA `pixels` (Uint8ClampedArray), where the canvas is slow."""
    data = _encode_png(_read_rgba(pixels, width, height))
    png = Uint8Array.new(len(data))
    png.assign(data)
    return png


def is_kept(image_id: str) -> bool:
    """Whether `render` can run for this image without its pixels (see `keep`)."""
    return _cached is not None and _cached[0] == image_id


def keep(image_id: str, pixels, width: int, height: int, mask_js, mask_height=MODEL_SIZE, mask_width=MODEL_SIZE):
    """Keep an image (in place of the one kept before) for `render`.

    Parameters
    ----------
    image_id : str
        The page's name for it, from `remove`'s result.
    pixels : Uint8ClampedArray
        RGBA bytes of the original image, ``height * width * 4``.
    mask_js : Float32Array
        (mask_height*mask_width) mask that `remove` returned for this image (its ``maskShape``).
    """
    global _cached
    _cached = None  # let go of the old image before the new one is read (WASM memory)
    mask = np.empty((mask_height, mask_width), dtype=np.float32)
    mask_js.assign_to(mask)
    _cached = (image_id, RenderCache(_read_rgba(pixels, width, height), mask))


def _edits(edits_js):
    """Hints from the page's ``{strokes: [{tool, radius, points}], snap}`` (None: no edits)."""
    if edits_js is None:
        return None
    edits = edits_js.to_py()
    if not isinstance(edits, dict):
        raise InvalidArgumentError("edits must be an object {strokes, snap}")
    return Hints.from_list(edits.get("strokes", []), snap=edits.get("snap", True))


async def remove(image_id: str, pixels, width: int, height: int, infer, settings_js,
                 background=None, background_width=None, background_height=None, edits_js=None):
    """Cut the subject out of an image, render it with `settings_js`, and keep it for `render`.

    Parameters
    ----------
    image_id : str
        A new id for this image, for `render` later.
    pixels : Uint8ClampedArray
        RGBA bytes of an ImageData, row-major, length ``height * width * 4``.
    width, height : int
    infer : async JS function
        ``(Float32Array, dims)`` -> Float32Array: the model named by ``settings_js.model`` on its
        input of shape ``dims`` (1, 3, h, w); its raw output, (1, 1, h, w).
    settings_js : JS object
        Fields of :class:`peel.settings.Settings`.
    background, background_width, background_height, edits_js : optional
        As for `render`.

    Returns
    -------
    JS object
        ``{timings: {prepare, postprocess}, mask: Float32Array, maskShape: [h, w], output, layout}`` with
        output ``{width, height, pixels}`` (RGBA) or ``{png}``, and layout where a product photo put the
        photo's pixels (``{scale: [sx, sy], offset: [x, y], source: [W, H], canvas: [w, h]}``: canvas =
        offset + photo × scale; None when the output is in the photo's own pixels); or
        ``{error: {name, code, message}}``.
    """
    global _cached
    try:
        settings = Settings.from_dict(settings_js.to_py())
        hints = _edits(edits_js)
        _cached = None  # let go of the old image before the new one is read (WASM memory)
        t0 = time.perf_counter()
        rgba = _read_rgba(pixels, width, height)
        model = get_model(settings.model)
        tensor = model.prepare_input(rgba)
        tensor_js = Float32Array.new(tensor.size)
        tensor_js.assign(tensor)
        prepare_ms = _ms_since(t0)

        prediction_js = await infer(tensor_js, to_js(list(tensor.shape)))
        t0 = time.perf_counter()
        prediction = np.empty(tensor.shape[2:], dtype=np.float32)  # both models: (1, 1, h, w) out
        if prediction_js.length != prediction.size:
            raise ModelOutputError(f"{model.name} gave {prediction_js.length} values, expected {prediction.size}")
        prediction_js.assign_to(prediction)
        mask = model.to_mask(prediction)
        _cached = (image_id, RenderCache(rgba, mask))
        output = _render_cached(settings, background, background_width, background_height, hints)
        mask_js = Float32Array.new(mask.size)
        mask_js.assign(mask)
        timings = {"prepare": prepare_ms, "postprocess": _ms_since(t0)}
        return _to_js_object({"timings": timings, "mask": mask_js, "maskShape": list(mask.shape), "output": output,
                              "layout": _layout()})
    except PeelError as error:
        return _error(error)


def render(image_id: str, settings_js, background=None, background_width=None, background_height=None,
           edits_js=None):
    """Render the kept image again with other settings: no model run, no pixels to read.

    Parameters
    ----------
    image_id : str
        The kept image's id (`is_kept` must be true: else `keep` it first).
    settings_js : JS object
        Fields of :class:`peel.settings.Settings`.
    background, background_width, background_height : Uint8ClampedArray, int, int, optional
        RGBA pixels of the background image, when the settings ask for one.
    edits_js : JS object, optional
        ``{strokes: [{tool: "erase"|"restore", radius, points: [[x, y], ...]}], snap: bool}``:
        the user's brush strokes in image pixels (see peel.hints); a change redoes the refinement.

    Returns
    -------
    JS object
        ``{timings: {postprocess}, output, layout}`` (as for `remove`) or ``{error: {name, code, message}}``.
    """
    try:
        settings, hints = _kept_request(image_id, settings_js, edits_js)
        t0 = time.perf_counter()
        output = _render_cached(settings, background, background_width, background_height, hints)
        return _to_js_object({"timings": {"postprocess": _ms_since(t0)}, "output": output, "layout": _layout()})
    except PeelError as error:
        return _error(error)


def render_region(image_id: str, settings_js, background=None, background_width=None, background_height=None,
                  edits_js=None, whole=False):
    """`render` after the user drew strokes: only the region they touch is redone.

    When the kept image's last render had the same settings and its strokes were the first of
    ``edits_js``'s (new strokes at the end), the steps are redone in the new strokes' region
    only (:meth:`peel.render_cache.RenderCache.render_region`); otherwise this is `render`. Either way
    the result equals `render`'s.

    Parameters
    ----------
    image_id, settings_js, background, background_width, background_height, edits_js
        As for `render`.
    whole : bool
        Also send the whole output (for the file), not only the changed box.

    Returns
    -------
    JS object
        ``{timings: {postprocess}, box: {x, y, width, height}, patch, output?, layout}`` (layout as for
        `remove`) or
        ``{error: {name, code, message}}``. ``box`` is the part of the output (in its pixels)
        outside which it equals the last render's; ``patch`` is that part of the output (as
        ``output`` is for `render`: ``{width, height, pixels}`` RGBA, or ``{png}`` for a
        mask); ``output``, the whole output, only with ``whole``. An empty box (width 0) means
        nothing changed.
    """
    try:
        settings, hints = _kept_request(image_id, settings_js, edits_js)
        t0 = time.perf_counter()
        backdrop = None if background is None else _read_rgba(background, background_width, background_height)
        if whole:
            output, (rows, cols) = _cached[1].render_region(settings, background=backdrop, hints=hints)
            patch = output[rows, cols]
        else:  # the box alone: no whole composite over a background
            patch, (rows, cols) = _cached[1].render_patch(settings, background=backdrop, hints=hints)
        box = {"x": cols.start, "y": rows.start, "width": cols.stop - cols.start, "height": rows.stop - rows.start}
        result = {"box": box}
        if box["width"] > 0 and box["height"] > 0:
            result["patch"] = _output_to_js(np.ascontiguousarray(patch), settings)
        if whole:
            result["output"] = _output_to_js(output, settings)
        result["timings"] = {"postprocess": _ms_since(t0)}
        result["layout"] = _layout()
        return _to_js_object(result)
    except PeelError as error:
        return _error(error)


def _kept_request(image_id, settings_js, edits_js):
    """(Settings, Hints or None) of a render of the kept image; refused if it is not kept."""
    if not is_kept(image_id):
        raise InvalidArgumentError(f"image {image_id!r} is not kept: keep() it first")
    values = settings_js.to_py()
    # A render runs no model: an image made with a person's model file renders from its kept
    # mask also where that file is not registered here (a later visit, or the file was removed).
    # Every family of such files but MODNet's finds subjects, as the default model does.
    if values.get("model") not in model_names():
        values["model"] = DEFAULT_MODEL
    return Settings.from_dict(values), _edits(edits_js)


def _layout():
    """The last render's product layout for the page (``ProductLayout.as_dict``), or None: the
    output is in the photo's own pixels."""
    layout = _cached[1].layout
    return None if layout is None else layout.as_dict()


def _render_cached(settings, background, background_width, background_height, hints=None):
    backdrop = None if background is None else _read_rgba(background, background_width, background_height)
    return _output_to_js(_cached[1].render(settings, background=backdrop, hints=hints), settings)


def check_model_size(size: int, file_name: str):
    """Refuse a person's model file too large for the page, from its size alone (nothing is read).

    Returns
    -------
    JS object
        ``{}``, or ``{error: {name, code, message}}`` (``model-too-large``, with the size and the
        limit in its message).
    """
    try:
        check_browser_size(size, file_name)
        return _to_js_object({})
    except PeelError as error:
        return _error(error)


def add_model(data, file_name: str, family=None, name=None):
    """Recognise a person's model file and make its name a ``model`` choice here.

    Parameters
    ----------
    data : Uint8Array
        The whole file.
    file_name : str
        Its name, for messages (and its stem names a file neither rembg nor Peel knows).
    family, name : str, optional
        The family chosen on the page; the name it was kept under (see
        :func:`peel.models.browser_files.add_model_file`).

    Returns
    -------
    JS object
        :func:`peel.models.browser_files.describe_model_file`'s fields in camelCase
        (``{name, title, family, familyLabel, kind, inputSize, size, sha256, recognisedBy,
        licence, inputDtype}``), or ``{error: {name, code, message}}``.
    """
    try:
        model = add_model_file(data.to_py(), file_name, family=family or None, name=name or None)
        described = describe_model_file(model)
        return _to_js_object({_camel(key): value for key, value in described.items()})
    except PeelError as error:
        return _error(error)


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def hints_png(width: int, height: int, edits_js):
    """The hints PNG of the page's strokes for an image of width × height (for ``peel --hints``).

    Returns
    -------
    JS object
        ``{png: Uint8Array}`` (8-bit grey: 0 = erase, 255 = restore, 128 = no hint) or
        ``{error: {name, code, message}}``.
    """
    try:
        hints = _edits(edits_js) or Hints()
        data = encode_hints_png(rasterize_strokes(hints.strokes, (height, width)))
        png = Uint8Array.new(len(data))
        png.assign(data)
        return _to_js_object({"png": png})
    except PeelError as error:
        return _error(error)


def _ms_since(t0: float) -> int:
    return round((time.perf_counter() - t0) * 1000)
