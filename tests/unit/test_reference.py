"""Parity with rembg's u2netp pipeline, re-implemented here as the reference.

The reference follows docs/assets.md ("Reference pipeline"), i.e. rembg's
``BaseSession.normalize`` and ``U2netpSession.predict`` plus its naive cut-out:
RGB resized to 320×320 with LANCZOS, divided by its maximum, ImageNet mean/std,
CHW float32; output 0 min–max normalised, truncated to uint8, resized back with
LANCZOS and used as alpha. Peel's reference mode must give the same alpha to
within 1/255 at any size (tests/unit/test_rembg_parity.py checks rembg's own
stored results, which are all below 1.5 MP; these tests go up to 12 MP, where a
shortcut in the downscale would show). Run with ``-s`` to see the numbers.
"""

import numpy as np
import pytest
from PIL import Image

import peel

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def reference_tensor(image):
    """rembg: (1, 3, 320, 320) float32 from a PIL image."""
    small = np.array(image.convert("RGB").resize((320, 320), Image.Resampling.LANCZOS))
    scaled = small / max(np.max(small), 1e-6)
    tensor = np.zeros((320, 320, 3))
    for channel in range(3):
        tensor[:, :, channel] = (scaled[:, :, channel] - MEAN[channel]) / STD[channel]
    return np.expand_dims(tensor.transpose((2, 0, 1)), 0).astype(np.float32)


def reference_alpha(image, session):
    """rembg: (H, W) uint8 alpha of the cut-out of a PIL image."""
    outputs = session.run(None, {session.get_inputs()[0].name: reference_tensor(image)})
    prediction = outputs[0][:, 0, :, :]
    high, low = np.max(prediction), np.min(prediction)
    prediction = np.squeeze((prediction - low) / (high - low))
    mask = Image.fromarray((prediction * 255).astype("uint8"), mode="L")
    mask = mask.resize(image.size, Image.Resampling.LANCZOS)
    # naive_cutout: Image.composite(image, transparent, mask) on an opaque image → alpha = mask.
    return np.asarray(mask)


CASES = {
    "astronaut": None,
    "coffee": None,
    # Upscaled fixtures, up to 12 MP (a downscale shortcut would show here).
    "astronaut-3000x2000": (3000, 2000),
    "coffee-4000x3000": (4000, 3000),
}


@pytest.mark.parametrize("case", CASES)
def test_alpha_matches_rembg_reference(case, fixture_image, native_infer):
    image = Image.fromarray(fixture_image(case.split("-")[0]))
    if CASES[case]:
        image = image.resize(CASES[case], Image.Resampling.BICUBIC)
    rgb = np.asarray(image)

    expected = reference_alpha(image, native_infer.session)
    tensor = peel.prepare_input(peel.as_rgba(rgb))
    tensor_diff = float(np.abs(tensor - reference_tensor(image)).max())
    alpha = peel.remove_background(rgb, native_infer)[..., 3]

    error = np.abs(alpha.astype(np.int16) - expected)
    print(f"\n{case} {image.size[0]}x{image.size[1]}: tensor max diff {tensor_diff:.3g}, "
          f"alpha max diff {error.max()}/255 on {np.count_nonzero(error)} pixels")
    assert tensor_diff < 1e-5
    assert error.max() <= 1
