"""A stroke's region render in Firefox and WebKit (WebKit encodes the PNG with Pillow from the
worker's kept pixels, js/worker/jobs.js SLOW_CANVAS_PNG): the patched file equals a full render."""

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
  let maxDiff = 0, erased = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  for (let x = 950; x < 1000; x++) erased += a[(620 * 1600 + x) * 4 + 3] === 0;
  remover.close();
  return { maxDiff, erased, box: region.box, patched: 'patch' in region.timings, same: a.length === b.length };
})()"""


@pytest.mark.parametrize("engine", drivers.ENGINES)
def test_a_patched_stroke_equals_a_full_render(engine, site):
    with drivers.launch(engine) as driver:
        driver.goto(f"{site}?backend=wasm")
        wait_ready(driver)
        outcome = driver.evaluate(STROKE, timeout=300)
        assert outcome["patched"], outcome
        assert 0 < outcome["box"]["width"] * outcome["box"]["height"] < 1600 * 1200, outcome
        assert outcome["same"] and outcome["maxDiff"] <= 1, outcome
        assert outcome["erased"] > 40, outcome  # inside the subject: it goes
        assert driver.errors() == []
