"""peel.png.encode_png: lossless where visible, RGB when opaque, validated inputs."""

import io

import numpy as np
import pytest
from PIL import Image

from peel.png import encode_png


def decode(data):
    with Image.open(io.BytesIO(data)) as image:
        return image.mode, np.asarray(image)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (64, 48)])
def test_visible_pixels_and_alpha_are_kept_exactly(seed, shape):
    rng = np.random.default_rng(seed)
    rgba = rng.integers(0, 256, (*shape, 4), dtype=np.uint8)
    rgba[..., 3][rng.random(shape) < 0.3] = 0
    before = rgba.copy()
    mode, out = decode(encode_png(rgba))
    assert mode == "RGBA" and out.shape == rgba.shape and out.dtype == np.uint8
    visible = rgba[..., 3] > 0
    assert np.array_equal(out[visible], rgba[visible])
    assert np.array_equal(out[..., 3], rgba[..., 3])
    assert not out[~visible].any()  # as a premultiplied canvas would give
    assert np.array_equal(rgba, before)  # the input is not modified


def test_opaque_images_become_rgb():
    rgba = np.full((5, 6, 4), 255, np.uint8)
    rgba[..., 0] = 10
    mode, out = decode(encode_png(rgba))
    assert mode == "RGB" and np.array_equal(out, rgba[..., :3])


@pytest.mark.parametrize("bad", [np.zeros((2, 2, 3), np.uint8), np.zeros((2, 2, 4), np.float32), [[0]]])
def test_rejects_anything_but_rgba8(bad):
    with pytest.raises(TypeError, match="rgba"):
        encode_png(bad)


def test_rejects_bad_level():
    with pytest.raises(ValueError, match="compress_level"):
        encode_png(np.zeros((1, 1, 4), np.uint8), compress_level=10)
