"""peel.settings and peel.render: the schema and what each setting does to the pixels."""

import numpy as np
import pytest

from peel.errors import ArgumentTypeError, InvalidArgumentError
from peel.render import composite_over, cover, feather_alpha, render
from peel.settings import Settings


def photo(height=60, width=80):
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    return rgba


def centre_mask():
    """A 320×320 mask: a filled square in the middle, background elsewhere."""
    mask = np.zeros((320, 320), np.float32)
    mask[80:240, 80:240] = 1.0
    return mask


def test_defaults_are_the_reference_cut_out():
    rgba = photo()
    out = render(rgba.copy(), centre_mask(), Settings())
    assert out.shape == (60, 80, 4) and out.dtype == np.uint8
    # Colours untouched wherever the alpha is decided (colour clean-up changes partial pixels only).
    decided = (out[..., 3] == 0) | (out[..., 3] == 255)
    assert decided.mean() > 0.9 and (out[..., :3][decided] == rgba[..., :3][decided]).all()
    assert out[0, 0, 3] == 0 and out[30, 40, 3] == 255


@pytest.mark.parametrize(("values", "error"), [
    ({"format": "gif"}, InvalidArgumentError),
    ({"quality": 2}, InvalidArgumentError),
    ({"quality": "high"}, ArgumentTypeError),
    ({"feather": -1}, InvalidArgumentError),
    ({"background": "stars"}, InvalidArgumentError),
    ({"background_color": "red"}, InvalidArgumentError),
    ({"product": "yes"}, ArgumentTypeError),
    ({"product_size": 10.5}, ArgumentTypeError),
    ({"product_aspect": "4x3"}, InvalidArgumentError),
    ({"product_aspect": "0:1"}, InvalidArgumentError),
    ({"colour": "#ffffff"}, InvalidArgumentError),
])
def test_bad_settings_are_typed_errors_naming_the_field(values, error):
    with pytest.raises(error, match=next(iter(values)) if "colour" not in values else "unknown"):
        Settings.from_dict(values)


def test_settings_round_trip():
    settings = Settings(format="webp", feather=2.5, product=True, product_aspect="4:3")
    assert Settings.from_dict(settings.to_dict()) == settings
    assert settings.aspect == (4, 3)


def test_jpeg_over_red_has_red_corners_and_mask_only_is_gray():
    red = render(photo(), centre_mask(), Settings(format="jpeg", background="color", background_color="#ff0000"))
    assert red.shape == (60, 80, 3)
    assert tuple(red[0, 0]) == (255, 0, 0) and tuple(red[-1, -1]) == (255, 0, 0)
    white = render(photo(), centre_mask(), Settings(format="jpeg"))
    assert tuple(white[0, 0]) == (255, 255, 255)
    mask = render(photo(), centre_mask(), Settings(format="mask"))
    assert mask.shape == (60, 80) and mask.dtype == np.uint8 and mask[0, 0] == 0 and mask[30, 40] == 255


def test_feather_softens_the_edge_and_zero_is_identity():
    alpha = np.zeros((40, 40), np.uint8)
    alpha[:, 20:] = 255
    assert feather_alpha(alpha, 0) is alpha
    soft = feather_alpha(alpha, 3)
    assert 0 < soft[20, 19] < 255 and 0 < soft[20, 20] < 255
    assert soft[20, 0] == 0 and soft[20, 39] == 255


def test_image_background_covers_and_blur_keeps_the_subject_sharp():
    rgba = photo()
    backdrop = np.zeros((10, 30, 4), np.uint8)
    backdrop[..., 2] = 200
    out = render(rgba.copy(), centre_mask(), Settings(background="image"), background=backdrop)
    assert out.shape == (60, 80, 3) and tuple(out[0, 0]) == (0, 0, 200)
    blurred = render(rgba.copy(), centre_mask(), Settings(background="blur", background_blur=10))
    assert (blurred[30, 40] == rgba[30, 40, :3]).all()  # inside the subject: the photo itself
    assert blurred[:5, :5].std() < rgba[:5, :5, :3].std()  # background: smoothed


def test_product_mode_gives_the_canvas_size():
    out = render(photo(), centre_mask(), Settings(product=True, product_size=300, product_aspect="4:3", format="jpeg"))
    assert out.shape == (225, 300, 3)
    assert tuple(out[0, 0]) == (255, 255, 255)


def test_composite_over_is_exact_at_the_ends():
    rgba = np.array([[[10, 20, 30, 0], [10, 20, 30, 255]]], np.uint8)
    out = composite_over(rgba, np.array([200, 100, 50], np.uint8))
    assert out.tolist() == [[[200, 100, 50], [10, 20, 30]]]


def test_cover_fills_and_centres():
    image = np.zeros((10, 40, 3), np.uint8)
    image[:, 18:22] = 255  # scaled ×2 and cropped to the middle: columns 6–13 of the result
    out = np.asarray(cover(image, (20, 20)))
    assert out.shape == (20, 20, 3)
    assert out[10, 10, 0] == 255 and out[10, 0, 0] == 0
