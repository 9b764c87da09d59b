"""People mode: MODNet against the u2netp default on portrait composites with truth, hair included.

    PYTHONPATH=<scipy> .venv/bin/python bench/people.py [--out bench/results/people.json] [--sheet docs/people-hair.jpg]

(scipy from bench/requirements-people.txt, e.g. ``.venv/bin/python -m pip install --target DIR -r
bench/requirements-people.txt``, then DIR on PYTHONPATH without its numpy, or in a venv of its own.)

Truth. Real portraits (tests/fixtures/astronaut.png, tests/fixtures/rembg/fixtures/cloth-1.jpg
and anime-girl-1.jpg) have no true alpha, so one is made for each, then treated as exact:

1. a trimap from the two models: sure foreground where *both* u2netp and MODNet say >= 0.9,
   sure background where both say <= 0.1, everything else (and 4 px around it) unknown;
2. the unknown pixels solved with closed-form matting (Levin, Lischinski & Weiss 2008: the
   matting Laplacian of 3×3 windows, eps 1e-7) on the full-resolution photo, with scipy
   (bench/requirements-people.txt; the app never needs it).

Bias: where both models miss something (a strand far out in the background), the truth misses
it too; where they disagree, the photo's colours decide, which favours neither model. The true
foreground colour is taken to be the photo's own colour (at soft pixels it carries some of the
old background), so the composites are exact for that colour, not for the real hair.

Each photo is composited over four backgrounds: plain white, a plain colour, and two busy
photos (coffee.png and rembg's plants-1.jpg, scaled to cover): ``round(a*F + (1-a)*B)``.

Metrics (alpha in [0, 1]): SAD = sum|a - a*| / 1000 over the image, and over the hair box of
each portrait (the head and hair, marked by hand in HAIR_BOXES, as fractions of the image).
Every MODNet variant (refinement × threshold × normalisation) runs on the same model output.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py")]

from peel.desktop.api import Remover, read_image  # noqa: E402
from peel.desktop.assets import cache_path  # noqa: E402
from peel.mask import check_prediction, normalize_prediction  # noqa: E402
from peel.models import get_model  # noqa: E402
from peel.render import render  # noqa: E402
from peel.settings import Settings  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
PORTRAITS = {
    "astronaut": FIXTURES / "astronaut.png",
    "cloth-1": FIXTURES / "rembg" / "fixtures" / "cloth-1.jpg",
    "anime-girl-1": FIXTURES / "rembg" / "fixtures" / "anime-girl-1.jpg",
}
#: (left, top, right, bottom) of the head and hair, as fractions of the width and height.
HAIR_BOXES = {"astronaut": (0.2, 0.0, 0.56, 0.42), "cloth-1": (0.33, 0.0, 0.7, 0.16),
              "anime-girl-1": (0.3, 0.0, 0.64, 0.7)}
BACKGROUNDS = ("white", "colour", "coffee", "plants")
TRIMAP_SURE = (0.1, 0.9)
TRIMAP_GROW = 4
EPS = 1e-7
#: MODNet variants: refinement, threshold (low, high), how the output becomes a mask.
REFINES = ("none", "guided", "matte")
THRESHOLDS = ((0.0, 1.0), (0.02, 0.98), (0.05, 0.95), (0.1, 0.9))
NORMALISE = ("clip", "minmax")


def matting_laplacian_solve(image, trimap):
    """Closed-form alpha of ``image`` (H, W, 3) float64 in [0, 1] for ``trimap`` (H, W):
    0 background, 1 foreground, 0.5 unknown. Returns (H, W) float64 in [0, 1]."""
    import scipy.sparse as sparse
    from scipy.sparse.linalg import spsolve

    height, width = trimap.shape
    unknown = trimap == 0.5
    # Every 3×3 window that holds an unknown pixel (only those touch the unknowns' equations).
    touch = np.zeros_like(unknown)
    touch[1:-1, 1:-1] = np.lib.stride_tricks.sliding_window_view(unknown, (3, 3)).any(axis=(2, 3))
    centres = np.argwhere(touch)
    offsets = np.array([(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)])
    pixels = centres[:, None, :] + offsets[None]  # (K, 9, 2)
    index = pixels[..., 0] * width + pixels[..., 1]  # (K, 9)
    colours = image[pixels[..., 0], pixels[..., 1]]  # (K, 9, 3)
    mean = colours.mean(axis=1, keepdims=True)
    centred = colours - mean
    cov = np.einsum("kni,knj->kij", centred, centred) / 9 + (EPS / 9) * np.eye(3)
    inverse = np.linalg.inv(cov)
    values = -(1 + np.einsum("kni,kij,kmj->knm", centred, inverse, centred)) / 9
    values += np.eye(9)[None]
    rows = np.repeat(index, 9, axis=1).ravel()
    cols = np.tile(index, (1, 9)).ravel()
    laplacian = sparse.csr_matrix((values.ravel(), (rows, cols)), shape=(height * width,) * 2)
    flat_unknown = np.flatnonzero(unknown.ravel())
    flat_known = np.flatnonzero(~unknown.ravel())
    known_alpha = trimap.ravel()[flat_known]
    a_uu = laplacian[flat_unknown][:, flat_unknown]
    rhs = -(laplacian[flat_unknown][:, flat_known] @ known_alpha)
    alpha = trimap.ravel().astype(np.float64).copy()
    alpha[flat_unknown] = spsolve(a_uu.tocsc(), rhs)
    return np.clip(alpha.reshape(height, width), 0.0, 1.0)


def _grow(mask, radius):
    image = Image.fromarray(mask.astype(np.uint8) * 255, "L")
    return np.asarray(image.filter(ImageFilter.MaxFilter(2 * radius + 1))) > 127


def upscaled(mask, size):
    height, width = size
    return np.asarray(Image.fromarray(mask.astype(np.float32), "F").resize((width, height), Image.BILINEAR))


def make_truth(name, rgba, remover):
    """(alpha truth, u2netp mask, modnet mask) for one portrait; the truth is cached on disk."""
    masks = {model: remover.mask(rgba, model) for model in ("u2netp", "modnet")}
    key = hashlib.sha256(rgba.tobytes() + Path(__file__).read_bytes()).hexdigest()[:16]
    cached = cache_path("0" * 64).parent.parent / "bench-people" / f"{name}-{key}.npy"
    if cached.is_file():
        return np.load(cached), masks
    size = rgba.shape[:2]
    u2, mod = (upscaled(masks[m], size) for m in ("u2netp", "modnet"))
    low, high = TRIMAP_SURE
    sure_fg = (u2 >= high) & (mod >= high)
    sure_bg = (u2 <= low) & (mod <= low)
    unknown = _grow(~(sure_fg | sure_bg), TRIMAP_GROW)
    trimap = np.where(unknown, 0.5, sure_fg.astype(np.float64))
    started = time.perf_counter()
    truth = matting_laplacian_solve(rgba[..., :3] / 255.0, trimap).astype(np.float32)
    print(f"  truth of {name}: {unknown.mean():.1%} unknown, solved in {time.perf_counter() - started:.1f} s")
    cached.parent.mkdir(parents=True, exist_ok=True)
    np.save(cached, truth)
    return truth, masks


def background(kind, size):
    height, width = size
    if kind == "white":
        return np.full((height, width, 3), 255, np.uint8)
    if kind == "colour":
        return np.broadcast_to(np.array([47, 111, 159], np.uint8), (height, width, 3)).copy()
    path = FIXTURES / "coffee.png" if kind == "coffee" else FIXTURES / "rembg" / "fixtures" / "plants-1.jpg"
    with Image.open(path) as image:
        source = image.convert("RGB")
    scale = max(width / source.width, height / source.height)
    scaled = source.resize((max(width, round(source.width * scale)), max(height, round(source.height * scale))),
                           Image.BICUBIC)
    left, top = (scaled.width - width) // 2, (scaled.height - height) // 2
    return np.asarray(scaled.crop((left, top, left + width, top + height)))


def composite(rgb, alpha, back):
    a = alpha[..., None]
    out = np.empty((*alpha.shape, 4), np.uint8)
    out[..., :3] = np.clip(np.rint(a * rgb + (1 - a) * back), 0, 255).astype(np.uint8)
    out[..., 3] = 255
    return out


def alpha_of(rgba, mask, **settings):
    output = render(rgba.copy(), mask, Settings(format="mask", **settings))
    return output.astype(np.float32) / 255


def hair_region(name, size):
    left, top, right, bottom = HAIR_BOXES[name]
    height, width = size
    return slice(round(top * height), round(bottom * height)), slice(round(left * width), round(right * width))


def measure(remover):
    rows = []
    for name, path in PORTRAITS.items():
        photo = read_image(path)
        truth, _ = make_truth(name, photo, remover)
        hair = hair_region(name, truth.shape)
        for kind in BACKGROUNDS:
            rgba = composite(photo[..., :3].astype(np.float32), truth, background(kind, truth.shape).astype(np.float32))
            row = {"image": name, "background": kind, "methods": {}}
            t0 = time.perf_counter()
            u2_mask = remover.mask(rgba, "u2netp")
            t1 = time.perf_counter()
            raw = check_prediction(remover.session("modnet")(get_model("modnet").prepare_input(rgba)))
            t2 = time.perf_counter()
            row["seconds"] = {"u2netp": t1 - t0, "modnet": t2 - t1}
            candidates = {"u2netp default": alpha_of(rgba, u2_mask)}
            for norm in NORMALISE:
                mask = normalize_prediction(raw) if norm == "minmax" else np.clip(raw, 0, 1).astype(np.float32)
                for refine in REFINES:
                    for low, high in THRESHOLDS:
                        candidates[f"modnet {norm} {refine} {low:g}-{high:g}"] = alpha_of(
                            rgba, mask, model="modnet", refine=refine, threshold="manual",
                            threshold_low=low, threshold_high=high)
            candidates["modnet default"] = alpha_of(rgba, np.clip(raw, 0, 1).astype(np.float32), model="modnet")
            for method, alpha in candidates.items():
                error = np.abs(alpha - truth)
                row["methods"][method] = {"sad": float(error.sum() / 1000), "hair_sad": float(error[hair].sum() / 1000)}
            rows.append(row)
            print(f"  {name:13s} {kind:7s} u2netp {row['methods']['u2netp default']['sad']:7.2f} "
                  f"(hair {row['methods']['u2netp default']['hair_sad']:6.2f})  modnet default "
                  f"{row['methods']['modnet default']['sad']:7.2f} (hair {row['methods']['modnet default']['hair_sad']:6.2f})",
                  flush=True)
    return rows


def summarise(rows):
    methods = rows[0]["methods"]
    total = {m: {k: sum(r["methods"][m][k] for r in rows) for k in ("sad", "hair_sad")} for m in methods}
    busy = {m: sum(r["methods"][m]["sad"] for r in rows if r["background"] in ("coffee", "plants")) for m in methods}
    return {m: {**total[m], "busy_sad": busy[m]} for m in methods}


def hair_sheet(remover, out, backdrop="coffee", height=260):
    """Hair crops of each portrait over a busy background: the composite, then the truth (true
    colours, true alpha), u2netp's default and MODNet's default alpha over magenta (composite's
    colours, as a cut-out without colour clean-up)."""
    from PIL import ImageDraw

    rows = []
    for name, path in PORTRAITS.items():
        photo = read_image(path)
        truth, _ = make_truth(name, photo, remover)
        rgba = composite(photo[..., :3].astype(np.float32), truth,
                         background(backdrop, truth.shape).astype(np.float32))
        hair = hair_region(name, truth.shape)
        magenta = np.array([255, 0, 255], np.float32)
        alphas = {"truth": truth, **{model: alpha_of(rgba, remover.mask(rgba, model), model=model)
                                     for model in ("u2netp", "modnet")}}
        crops = [("composite", rgba[hair][..., :3])]
        for label, alpha in alphas.items():
            a = alpha[hair][..., None]
            colours = (photo if label == "truth" else rgba)[hair][..., :3]  # the truth's is the true F
            crops.append((label, np.rint(a * colours + (1 - a) * magenta).astype(np.uint8)))
        tiles = []
        for label, crop in crops:
            tile = Image.fromarray(np.ascontiguousarray(crop)).resize(
                (round(crop.shape[1] * height / crop.shape[0]), height), Image.LANCZOS)
            ImageDraw.Draw(tile).text((6, 4), f"{name}: {label}", fill="white", stroke_width=2, stroke_fill="black")
            tiles.append(tile)
        rows.append(tiles)
    width = max(sum(t.width for t in tiles) + 6 * (len(tiles) - 1) for tiles in rows)
    sheet = Image.new("RGB", (width, len(rows) * (height + 6) - 6), "white")
    for r, tiles in enumerate(rows):
        x = 0
        for tile in tiles:
            sheet.paste(tile, (x, r * (height + 6)))
            x += tile.width + 6
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out, quality=88, optimize=True)  # quality: JPEG only


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "people.json"))
    parser.add_argument("--sheet", help="write the hair-crop contact sheet here (PNG or JPEG)")
    parser.add_argument("--sheet-only", action="store_true", help="only the sheet, no measurement")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    remover = Remover(threads=args.threads)
    if args.sheet_only:
        hair_sheet(remover, args.sheet)
        return 0
    rows = measure(remover)
    summary = summarise(rows)
    ranked = sorted(summary.items(), key=lambda item: item[1]["sad"])
    print(f"\n{'method':34s} {'SAD':>8s} {'hair SAD':>9s} {'busy SAD':>9s}")
    for method, numbers in ranked:
        print(f"{method:34s} {numbers['sad']:8.2f} {numbers['hair_sad']:9.2f} {numbers['busy_sad']:9.2f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"rows": rows, "summary": summary}, indent=1) + "\n")
    if args.sheet:
        hair_sheet(remover, args.sheet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
