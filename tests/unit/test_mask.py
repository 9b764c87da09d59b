"""normalize_prediction and upscale_mask: shapes, dtypes, values, errors."""

import numpy as np
import pytest
from PIL import Image

from peel import ArgumentTypeError, InvalidArgumentError, ModelOutputError, normalize_prediction, upscale_mask

SIZES = [(1, 1), (1, 9), (9, 1), (5, 3), (17, 31), (320, 320)]


# ---------------------------------------------------------------- normalize_prediction

@pytest.mark.parametrize("size", [(2, 1), (1, 2), (5, 3), (320, 320)])
@pytest.mark.parametrize("batched", [True, False], ids=["1x1xhxw", "hxw"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int32, np.uint8])
@pytest.mark.parametrize("seed", [0, 1])
def test_normalize_prediction_shape_dtype_range(size, batched, dtype, seed):
    raw = np.random.default_rng(seed).uniform(-20, 40, size)
    raw[0, 0], raw[-1, -1] = -20, 40  # never constant, even at 2 px and uint8
    raw = raw.clip(0, 40) if dtype == np.uint8 else raw
    prediction = raw.astype(dtype)
    if batched:
        prediction = prediction[None, None]
    before = prediction.copy()
    mask = normalize_prediction(prediction)
    assert mask.shape == size
    assert mask.dtype == np.float32
    assert mask.min() == 0.0 and mask.max() == 1.0
    exact = raw.astype(dtype).astype(np.float64)
    expected = (exact - exact.min()) / np.ptp(exact)
    np.testing.assert_allclose(mask, expected, atol=1e-6)
    np.testing.assert_array_equal(prediction, before)


@pytest.mark.parametrize("value", [0.0, 1.0, -3.5, 1e30])
@pytest.mark.parametrize("size", [(1, 1), (320, 320)])
def test_normalize_prediction_constant_gives_zeros(value, size):
    mask = normalize_prediction(np.full((1, 1, *size), value, np.float32))
    assert mask.shape == size and mask.dtype == np.float32
    assert not np.isnan(mask).any()
    assert (mask == 0).all()


def test_normalize_prediction_extreme_range_is_finite():
    finfo = np.finfo(np.float32)
    mask = normalize_prediction(np.array([[finfo.min, 0, finfo.max]], np.float32))
    np.testing.assert_allclose(mask, [[0, 0.5, 1]], atol=1e-6)
    tiny = normalize_prediction(np.array([[0, finfo.smallest_subnormal]], np.float32))
    np.testing.assert_array_equal(tiny, [[0, 1]])


def test_normalize_prediction_accepts_sequence():
    np.testing.assert_array_equal(normalize_prediction([[1, 2], [3, 5]]), np.array([[0, 0.25], [0.5, 1]], np.float32))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_normalize_prediction_rejects_non_finite(bad):
    prediction = np.zeros((1, 1, 8, 8), np.float32)
    prediction[0, 0, 3, 4] = bad
    with pytest.raises(ModelOutputError, match="NaN or infinity") as caught:
        normalize_prediction(prediction)
    assert isinstance(caught.value, ValueError)
    assert caught.value.code == "bad-model-output"


@pytest.mark.parametrize(
    "prediction",
    [
        np.zeros((1, 320, 320), np.float32),
        np.zeros((2, 1, 4, 4), np.float32),
        np.zeros((1, 2, 4, 4), np.float32),
        np.zeros((16,), np.float32),
        np.zeros((1, 1, 1, 4, 4), np.float32),
        np.float32(3.0),
        np.zeros((0, 5), np.float32),
        np.zeros((1, 1, 0, 0), np.float32),
        np.zeros((4, 4), np.bool_),
        np.zeros((4, 4), np.complex64),
        np.array([["a", "b"]]),
        None,
        {"output": 1},
    ],
    ids=["1xhxw", "batch2", "channels2", "1d", "5d", "scalar", "empty", "empty4d",
         "bool", "complex", "str", "none", "dict"],
)
def test_normalize_prediction_rejects_bad_output(prediction):
    with pytest.raises(ModelOutputError, match="prediction"):
        normalize_prediction(prediction)


# ---------------------------------------------------------------- upscale_mask

@pytest.mark.parametrize("mask_size", [(1, 1), (1, 7), (7, 1), (5, 3), (320, 320)])
@pytest.mark.parametrize("size", SIZES + [(3000, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_upscale_mask_shape_dtype_range(mask_size, size, dtype):
    mask = np.random.default_rng(0).uniform(0, 1, mask_size).astype(dtype)
    before = mask.copy()
    alpha8 = upscale_mask(mask, size)
    assert alpha8.shape == size
    assert alpha8.dtype == np.uint8
    # (LANCZOS rings beyond the mask's range on noise like this: no range to assert; the
    # values are checked against Pillow's below.)
    np.testing.assert_array_equal(mask, before)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("value", "expected"), [(1.0, 255), (0.0, 0), (0.5, 127), (0.998, 254), (0.999, 254)])
def test_upscale_mask_constant(size, value, expected):
    alpha8 = upscale_mask(np.full((320, 320), value, np.float32), size)
    assert (alpha8 == expected).all()


def test_upscale_mask_same_size_truncates():
    mask = np.random.default_rng(2).uniform(0, 1, (6, 4)).astype(np.float32)
    np.testing.assert_array_equal(upscale_mask(mask, (6, 4)), (mask * 255).astype(np.uint8))


def test_upscale_mask_is_rembgs_truncation_and_pillow_lanczos():
    mask = np.random.default_rng(3).uniform(0, 1, (20, 30)).astype(np.float32)
    small = Image.fromarray((mask * 255).astype(np.uint8), "L")
    expected = np.asarray(small.resize((301, 199), Image.Resampling.LANCZOS))
    np.testing.assert_array_equal(upscale_mask(mask, (199, 301)), expected)


def test_upscale_mask_clips_out_of_range():
    alpha8 = upscale_mask(np.array([[-1.0, 2.0, 0.0, 1.0, 1e30, -1e30]], np.float32), (1, 6))
    np.testing.assert_array_equal(alpha8, [[0, 255, 0, 255, 255, 0]])


def test_upscale_mask_accepts_numpy_ints_in_size():
    assert upscale_mask(np.ones((2, 2), np.float32), (np.int64(3), np.uint16(4))).shape == (3, 4)


@pytest.mark.parametrize(
    ("mask", "error"),
    [
        (np.ones((4, 4), np.uint8), ArgumentTypeError),
        (np.ones((4, 4), np.int32), ArgumentTypeError),
        ([[0.5]], ArgumentTypeError),
        (np.ones((4, 4, 1), np.float32), InvalidArgumentError),
        (np.ones((1, 1, 4, 4), np.float32), InvalidArgumentError),
        (np.ones((0, 4), np.float32), InvalidArgumentError),
        (np.array([[0.5, np.nan]], np.float32), InvalidArgumentError),
    ],
    ids=["uint8", "int32", "list", "3d", "4d", "empty", "nan"],
)
def test_upscale_mask_rejects_bad_mask(mask, error):
    with pytest.raises(error, match="mask") as caught:
        upscale_mask(mask, (8, 8))
    assert caught.value.code == "invalid-argument"


@pytest.mark.parametrize(
    ("size", "error"),
    [
        ((0, 5), InvalidArgumentError),
        ((5, -1), InvalidArgumentError),
        ((5,), ArgumentTypeError),
        ((5, 5, 5), ArgumentTypeError),
        (5, ArgumentTypeError),
        ("ab", ArgumentTypeError),
        ((1.5, 2), ArgumentTypeError),
        ((True, 3), ArgumentTypeError),
        ((None, 3), ArgumentTypeError),
    ],
)
def test_upscale_mask_rejects_bad_size(size, error):
    with pytest.raises(error, match="size"):
        upscale_mask(np.ones((2, 2), np.float32), size)
