"""A peer's test suite in ours: rembg's own u2netp fixtures through Peel's reference mode.

rembg's test (``tests/test_remove.py`` in its repository) runs each photo of
``tests/fixtures/rembg/fixtures/`` through ``remove(..., session=new_session("u2netp"))`` and
compares the output with a stored expected PNG (``tests/fixtures/rembg/results/``). Here the
same photos go through ``peel.Remover().remove(path, **Settings.reference().to_dict())`` with
native onnxruntime on the pinned upstream model, and the alpha channel must match rembg's
stored one to within 1/255 on every pixel (floating-point order of operations may move a value
across a truncation boundary; nothing more is allowed).

Why not rembg's own comparison: it compares 64-bit perceptual hashes (``imagehash.phash``) of
expected and actual output. phash converts the image to grey first, which drops the alpha
channel, so it never looks at the mask, the one thing a background remover makes; and a
64-bit hash of a 32×32 DCT cannot see an edge that is off by a few pixels anyway. Comparing
the alpha directly is both stricter and about the right thing.

The colour channels are not compared: rembg's are the photo multiplied by the alpha (black
where the alpha is 0, darkened at soft edges); Peel keeps the photo's own colours with a
straight alpha (docs/edge-quality.md, "rembg's colours and ours"). The test checks that too, so that a
change of convention cannot happen by accident.
"""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import peel
from peel.settings import Settings

REMBG = Path(__file__).resolve().parent.parent / "fixtures" / "rembg"
NAMES = sorted(path.stem for path in (REMBG / "fixtures").glob("*.jpg"))


@pytest.fixture(scope="module")
def remover(upstream_model_path):
    return peel.Remover(upstream_model_path)


def test_all_four_fixtures_are_there():
    assert NAMES == ["anime-girl-1", "car-1", "cloth-1", "plants-1"]


@pytest.mark.parametrize("name", NAMES)
def test_reference_mode_alpha_equals_rembgs_stored_u2netp_result(name, remover):
    photo = REMBG / "fixtures" / f"{name}.jpg"
    with Image.open(REMBG / "results" / f"{name}.u2netp.png") as stored:
        expected = np.asarray(stored.convert("RGBA"))
    output = remover.remove(photo, **Settings.reference().to_dict())
    assert output.mode == "RGBA" and output.size == (expected.shape[1], expected.shape[0])
    result = np.asarray(output)

    error = np.abs(result[..., 3].astype(np.int16) - expected[..., 3])
    print(f"\n{name}: alpha max diff {error.max()}/255, {np.count_nonzero(error)} pixels differ by 1")
    assert error.max() <= 1

    # Same alpha, different colour convention: ours are the photo's colours.
    with Image.open(photo) as original:
        colours = np.asarray(original.convert("RGB"))
    np.testing.assert_array_equal(result[..., :3], colours)
    partial = (expected[..., 3] > 0) & (expected[..., 3] < 250)
    assert (expected[..., :3][partial] <= colours[partial]).all()  # rembg's: darkened by the alpha


@pytest.mark.parametrize("name", NAMES)
def test_reference_mask_format_is_the_same_alpha(name, remover):
    photo = REMBG / "fixtures" / f"{name}.jpg"
    mask = remover.remove(photo, **Settings.reference(format="mask").to_dict())
    cutout = remover.remove(photo, **Settings.reference().to_dict())
    assert mask.mode == "L"
    np.testing.assert_array_equal(np.asarray(mask), np.asarray(cutout)[..., 3])
