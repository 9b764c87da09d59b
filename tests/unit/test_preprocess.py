"""as_rgba and prepare_input: shapes, dtypes, values, errors."""

import numpy as np
import pytest
from PIL import Image

from peel import ImageTypeError, InvalidImageError, as_rgba, prepare_input
from peel.preprocess import IMAGENET_MEAN, IMAGENET_STD, MODEL_SIZE

SIZES = [(1, 1), (1, 9), (9, 1), (5, 3), (17, 31), (320, 320), (241, 1003)]
MEAN = np.array(IMAGENET_MEAN, np.float32)[:, None, None]
STD = np.array(IMAGENET_STD, np.float32)[:, None, None]
# The tensor of any image lies between these (pixels scaled into [0, 1]).
LOWEST = float(((0 - MEAN) / STD).min())
HIGHEST = float(((1 - MEAN) / STD).max())


def random_image(size, channels, seed=0):
    shape = size if channels is None else (*size, channels)
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def reference_tensor(rgba):
    """rembg's normalisation, in float64."""
    image = Image.fromarray(np.ascontiguousarray(rgba[..., :3]), "RGB")
    rgb = np.asarray(image.resize((MODEL_SIZE, MODEL_SIZE), Image.Resampling.LANCZOS)).astype(np.float64)
    rgb /= max(rgb.max(), 1e-6)
    chw = (rgb.transpose(2, 0, 1) - np.array(IMAGENET_MEAN)[:, None, None]) / np.array(IMAGENET_STD)[:, None, None]
    return chw[None].astype(np.float32)


# ---------------------------------------------------------------- as_rgba

@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("channels", [None, 3, 4], ids=["grey", "rgb", "rgba"])
def test_as_rgba_shape_dtype_values(size, channels):
    image = random_image(size, channels)
    before = image.copy()
    rgba = as_rgba(image)
    assert rgba.shape == (*size, 4)
    assert rgba.dtype == np.uint8
    assert rgba.flags.c_contiguous
    np.testing.assert_array_equal(image, before)  # input untouched
    if channels is None:
        for channel in range(3):
            np.testing.assert_array_equal(rgba[..., channel], image)
    else:
        np.testing.assert_array_equal(rgba[..., :3], image[..., :3])
    if channels == 4:
        np.testing.assert_array_equal(rgba[..., 3], image[..., 3])
    else:
        assert (rgba[..., 3] == 255).all()


def test_as_rgba_returns_contiguous_rgba_itself():
    image = random_image((4, 6), 4)
    assert as_rgba(image) is image


def test_as_rgba_copies_non_contiguous_rgba():
    image = random_image((4, 12), 4)[:, ::3]
    rgba = as_rgba(image)
    assert rgba.flags.c_contiguous
    np.testing.assert_array_equal(rgba, image)


def test_as_rgba_accepts_read_only():
    image = random_image((3, 5), 3)
    image.flags.writeable = False
    assert as_rgba(image).shape == (3, 5, 4)


@pytest.mark.parametrize(
    "image",
    [
        [[0, 1], [2, 3]],
        None,
        np.zeros((4, 4, 3), np.float32),
        np.zeros((4, 4, 3), np.uint16),
        np.zeros((4, 4), np.bool_),
        np.zeros((4, 4, 3), np.int8),
    ],
    ids=["list", "none", "float32", "uint16", "bool", "int8"],
)
def test_as_rgba_rejects_wrong_type(image):
    with pytest.raises(ImageTypeError, match="image") as caught:
        as_rgba(image)
    assert isinstance(caught.value, TypeError)
    assert caught.value.code == "invalid-image"


@pytest.mark.parametrize(
    "shape",
    [(5,), (4, 4, 1), (4, 4, 2), (4, 4, 5), (1, 4, 4, 3), (0, 4), (4, 0), (0, 0, 3), (3, 0, 4), ()],
)
def test_as_rgba_rejects_bad_shape_or_empty(shape):
    with pytest.raises(InvalidImageError, match="image") as caught:
        as_rgba(np.zeros(shape, np.uint8))
    assert isinstance(caught.value, ValueError)
    assert not isinstance(caught.value, TypeError)


# ---------------------------------------------------------------- prepare_input

@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("seed", [0, 1])
def test_prepare_input_shape_dtype_range(size, seed):
    rgba = random_image(size, 4, seed)
    before = rgba.copy()
    tensor = prepare_input(rgba)
    assert tensor.shape == (1, 3, MODEL_SIZE, MODEL_SIZE)
    assert tensor.dtype == np.float32
    assert tensor.flags.c_contiguous
    assert np.isfinite(tensor).all()
    assert LOWEST - 1e-5 <= tensor.min() and tensor.max() <= HIGHEST + 1e-5
    np.testing.assert_array_equal(rgba, before)


@pytest.mark.parametrize("size", SIZES)
def test_prepare_input_matches_reference_below_reducing_range(size):
    rgba = random_image(size, 4, seed=3)
    np.testing.assert_allclose(prepare_input(rgba), reference_tensor(rgba), rtol=0, atol=1e-5)


def test_prepare_input_divides_by_max_not_255():
    rgba = np.empty((7, 5, 4), np.uint8)
    rgba[...] = (200, 100, 50, 255)
    tensor = prepare_input(rgba)
    expected = (np.array([1.0, 0.5, 0.25], np.float32)[:, None, None] - MEAN) / STD
    np.testing.assert_allclose(tensor[0], np.broadcast_to(expected, (3, MODEL_SIZE, MODEL_SIZE)), atol=1e-6)


def test_prepare_input_black_image_is_finite():
    tensor = prepare_input(np.zeros((3, 3, 4), np.uint8))
    np.testing.assert_allclose(tensor[0], np.broadcast_to(-MEAN / STD, (3, MODEL_SIZE, MODEL_SIZE)), atol=1e-6)


def test_prepare_input_ignores_alpha():
    rgba = random_image((40, 30), 4, seed=5)
    opaque = rgba.copy()
    opaque[..., 3] = 255
    transparent = rgba.copy()
    transparent[..., 3] = 0
    np.testing.assert_array_equal(prepare_input(rgba), prepare_input(opaque))
    np.testing.assert_array_equal(prepare_input(rgba), prepare_input(transparent))


def test_prepare_input_channels_are_rgb_order():
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0] = 255  # pure red
    tensor = prepare_input(rgba)
    np.testing.assert_allclose(tensor[0, :, 0, 0], ((np.array([1, 0, 0]) - IMAGENET_MEAN) / IMAGENET_STD), atol=1e-6)


def test_prepare_input_accepts_read_only_and_non_contiguous():
    rgba = random_image((30, 60), 4, seed=7)
    expected = prepare_input(rgba)
    read_only = rgba.copy()
    read_only.flags.writeable = False
    np.testing.assert_array_equal(prepare_input(read_only), expected)
    strided = np.zeros((30, 120, 4), np.uint8)
    strided[:, ::2] = rgba
    np.testing.assert_array_equal(prepare_input(strided[:, ::2]), expected)


def test_prepare_input_large_image_is_the_reference():
    # No reducing_gap shortcut: a large image gets rembg's exact LANCZOS downscale too.
    y, x = np.mgrid[0:1500, 0:2000]
    rgb = np.stack([x * 255 // 2000, y * 255 // 1500, (x + y) * 255 // 3500], axis=-1).astype(np.uint8)
    rgba = as_rgba(rgb)
    diff = np.abs(prepare_input(rgba) - reference_tensor(rgba)).max()
    assert diff < 1e-5


@pytest.mark.parametrize(
    ("rgba", "error"),
    [
        (np.zeros((4, 4, 3), np.uint8), InvalidImageError),
        (np.zeros((4, 4), np.uint8), InvalidImageError),
        (np.zeros((0, 4, 4), np.uint8), InvalidImageError),
        (np.zeros((4, 4, 4), np.float32), ImageTypeError),
        ("pixels", ImageTypeError),
    ],
    ids=["rgb", "grey", "empty", "float", "str"],
)
def test_prepare_input_rejects(rgba, error):
    with pytest.raises(error, match="rgba"):
        prepare_input(rgba)
