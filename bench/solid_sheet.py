"""The solid-subject step on every real photo: a contact sheet of each filled region, and the islands.

    bench/.venv/bin/python bench/solid_sheet.py [--sheet bench/results/solid-sheet.png] [--jpeg docs/solid.jpg]

Runs in the bench's own virtualenv (scipy), like bench/photo_quality.py. The photos: every image
of tests/fixtures, ../shared/images and ../shared/peer/rembg/fixtures (the same file twice counts
once). Per photo: the u2netp mask (native onnxruntime), the default alpha (``Settings()``) and
the same with ``solid=True``; a *filled region* is a connected piece where the solid alpha is at
least 0.25 above the default. The sheet has one row per photo: the original, both cut-outs over
magenta, and for each filled region (largest first) a zoomed crop of the original, the default and
the solid cut-out over a checkerboard. It also prints islands/pinholes (bench/photo_quality.py's
definition) with and without the step, and the filled area. Look at the sheet.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py")]

from bench.photo_quality import MAGENTA, checkerboard, contact_sheet, islands_and_pinholes, over  # noqa: E402
from buildtools import paths  # noqa: E402
from peel import refine  # noqa: E402
from peel.desktop.api import read_image  # noqa: E402
from peel.desktop.native import OnnxInference  # noqa: E402
from peel.mask import normalize_prediction  # noqa: E402
from peel.preprocess import prepare_input  # noqa: E402
from peel.render import solid_step  # noqa: E402
from peel.settings import Settings  # noqa: E402

FOLDERS = [ROOT / "tests" / "fixtures", ROOT / "tests" / "fixtures" / "rembg" / "fixtures",
           ROOT.parent / "shared" / "images", ROOT.parent / "shared" / "peer" / "rembg" / "fixtures"]
FILLED = 0.25  # alpha gain that counts as filled
MIN_REGION = 0.0001  # of the image's area: smaller filled pieces (specks of a few pixels) are not shown
ROW = 200


def real_photos():
    """(name, path) of every distinct photo in FOLDERS."""
    seen, out = set(), []
    for folder in FOLDERS:
        for path in sorted(folder.glob("*")):
            if path.suffix.lower() not in (".png", ".jpg", ".jpeg", ".webp"):
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest not in seen:
                seen.add(digest)
                out.append((path.stem, path))
    return out


def alphas(rgba, mask):
    """(default, solid) alphas, (H, W) float32 in [0, 1]."""
    small = refine.downscale_rgb(rgba)
    out = []
    for settings in (Settings(), Settings(solid=True)):
        alpha8 = refine.refine_alpha(rgba, solid_step(mask, settings, small), settings.refine, small=small)
        out.append(refine.threshold_alpha(alpha8, *settings.threshold_range).astype(np.float32) / 255)
    return out


def filled_regions(default, solid):
    """[(top, bottom, left, right, area)] of the filled pieces, largest first."""
    labels, count = ndimage.label(solid - default >= FILLED)
    boxes = []
    for index, found in enumerate(ndimage.find_objects(labels), start=1):
        area = int((labels[found] == index).sum())
        if area >= MIN_REGION * default.size:
            boxes.append((found[0].start, found[0].stop, found[1].start, found[1].stop, area))
    return sorted(boxes, key=lambda box: -box[4])


def panel(array, label, size=None):
    image = Image.fromarray(array)
    if size is None:
        size = (max(1, round(image.width * ROW / image.height)), ROW)
    image = image.resize(size, Image.Resampling.LANCZOS if size[0] < image.width else Image.Resampling.NEAREST)
    ImageDraw.Draw(image).text((4, 4), label, fill=(255, 255, 0))
    return image


def sheet_row(name, rgba, default, solid, regions, note):
    rgb = rgba[..., :3].astype(np.float32)
    panels = [panel(rgba[..., :3], "original"), panel(over(rgb, default, MAGENTA), "default"),
              panel(over(rgb, solid, MAGENTA), "solid")]
    for number, (top, bottom, left, right, _) in enumerate(regions, start=1):
        # A square crop around the region, with a margin, inside the image.
        side = int(max(bottom - top, right - left) * 1.3) + 16
        side = min(side, *rgba.shape[:2])
        cy, cx = (top + bottom) // 2, (left + right) // 2
        y0 = int(np.clip(cy - side // 2, 0, rgba.shape[0] - side))
        x0 = int(np.clip(cx - side // 2, 0, rgba.shape[1] - side))
        window = (slice(y0, y0 + side), slice(x0, x0 + side))
        board = checkerboard((side, side))
        panels += [panel(rgba[window][..., :3], f"region {number}", (ROW, ROW)),
                   panel(over(rgb[window], default[window], board), f"{number}: default", (ROW, ROW)),
                   panel(over(rgb[window], solid[window], board), f"{number}: solid", (ROW, ROW))]
    width = sum(image.width for image in panels) + 4 * (len(panels) - 1)
    row = Image.new("RGB", (width, ROW + 18), (32, 32, 32))
    ImageDraw.Draw(row).text((4, ROW + 4), f"{name}: {note}", fill=(255, 255, 255))
    x = 0
    for image in panels:
        row.paste(image, (x, 0))
        x += image.width + 4
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheet", type=Path, default=ROOT / "bench" / "results" / "solid-sheet.png")
    parser.add_argument("--jpeg", type=Path, help="also save the sheet as a JPEG under 300 KB here")
    args = parser.parse_args()
    model = paths.SERVED_MODEL if paths.SERVED_MODEL.is_file() else paths.upstream_model()
    infer = OnnxInference(model)
    rows = []
    print(f"{'photo':<16}{'default I/P':>12}{'solid I/P':>12}{'filled':>9}  regions (area px)")
    for name, path in real_photos():
        rgba = read_image(path)
        mask = normalize_prediction(infer(prepare_input(rgba)))
        default, solid = alphas(rgba, mask)
        regions = filled_regions(default, solid)
        before, after = islands_and_pinholes(default), islands_and_pinholes(solid)
        share = float((solid - default >= FILLED).mean())
        note = (f"I/P {before[0]}/{before[1]} -> {after[0]}/{after[1]}, filled {share:.2%}, "
                f"{len(regions)} region(s)")
        print(f"{name:<16}{before[0]:>6}/{before[1]:<5}{after[0]:>6}/{after[1]:<5}{share:>9.2%}  "
              + ", ".join(str(region[4]) for region in regions))
        rows.append(sheet_row(name, rgba, default, solid, regions, note))
    sheet = contact_sheet(rows)
    args.sheet.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.sheet)
    print(f"saved {args.sheet}")
    if args.jpeg:
        for scale in (1.0, 0.8, 0.65, 0.5):
            small = sheet.resize((round(sheet.width * scale), round(sheet.height * scale)), Image.Resampling.LANCZOS)
            small.save(args.jpeg, quality=82, optimize=True)
            if args.jpeg.stat().st_size < 300_000:
                break
        print(f"saved {args.jpeg} ({args.jpeg.stat().st_size // 1000} KB)")


if __name__ == "__main__":
    main()
