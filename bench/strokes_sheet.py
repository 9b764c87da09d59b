"""Strokes on real photos: a contact sheet and the locality numbers, this tree against another.

    .venv/bin/python bench/strokes_sheet.py --baseline /tmp/base/py [--cat PATH] [--out docs/strokes.jpg]

Rows: a rough erase over the car's shadow that overlaps the car (rembg's car-1), a restore by
the cat's forehead (scikit-image's ``chelsea.png``, given with ``--cat``; skipped without it),
an erase across the anime girl's interior (rembg's anime-girl-1). Columns: the photo with the
stroke's outline, the cut-out before the stroke, the baseline's stroke (snap on), this tree's
literal stroke (snap off), this tree's stroke (snap on), and |Δα| against the cut-out before
the stroke (×8, red: the baseline's, green: this tree's). Each photo is also upscaled to 12 MP
(4000 px long side, strokes scaled alike) for the far-pixel numbers: pixels farther than two
radii plus :func:`peel.refine.hint_reach` from the stroke's path.

``--baseline DIR``: a folder holding another version's ``peel`` package, e.g.
``git archive main py/peel | tar -x -C /tmp/base`` then ``--baseline /tmp/base/py``.
Needs the model (``python3 build.py build`` fetches it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "py") not in sys.path:
    sys.path[:0] = [str(ROOT), str(ROOT / "py")]

from peel.hints import Hints, Stroke  # noqa: E402
from peel.refine import hint_reach, refine_alpha, upscale_plain  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "rembg" / "fixtures"  # rembg's own test photos (MIT)
#: (name, file, tool, radius, points, zoomed view (left, top, right, bottom)) in the photo's pixels.
CASES = [
    ("car: erase over the shadow, overlapping the car", "car-1.jpg", "erase", 12,
     [(25, 290), (110, 293), (210, 289), (290, 280), (345, 268)], (120, 230, 300, 320)),
    ("cat: restore by the forehead", "cat", "restore", 14, [(180, 22), (250, 12), (330, 18)], (150, 0, 390, 120)),
    ("anime girl: erase across the interior", "anime-girl-1.jpg", "erase", 16,
     [(330, 330), (420, 350), (520, 360)], (290, 260, 570, 400)),
]
TILE = 300


def model_mask(rgba):
    from buildtools import paths
    from peel.desktop.native import OnnxInference
    from peel.mask import normalize_prediction
    from peel.preprocess import prepare_input

    model = paths.SERVED_MODEL if paths.SERVED_MODEL.is_file() else paths.upstream_model()
    return normalize_prediction(OnnxInference(model)(prepare_input(rgba)))


def load_baseline(folder):
    """The baseline's (refine, hints) modules (see bench/render_timing.py's load_baseline)."""
    import importlib

    from bench.render_timing import load_baseline as load_refine

    return load_refine(folder), importlib.import_module("peel_baseline.hints")


def alphas(rgba, mask, stroke, base):
    """{plain, baseline, literal, snapped} refined alphas for one stroke."""
    size = rgba.shape[:2]
    plain = refine_alpha(rgba, mask)
    old_refine, old_hints = base
    old_stroke = old_hints.Stroke(stroke.tool, stroke.radius, stroke.points)
    return {
        "plain": plain,
        "baseline": old_refine.refine_alpha(rgba, mask, hints=old_hints.Hints((old_stroke,)).to_map(size)),
        "literal": refine_alpha(rgba, mask, hints=Hints((stroke,), snap=False).to_map(size)),
        "snapped": refine_alpha(rgba, mask, hints=Hints((stroke,)).to_map(size, rgba, upscale_plain(mask, size))),
    }


def far_mask(size, stroke, distance):
    xs, ys = zip(*stroke.points)
    far = np.ones(size, bool)
    far[max(0, int(min(ys) - distance)):max(0, int(max(ys) + distance) + 1),
        max(0, int(min(xs) - distance)):max(0, int(max(xs) + distance) + 1)] = False
    return far


def far_numbers(rgba, mask, stroke, base):
    """Far pixels changed and their mean |Δα| (of 255), baseline and this tree (snap on)."""
    result = alphas(rgba, mask, stroke, base)
    far = far_mask(rgba.shape[:2], stroke, 2 * stroke.radius + hint_reach(rgba.shape[:2], mask.shape))
    numbers = {"far_pixels": int(far.sum())}
    for key in ("baseline", "snapped"):
        delta = np.abs(result[key].astype(int) - result["plain"])[far]
        numbers[key] = {"changed": int((delta > 0).sum()), "mean": round(float(delta.mean()), 3),
                        "max": int(delta.max())}
    return numbers


def tile(image):
    image = image.copy()
    image.thumbnail((TILE, TILE))
    return image


def zoomed(image, box):
    """The box of the image, enlarged (nearest: the pixels stay visible) to fill a tile."""
    crop = image.crop(box)
    scale = TILE / max(crop.size)
    return crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.Resampling.NEAREST)


def cut_out(rgb, alpha):
    height, width = alpha.shape
    checker = ((np.indices((height, width)) // 8).sum(axis=0) % 2).astype(np.uint8) * 60 + 150
    a = alpha.astype(np.float32)[..., None] / 255
    out = rgb * a + checker[..., None] * (1 - a)
    return Image.fromarray(out.astype(np.uint8))


def outline(rgb, stroke):
    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    colour = (255, 60, 60) if stroke.tool == "erase" else (60, 255, 90)
    r = stroke.radius
    for (x0, y0), (x1, y1) in zip(stroke.points, stroke.points[1:]):
        draw.line([(x0, y0), (x1, y1)], fill=colour, width=1)
    for x, y in stroke.points:
        draw.ellipse([x - r, y - r, x + r, y + r], outline=colour)
    return image


def delta_map(result):
    old = np.abs(result["baseline"].astype(int) - result["plain"]) * 8
    new = np.abs(result["snapped"].astype(int) - result["plain"]) * 8
    rgb = np.zeros(old.shape + (3,), np.uint8)
    rgb[..., 0] = np.clip(old, 0, 255)
    rgb[..., 1] = np.clip(new, 0, 255)
    return Image.fromarray(rgb)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--cat", type=Path, help="scikit-image's chelsea.png")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "strokes.jpg")
    parser.add_argument("--no-12mp", action="store_true", help="skip the 12 MP far-pixel numbers")
    args = parser.parse_args(argv)
    from peel.preprocess import as_rgba

    base = load_baseline(args.baseline)
    heads = ["the stroke", "before (zoomed)", "baseline, snap on", "literal (snap off)", "new (snap on)",
             "|dA| x8, whole: old red, new green"]
    rows = []
    for name, file, tool, radius, points, view in CASES:
        path = args.cat if file == "cat" else FIXTURES / file
        if path is None:
            continue
        rgba = as_rgba(np.asarray(Image.open(path).convert("RGB")))
        rgb = rgba[..., :3]
        mask = model_mask(rgba)
        stroke = Stroke(tool, float(radius), tuple(map(tuple, points)))
        result = alphas(rgba, mask, stroke, base)
        rows.append([outline(rgb, stroke)] + [zoomed(cut_out(rgb, result[key]), view)
                                              for key in ("plain", "baseline", "literal", "snapped")]
                    + [delta_map(result)])
        print(name)
        print("  at", f"{rgba.shape[1]}×{rgba.shape[0]}:", far_numbers(rgba, mask, stroke, base))
        if not args.no_12mp:
            scale = 4000 / max(rgba.shape[:2])
            big = as_rgba(np.asarray(Image.fromarray(rgb).resize(
                (round(rgba.shape[1] * scale), round(rgba.shape[0] * scale)), Image.Resampling.BICUBIC)))
            big_stroke = Stroke(tool, radius * scale, tuple((x * scale, y * scale) for x, y in points))
            print("  at", f"{big.shape[1]}×{big.shape[0]}:", far_numbers(big, model_mask(big), big_stroke, base))
    width = TILE * len(heads)
    heights = [max(tile(t).height for t in row) for row in rows]
    sheet = Image.new("RGB", (width, 18 + sum(heights)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, head in enumerate(heads):
        draw.text((i * TILE + 4, 3), head, fill="black")
    top = 18
    for row, height in zip(rows, heights):
        for i, image in enumerate(row):
            sheet.paste(tile(image), (i * TILE, top))
        top += height
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, quality=85)
    sheet.save(args.out.with_suffix(".png"))
    print("saved", args.out, args.out.stat().st_size // 1024, "KiB")


if __name__ == "__main__":
    main()
