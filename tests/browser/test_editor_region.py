"""A stroke patches the output (js/worker/kept-output.js, `render-region`): only the region the
stroke reaches is made again, and the file equals a full render of the same strokes."""

import base64
import io
import json

import numpy as np
from PIL import Image
from playwright.sync_api import expect

from tests.browser.helpers import card, set_form
from tests.browser.test_editor import Editor, editor  # noqa: F401  (the fixture)
from tests.conftest import FIXTURES

PLANTS = FIXTURES / "rembg" / "fixtures" / "plants-1.jpg"  # 987 × 1481, potted plants on shelves


def rgba(data):
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA")).astype(np.int16)


def timings(app):
    return json.loads(card(app, PLANTS.name).get_attribute("data-timings"))


def preview(app):
    """The card's preview (the one the editor shows too), as (h, w, 4) int16."""
    data = card(app, PLANTS.name).locator("img").evaluate("""async (image) => {
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      canvas.getContext('2d').drawImage(image, 0, 0);
      return canvas.toDataURL('image/png').split(',')[1];
    }""")
    return rgba(base64.b64decode(data))


def downscaled(pixels, size):
    """A full-size RGBA output scaled down as the preview is (premultiplied, like a canvas)."""
    alpha = pixels[..., 3:] / 255.0
    premultiplied = np.dstack([pixels[..., :3] * alpha, pixels[..., 3]]).astype(np.float32)
    small = np.stack([np.asarray(Image.fromarray(premultiplied[..., c], "F").resize(size, Image.Resampling.BOX))
                      for c in range(4)], -1)
    return small[..., 3]


def assert_same_file(patched, full):
    """A patched output's file against a full render's: the alpha within 1, the colours within 1
    in Python (tests/unit/test_strokes.py), so within 2 once premultiplied as the canvas stores
    them (a straight colour read back from a faint pixel moves by more: not compared)."""
    assert np.abs(full[..., 3] - patched[..., 3]).max() <= 1
    premultiplied = [image[..., :3] * image[..., 3:] / 255 for image in (patched, full)]
    assert np.abs(premultiplied[0] - premultiplied[1]).max() <= 2


def test_strokes_patch_the_output_and_the_file_equals_a_full_render(app, editor):
    editor.open(PLANTS)
    _, plain_bytes = editor.output()
    plain = rgba(plain_bytes)

    # Two erase strokes (across a white pot, over the blurred plant in front) and a restore stroke
    # (in the blurred field behind), as a user paints them: each one is a region render.
    strokes = [("erase", 24, [(395, 680), (495, 700)]),
               ("erase", 30, [(740, 1100), (890, 1120)]),
               ("restore", 20, [(200, 250), (300, 270)])]
    for tool, radius, points in strokes:
        editor.stroke(tool, radius, points)
        assert "patch" in timings(app), "the worker patched its kept output"
    _, patched_bytes = editor.output()
    patched = rgba(patched_bytes)
    assert np.abs(patched - plain).max(axis=-1).astype(bool).mean() < 0.5, "the strokes changed a part of it"
    changed = np.abs(patched[..., 3] - plain[..., 3]) > 8
    assert changed[650:730, 370:520].mean() > 0.2, "the white pot is erased"

    # The preview shows the strokes: it is the patched output scaled down.
    shown = preview(app)
    height, width = shown.shape[:2]
    assert abs(width / height - patched.shape[1] / patched.shape[0]) < 0.01
    expected = downscaled(patched, (width, height))
    assert np.abs(shown[..., 3] - expected).mean() < 2
    before = downscaled(plain, (width, height))
    scale = width / patched.shape[1]
    stroke_area = (slice(int(675 * scale), int(705 * scale)), slice(int(405 * scale), int(485 * scale)))
    assert np.abs(shown[..., 3][stroke_area] - expected[stroke_area]).mean() < 8
    assert np.abs(shown[..., 3][stroke_area] - before[stroke_area]).mean() > 32, "the preview changed where erased"

    # A settings round trip makes everything again with the same strokes: the same file.
    set_form(app, feather=1)
    editor.settle()
    set_form(app, feather=0)
    editor.settle()
    assert "patch" not in timings(app), "a settings change renders all"
    expect(editor.root).to_have_attribute("data-edits", "3")
    full = rgba(editor.output()[1])
    assert_same_file(patched, full)

    # Undo goes through the region request too (Python takes the stroke's patch out of its hint
    # map and redoes that region), and it equals the output of that state.
    editor.root.locator("[data-testid=undo]").click()
    expect(editor.root).to_have_attribute("data-edits", "2")
    editor.settle()
    editor.root.locator("[data-testid=redo]").click()
    expect(editor.root).to_have_attribute("data-edits", "3")
    editor.settle()
    assert_same_file(rgba(editor.output()[1]), full)
