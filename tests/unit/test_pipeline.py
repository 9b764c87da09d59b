"""cut_out, remove_background and OnnxInference, with fake and native inference."""

import numpy as np
import pytest

import peel
from peel import (ArgumentTypeError, ImageTypeError, InvalidArgumentError, InvalidImageError, ModelOutputError,
                  OnnxInference, cut_out, normalize_prediction, prepare_input, remove_background, upscale_mask)

SIZES = [(1, 1), (1, 9), (9, 1), (5, 3), (17, 31), (401, 299)]


def gradient_prediction(batched=True):
    """A (1, 1, 320, 320) logit-like ramp: background left, foreground right."""
    ramp = np.linspace(-8, 8, 320, dtype=np.float32)
    prediction = np.broadcast_to(ramp, (320, 320)).copy()
    return prediction[None, None] if batched else prediction


class RecordingInfer:
    """Fake inference: checks and remembers its input, returns a fixed prediction."""

    def __init__(self, prediction):
        self.prediction = prediction
        self.tensors = []

    def __call__(self, tensor):
        assert tensor.shape == (1, 3, 320, 320) and tensor.dtype == np.float32
        self.tensors.append(tensor)
        return self.prediction


def random_image(size, channels, seed=0):
    shape = size if channels is None else (*size, channels)
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


# ---------------------------------------------------------------- cut_out

@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("batched", [True, False], ids=["1x1x320x320", "320x320"])
@pytest.mark.parametrize("opaque", [True, False], ids=["opaque", "translucent"])
def test_cut_out_is_normalize_upscale_apply(size, batched, opaque):
    rgba = random_image(size, 4, seed=1)
    if opaque:
        rgba[..., 3] = 255
    prediction = gradient_prediction(batched)
    before = rgba.copy()
    out = cut_out(rgba, prediction)
    alpha8 = upscale_mask(normalize_prediction(prediction), size)
    assert out.shape == (*size, 4) and out.dtype == np.uint8
    np.testing.assert_array_equal(rgba, before)
    np.testing.assert_array_equal(out[..., :3], rgba[..., :3])
    expected = np.round(rgba[..., 3].astype(np.float64) * alpha8 / 255)
    np.testing.assert_array_equal(out[..., 3], expected)


def test_cut_out_in_place():
    rgba = random_image((123, 77), 4, seed=2)
    expected = cut_out(rgba, gradient_prediction())
    assert cut_out(rgba, gradient_prediction(), out=rgba) is rgba
    np.testing.assert_array_equal(rgba, expected)


def test_cut_out_ramp_goes_from_clear_to_opaque():
    rgba = np.full((300, 500, 4), 255, np.uint8)
    alpha = cut_out(rgba, gradient_prediction())[..., 3]
    assert (alpha[:, 0] == 0).all() and (alpha[:, -1] == 255).all()
    assert (np.diff(alpha.astype(int), axis=1) >= 0).all()  # monotonic like the ramp


def test_cut_out_constant_prediction_clears_everything():
    out = cut_out(np.full((5, 5, 4), 255, np.uint8), np.zeros((1, 1, 320, 320), np.float32))
    assert (out[..., 3] == 0).all()


def test_cut_out_errors():
    with pytest.raises(InvalidImageError, match="rgba"):
        cut_out(np.zeros((4, 4, 3), np.uint8), gradient_prediction())
    with pytest.raises(ModelOutputError):
        cut_out(np.zeros((4, 4, 4), np.uint8), np.full((1, 1, 320, 320), np.nan, np.float32))
    with pytest.raises(InvalidArgumentError, match="out"):
        cut_out(np.zeros((4, 4, 4), np.uint8), gradient_prediction(), out=np.zeros((3, 4, 4), np.uint8))


# ---------------------------------------------------------------- remove_background

@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("channels", [None, 3, 4], ids=["grey", "rgb", "rgba"])
def test_remove_background_any_input(size, channels):
    image = random_image(size, channels, seed=3)
    image.flags.writeable = False  # must not be written to, even for RGBA
    infer = RecordingInfer(gradient_prediction())
    out = remove_background(image, infer)
    assert len(infer.tensors) == 1
    rgba = peel.as_rgba(image)
    np.testing.assert_array_equal(infer.tensors[0], prepare_input(rgba))
    np.testing.assert_array_equal(out, cut_out(rgba, gradient_prediction()))
    assert out is not image and out.flags.writeable


@pytest.mark.parametrize("infer", [None, "model.onnx", 3])
def test_remove_background_rejects_non_callable(infer):
    with pytest.raises(ArgumentTypeError, match="infer"):
        remove_background(np.zeros((4, 4, 3), np.uint8), infer)


@pytest.mark.parametrize(
    "prediction",
    [None, np.zeros((1, 3, 320, 320), np.float32), np.full((320, 320), np.inf, np.float32), "mask"],
    ids=["none", "three-channels", "inf", "str"],
)
def test_remove_background_rejects_bad_model_output(prediction):
    with pytest.raises(ModelOutputError) as caught:
        remove_background(np.zeros((4, 4, 3), np.uint8), lambda tensor: prediction)
    assert caught.value.code == "bad-model-output"


def test_remove_background_rejects_bad_image():
    with pytest.raises(ImageTypeError, match="image"):
        remove_background(np.zeros((4, 4, 3), np.float64), RecordingInfer(gradient_prediction()))


# ---------------------------------------------------------------- native onnxruntime

def test_onnx_inference_output(native_infer, fixture_image):
    prediction = native_infer(prepare_input(peel.as_rgba(fixture_image("astronaut"))))
    assert prediction.shape == (1, 1, 320, 320)
    assert prediction.dtype == np.float32
    assert np.isfinite(prediction).all()


def test_onnx_inference_threads_and_repr(upstream_model_path):
    infer = OnnxInference(upstream_model_path, threads=1)
    assert infer(np.zeros((1, 3, 320, 320), np.float32)).shape == (1, 1, 320, 320)
    assert "threads=1" in repr(infer)


@pytest.mark.parametrize(("threads", "error"), [(0, InvalidArgumentError), (1.5, ArgumentTypeError),
                                                (True, ArgumentTypeError)])
def test_onnx_inference_rejects_bad_threads(upstream_model_path, threads, error):
    with pytest.raises(error, match="threads"):
        OnnxInference(upstream_model_path, threads=threads)


def test_onnx_inference_missing_model(tmp_path):
    with pytest.raises(FileNotFoundError, match="model_path"):
        OnnxInference(tmp_path / "missing.onnx")


@pytest.mark.parametrize("name", ["astronaut", "coffee"])
def test_full_pipeline_with_native_onnxruntime(name, fixture_image, native_infer):
    image = fixture_image(name)
    out = remove_background(image, native_infer)
    height, width = image.shape[:2]
    assert out.shape == (height, width, 4) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[..., :3], image[..., :3])
    alpha = out[..., 3]
    # A real cut-out: some of both, and mostly decided (not a grey fog).
    assert (alpha == 0).mean() > 0.05
    # rembg's truncation: a sure subject is 250-254 (only the mask's maximum reaches 255).
    assert (alpha >= 250).mean() > 0.05
    assert ((alpha > 25) & (alpha < 230)).mean() < 0.2
    # Deterministic: the browser's split call sequence gives the same bytes.
    rgba = peel.as_rgba(image).copy()
    assert cut_out(rgba, native_infer(prepare_input(rgba)), out=rgba) is rgba
    np.testing.assert_array_equal(rgba, out)
