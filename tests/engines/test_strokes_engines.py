"""A stroke's region render in Firefox and WebKit (WebKit encodes the PNG with Pillow from the
worker's kept pixels, js/worker/jobs.js SLOW_CANVAS_PNG): the patched file equals a full render
(the alpha within 1, the colours within 2 premultiplied; tests/unit/test_strokes.py)."""

import pytest

from tests.engines import drivers
from tests.engines.page import wait_ready
from tests.engines.test_session_store_engines import site  # noqa: F401  (the fixture: dist/ served)

#: A 1600 × 1200 photo-like JPEG made in the page, cut out, then one erase stroke inside its
#: subject rendered by region (patched) and in full (decoded again): their decoded pixels.
STROKE = """(async () => {
  const { createRemover } = await import('./js/page/peel.js');
  const remover = await createRemover({ backend: 'wasm' });
  const canvas = new OffscreenCanvas(1600, 1200);
  const context = canvas.getContext('2d');
  const sky = context.createLinearGradient(0, 0, 1600, 1200);
  sky.addColorStop(0, '#bcd');
  sky.addColorStop(1, '#334');
  context.fillStyle = sky;
  context.fillRect(0, 0, 1600, 1200);
  context.fillStyle = '#c63';
  context.beginPath();
  context.ellipse(800, 650, 420, 380, 0, 0, 2 * Math.PI);
  context.fill();
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
  const { mask, maskShape, imageId } = await remover.remove(blob);
  const edits = { strokes: [{ tool: 'erase', radius: 30, points: [[900, 600], [1050, 640]] }], snap: true };
  const region = await remover.renderRegion(blob, mask, { imageId, maskShape, edits });
  const full = await remover.render(blob, mask, { maskShape, edits });  // no imageId: decoded, all made again
  const pixels = async (file) => {
    const bitmap = await createImageBitmap(file, { premultiplyAlpha: 'none' });
    const board = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d');
    board.drawImage(bitmap, 0, 0);
    return board.getImageData(0, 0, bitmap.width, bitmap.height).data;
  };
  const [a, b] = [await pixels(region.blob), await pixels(full.blob)];
  // The alpha, and the colours premultiplied (as canvases keep them: a faint pixel's straight
  // colour read back moves by more than the 1/255 a region render's colours may differ by).
  let alphaDiff = 0, colourDiff = 0, erased = 0;
  for (let i = 0; i < a.length; i += 4) {
    alphaDiff = Math.max(alphaDiff, Math.abs(a[i + 3] - b[i + 3]));
    for (let c = 0; c < 3; c++) colourDiff = Math.max(colourDiff, Math.abs(a[i + c] * a[i + 3] - b[i + c] * b[i + 3]) / 255);
  }
  for (let x = 950; x < 1000; x++) erased += a[(620 * 1600 + x) * 4 + 3] === 0;
  remover.close();
  return { alphaDiff, colourDiff, erased, box: region.box, patched: 'patch' in region.timings, same: a.length === b.length };
})()"""


@pytest.mark.parametrize("engine", drivers.ENGINES)
def test_a_patched_stroke_equals_a_full_render(engine, site):
    with drivers.launch(engine) as driver:
        driver.goto(f"{site}?backend=wasm")
        wait_ready(driver)
        outcome = driver.evaluate(STROKE, timeout=300)
        assert outcome["patched"], outcome
        assert 0 < outcome["box"]["width"] * outcome["box"]["height"] < 1600 * 1200, outcome
        assert outcome["same"] and outcome["alphaDiff"] <= 1 and outcome["colourDiff"] <= 2, outcome
        assert outcome["erased"] > 40, outcome  # inside the subject: it goes
        assert driver.errors() == []
