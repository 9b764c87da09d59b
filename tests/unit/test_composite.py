"""apply_alpha: alpha combination, colours, in-place writing, errors."""

import numpy as np
import pytest

from peel import ArgumentTypeError, ImageTypeError, InvalidArgumentError, InvalidImageError, apply_alpha
from peel import composite

SIZES = [(1, 1), (1, 9), (9, 1), (5, 3), (17, 31), (64, 1000)]


def random_rgba(size, seed=0, opaque=False):
    rgba = np.random.default_rng(seed).integers(0, 256, (*size, 4), dtype=np.uint8)
    if opaque:
        rgba[..., 3] = 255
    return rgba


def expected_alpha(alpha, alpha8):
    return np.round(alpha.astype(np.float64) * alpha8 / 255).astype(np.uint8)


@pytest.fixture(params=[False, True], ids=["one-block", "many-blocks"])
def small_blocks(request, monkeypatch):
    """Run each test with the default block size and with blocks of a few rows (odd remainder)."""
    if request.param:
        monkeypatch.setattr(composite, "_BLOCK_PIXELS", 37)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("opaque", [True, False], ids=["opaque", "translucent"])
@pytest.mark.parametrize("seed", [0, 1])
def test_apply_alpha_combines_and_keeps_colours(size, opaque, seed, small_blocks):
    rgba = random_rgba(size, seed, opaque)
    alpha8 = np.random.default_rng(seed + 100).integers(0, 256, size, dtype=np.uint8)
    before = rgba.copy()
    out = apply_alpha(rgba, alpha8)
    assert out.shape == rgba.shape and out.dtype == np.uint8
    assert out is not rgba
    np.testing.assert_array_equal(rgba, before)  # input untouched without out=
    np.testing.assert_array_equal(out[..., :3], rgba[..., :3])
    np.testing.assert_array_equal(out[..., 3], expected_alpha(rgba[..., 3], alpha8))
    if opaque:
        np.testing.assert_array_equal(out[..., 3], alpha8)


def test_apply_alpha_rounds_every_product_exactly(small_blocks):
    # All 256 × 256 (alpha, mask) pairs.
    rgba = np.zeros((256, 256, 4), np.uint8)
    rgba[..., 3] = np.arange(256, dtype=np.uint8)[:, None]
    alpha8 = np.broadcast_to(np.arange(256, dtype=np.uint8)[None, :], (256, 256)).copy()
    out = apply_alpha(rgba, alpha8)
    np.testing.assert_array_equal(out[..., 3], expected_alpha(rgba[..., 3], alpha8))


@pytest.mark.parametrize("size", SIZES)
def test_full_mask_keeps_alpha_and_empty_mask_clears_it(size, small_blocks):
    rgba = random_rgba(size, seed=4)
    full = apply_alpha(rgba, np.full(size, 255, np.uint8))
    np.testing.assert_array_equal(full, rgba)
    empty = apply_alpha(rgba, np.zeros(size, np.uint8))
    assert (empty[..., 3] == 0).all()
    np.testing.assert_array_equal(empty[..., :3], rgba[..., :3])


@pytest.mark.parametrize("opaque", [True, False], ids=["opaque", "translucent"])
def test_apply_alpha_in_place(opaque, small_blocks):
    rgba = random_rgba((33, 47), seed=5, opaque=opaque)
    alpha8 = random_rgba((33, 47), seed=6)[..., 0].copy()
    expected = apply_alpha(rgba, alpha8)
    result = apply_alpha(rgba, alpha8, out=rgba)
    assert result is rgba
    np.testing.assert_array_equal(rgba, expected)


def test_apply_alpha_into_other_buffer():
    rgba = random_rgba((6, 5), seed=7)
    alpha8 = random_rgba((6, 5), seed=8)[..., 0].copy()
    out = np.zeros_like(rgba)
    before = rgba.copy()
    assert apply_alpha(rgba, alpha8, out=out) is out
    np.testing.assert_array_equal(out, apply_alpha(rgba, alpha8))
    np.testing.assert_array_equal(rgba, before)


def test_apply_alpha_accepts_read_only_and_strided_inputs():
    rgba = random_rgba((10, 8), seed=9)
    alpha8 = random_rgba((10, 8), seed=10)[..., 0]  # a strided view
    expected = apply_alpha(rgba.copy(), alpha8.copy())
    rgba.flags.writeable = False
    np.testing.assert_array_equal(apply_alpha(rgba, alpha8), expected)


def test_apply_alpha_rejects_read_only_out():
    rgba = random_rgba((4, 4), seed=11)
    rgba.flags.writeable = False
    with pytest.raises(InvalidArgumentError, match="out"):
        apply_alpha(rgba, np.zeros((4, 4), np.uint8), out=rgba)


@pytest.mark.parametrize(
    ("rgba", "error"),
    [
        (np.zeros((4, 4, 3), np.uint8), InvalidImageError),
        (np.zeros((4, 4), np.uint8), InvalidImageError),
        (np.zeros((0, 4, 4), np.uint8), InvalidImageError),
        (np.zeros((4, 4, 4), np.float32), ImageTypeError),
        (None, ImageTypeError),
    ],
    ids=["rgb", "grey", "empty", "float", "none"],
)
def test_apply_alpha_rejects_bad_rgba(rgba, error):
    with pytest.raises(error, match="rgba"):
        apply_alpha(rgba, np.zeros((4, 4), np.uint8))


@pytest.mark.parametrize(
    ("alpha8", "error"),
    [
        (np.zeros((4, 5), np.uint8), InvalidArgumentError),
        (np.zeros((5, 4), np.uint8), InvalidArgumentError),
        (np.zeros((4, 4, 1), np.uint8), InvalidArgumentError),
        (np.zeros((4, 4), np.float32), ArgumentTypeError),
        (np.zeros((4, 4), np.uint16), ArgumentTypeError),
        ([[0] * 4] * 4, ArgumentTypeError),
    ],
    ids=["wide", "tall", "3d", "float", "uint16", "list"],
)
def test_apply_alpha_rejects_bad_alpha8(alpha8, error):
    with pytest.raises(error, match="alpha8"):
        apply_alpha(np.zeros((4, 4, 4), np.uint8), alpha8)


@pytest.mark.parametrize(
    ("out", "error"),
    [
        (np.zeros((4, 5, 4), np.uint8), InvalidArgumentError),
        (np.zeros((4, 4, 3), np.uint8), InvalidArgumentError),
        (np.zeros((4, 4, 4), np.float32), ArgumentTypeError),
        ("buffer", ArgumentTypeError),
    ],
    ids=["shape", "channels", "float", "str"],
)
def test_apply_alpha_rejects_bad_out(out, error):
    with pytest.raises(error, match="out"):
        apply_alpha(np.zeros((4, 4, 4), np.uint8), np.zeros((4, 4), np.uint8), out=out)
