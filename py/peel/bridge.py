"""The only Python <-> JavaScript glue (runs in Pyodide, inside the worker).

js/runtime.js imports this module and calls `remove`. Pixels cross the boundary as buffers
(`JsBuffer.assign_to` / `assign`: one memcpy each way, no per-element conversion), results as
plain JS objects, and expected failures (PeelError) as {error: {name, code, message}}, so the
page never has to parse a Python traceback.
"""

from __future__ import annotations

import time

import numpy as np
from js import Float32Array, Object  # type: ignore[import-not-found]
from pyodide.ffi import to_js  # type: ignore[import-not-found]

from peel.errors import PeelError
from peel.pipeline import cut_out, prepare_input

MODEL_OUTPUT_SHAPE = (320, 320)


def _to_js_object(value: dict):
    return to_js(value, dict_converter=Object.fromEntries)


async def remove(pixels, width: int, height: int, infer):
    """Cut the subject out of `pixels`, in place.

    Parameters
    ----------
    pixels : Uint8ClampedArray
        RGBA bytes of an ImageData, row-major, length ``height * width * 4``. On success its
        alpha channel holds the cut-out's alpha.
    width, height : int
    infer : async JS function
        Float32Array (1*3*320*320) -> Float32Array (1*1*320*320), the raw model output.

    Returns
    -------
    JS object
        ``{timings: {prepare, postprocess}}`` in ms (copies in and out included), or ``{error: {name, code, message}}``.
    """
    try:
        timings = {}
        t0 = time.perf_counter()
        rgba = np.empty((height, width, 4), dtype=np.uint8)
        pixels.assign_to(rgba)
        tensor = prepare_input(rgba)
        tensor_js = Float32Array.new(tensor.size)
        tensor_js.assign(tensor)
        timings["prepare"] = _ms_since(t0)

        prediction_js = await infer(tensor_js)
        t0 = time.perf_counter()
        prediction = np.empty(MODEL_OUTPUT_SHAPE, dtype=np.float32)
        prediction_js.assign_to(prediction)
        cut_out(rgba, prediction, out=rgba)
        pixels.assign(rgba)
        timings["postprocess"] = _ms_since(t0)
        return _to_js_object({"timings": timings})
    except PeelError as error:
        return _to_js_object({"error": {"name": type(error).__name__, "code": error.code,
                                        "message": str(error)}})


def _ms_since(t0: float) -> int:
    return round((time.perf_counter() - t0) * 1000)
