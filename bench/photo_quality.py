"""Edge quality on photographic content: real-photo composites with a matted truth, and real photos.

    bench/.venv/bin/python bench/photo_quality.py [--out bench/results/photo-quality.json]
                                                  [--sheet bench/results/photo-contact-sheet.png]

Runs in the bench's own virtualenv (bench/.venv, made by bench/browser.py from
requirements-rembg.txt: scipy for connected components, pymatting for the truth); ``peel`` is
imported from ``py/`` as it is (that virtualenv's numpy 2 and Pillow 13, not Pyodide's pins,
which moves no number here by more than rounding). bench/quality.py keeps the drawn set.

**Photos.** The two fixture photos of tests/fixtures and rembg's four test photos
(tests/fixtures/rembg/fixtures), at their own sizes (0.17–1.5 MP).

**Truth, and its bias.** For each photo: a model's mask (native onnxruntime), a trimap
(sure foreground where the bilinearly upscaled mask is >= 0.98, sure background <= 0.02, the rest
unknown, widened by 3/4 of a mask pixel), pymatting's closed-form matte on that trimap as the
alpha, and its multilevel foreground estimate as the colours (bench/photo_truth.py; cached in
``~/.cache/peel/bench-truth``). Each photo's subject is then composited exactly,
``round(α F + (1 − α) B)``, over a plain colour, a gradient, and a busy real photo (another of
the six, scaled to cover), so on the composites the truth *is* the alpha, by construction. Its
bias: the silhouette is the model's own on the original photo (where u2netp keeps a shadow, so
does the truth), and the soft edge is closed-form matting's colour-line model, which favours a
refinement that assumes locally linear colours. The truth is not a human matte; it measures
whether a refinement recovers a realistic, photo-shaped edge over a new background, not whether
the model found the right object.

**Two truths** (``--truth``): seeded by u2netp's mask (the model Peel runs: where u2netp answers
"maybe" over a whole region, a half-transparent haze, so does this truth, and it rewards keeping
the haze) and seeded by ISNet's (bench/isnet.py: a stronger model, a benchmark input only, never
served; its mask is solid where u2netp's is hazy, so this truth can see the haze as an error).
Everything else is the same; the composites differ, so every method is measured under both.

**Methods.** ``plain``: the 320-px mask bilinearly upscaled and rounded (the baseline to beat;
rembg's own upscale is worse, truncating a sure subject to 251–254); ``reference``:
``Settings.reference()`` (rembg's alpha); ``default``: what ``Settings()`` renders (refinement
and auto threshold); ``solid``: the default with ``solid=True`` (peel.solid before the
refinement); with ``--people``, ``modnet`` and ``modnet+solid``: the People model's default
alpha, and the same with peel.solid run on its mask (which the app does not do: the measurement
that decides it).

**Metrics** (alpha in [0, 1]): SAD = Σ|α − α*| / 1000; edge SAD, the same within 4 mask pixels
of the truth's edge; *unsure SAD*, the same where the model is unsure (its mask between 0.02 and
0.98, one mask pixel wider), and the *ceiling*: the SAD of the truth there and plain upscaling
elsewhere, the least SAD a refinement that keeps the model's sure parts can reach; gradient
error as in bench/quality.py; *islands*, connected pieces
(4-connected) of α >= 0.5 smaller than 0.5 % of the subject's area (pixels α >= 0.5), and
*pinholes*, pieces of α < 0.5 not touching the border, same size limit; *grid steps*, runs at
least 3/4 of a mask pixel long along a line between two mask-pixel rows (columns) of the
full-resolution grid where α jumps by >= 0.1 across the line and by less than a third of that
between the neighbouring parallel lines (straight block edges that photos do not have). Real
photos have no truth: their islands and pinholes are compared with plain upscaling's.

Each run also writes a contact sheet (``--sheet``): per real photo, the original, then plain and
default over a checkerboard and over magenta, then enlarged crops (nearest neighbour, over magenta)
of the two edge regions where the two differ most, plain and default side by side. Look at it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py")]

from bench.quality import gradient_magnitude  # noqa: E402
from buildtools import paths  # noqa: E402
from peel import refine, solid  # noqa: E402
from peel.render import solid_step  # noqa: E402
from peel.desktop.api import read_image  # noqa: E402
from peel.mask import normalize_prediction  # noqa: E402
from peel.desktop.native import OnnxInference  # noqa: E402
from peel.preprocess import prepare_input  # noqa: E402
from peel.settings import Settings  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
PHOTOS = [FIXTURES / "astronaut.png", FIXTURES / "coffee.png",
          *sorted((FIXTURES / "rembg" / "fixtures").glob("*.jpg"))]
TRUTH_CACHE = Path(os.environ.get("PEEL_CACHE", Path.home() / ".cache" / "peel")) / "bench-truth"
TRUTH_VERSION = "cf-1"  # change when the trimap or the matting changes
ISNET_VERSION = "isnet-1"  # change when bench/isnet.py's preprocessing changes
TRUTHS = ("u2netp", "isnet")
BENCH_PYTHON = ROOT / "bench" / ".venv" / "bin" / "python"
PLAIN = (226, 230, 236)
GRADIENT = ((250, 214, 150), (60, 90, 160))
SMALL_PIECE = 0.005  # of the subject's area
EDGE_ZONE = 4  # mask pixels


# ---------------------------------------------------------------------------- metrics

def pieces(binary, area):
    """Connected pieces (4-connected) of ``binary`` smaller than SMALL_PIECE × ``area``.

    Returns (islands, pinholes-style count excluding pieces that touch the border when
    ``enclosed``): here just the labels and sizes, see islands_and_pinholes.
    """
    labels, count = ndimage.label(binary)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    return labels, sizes


def islands_and_pinholes(alpha):
    """(islands, pinholes) of an alpha in [0, 1] (see the module docstring)."""
    solid = alpha >= 0.5
    area = max(int(solid.sum()), 1)
    limit = SMALL_PIECE * area
    labels, sizes = pieces(solid, area)
    islands = int(((sizes[1:] > 0) & (sizes[1:] < limit)).sum())
    labels, sizes = pieces(~solid, area)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    enclosed = (sizes > 0) & (sizes < limit)
    enclosed[0] = False
    enclosed[border] = False
    return islands, int(enclosed.sum())


def grid_steps(alpha, mask_shape):
    """Straight alpha steps along the lines of the mask's full-resolution grid (module docstring).

    Returns the count on the grid's lines minus the count on the lines halfway between them
    (at least 0): noise makes short steps anywhere, blocks make them on the grid only.
    """
    counts = [0, 0]
    for axis in (0, 1):
        values = alpha if axis == 0 else alpha.T
        size, cells = values.shape[0], mask_shape[axis]
        if size / cells < 3:
            continue  # blocks of 1-2 px: no step to tell from an edge
        run = max(3, int(0.75 * values.shape[1] / mask_shape[1 - axis]))
        index = ((np.arange(size) + 0.5) * (cells / size)).astype(int)
        on_grid = np.flatnonzero(np.diff(index))  # a step between rows y and y + 1
        off_grid = ((np.arange(cells - 1) + 1.0) * size / cells).astype(int)
        off_grid = np.clip((off_grid[:-1] + off_grid[1:]) // 2, 0, size - 1)
        for slot, lines in enumerate((on_grid, off_grid)):
            lines = lines[(lines >= 1) & (lines + 2 < size)]
            across = np.abs(values[lines + 1] - values[lines])
            before = np.abs(values[lines] - values[lines - 1])
            after = np.abs(values[lines + 2] - values[lines + 1])
            step = (across >= 0.1) & (before < across / 3) & (after < across / 3)
            edges = np.diff(np.pad(step, ((0, 0), (1, 1))).astype(np.int8), axis=1)
            for line_edges in edges:
                starts, ends = np.flatnonzero(line_edges == 1), np.flatnonzero(line_edges == -1)
                counts[slot] += int(((ends - starts) >= run).sum())
    return max(0, counts[0] - counts[1])


def edge_zone(truth, mask_shape):
    partial = (truth > 0.02) & (truth < 0.98)
    zone = max(1, round(EDGE_ZONE * truth.shape[0] / mask_shape[0]))
    return ndimage.binary_dilation(partial, iterations=zone)


def unsure_band(mask, shape):
    """(H, W) bool: where the model is unsure (0.02 < mask < 0.98, widened by one mask pixel),
    at full resolution: the most any refinement that keeps the model's sure parts can change."""
    unsure = ndimage.binary_dilation((mask > 0.02) & (mask < 0.98), iterations=1)
    image = Image.fromarray(unsure.astype(np.uint8) * np.uint8(255), "L")
    return np.asarray(image.resize((shape[1], shape[0]), Image.Resampling.BILINEAR)) > 0


def alpha_metrics(alpha, mask_shape, truth=None, zone=None, truth_gradient=None, band=None):
    islands, pinholes = islands_and_pinholes(alpha)
    out = {"islands": islands, "pinholes": pinholes, "grid_steps": grid_steps(alpha, mask_shape)}
    if truth is not None:
        error = np.abs(alpha - truth)
        out.update(sad=float(error.sum() / 1000), sad_edge=float(error[zone].sum() / 1000),
                   sad_unsure=float(error[band].sum() / 1000),
                   grad=float(((gradient_magnitude(alpha) - truth_gradient) ** 2).sum() / 1000))
    return out


# ---------------------------------------------------------------------------- methods

def plain_alpha(rgba, mask):
    """The 320-px mask rounded to 8 bits and bilinearly upscaled: the baseline."""
    small = Image.fromarray(np.clip(mask * 255 + 0.5, 0, 255).astype(np.uint8), "L")
    return np.asarray(small.resize((rgba.shape[1], rgba.shape[0]), Image.Resampling.BILINEAR))


def settings_alpha(settings):
    def method(rgba, mask):
        small = refine.downscale_rgb(rgba)
        alpha8 = refine.refine_alpha(rgba, solid_step(mask, settings, small), settings.refine, small=small)
        return refine.threshold_alpha(alpha8, *settings.threshold_range)
    return method


def model_alpha(remover, model, fill):
    """The default alpha of another model (its own mask of the image), with peel.solid forced
    on its mask when ``fill`` (the app applies it to saliency models only)."""
    settings = Settings(model=model)

    def method(rgba, mask):
        own = remover.mask(rgba, model)
        small = refine.downscale_rgb(rgba)
        if fill:
            own = solid.solid_mask(own, small)
        alpha8 = refine.refine_alpha(rgba, own, settings.refine, small=small)
        return refine.threshold_alpha(alpha8, *settings.threshold_range)
    return method


METHODS = {"plain": plain_alpha, "reference": settings_alpha(Settings.reference()),
           "default": settings_alpha(Settings(solid=False)), "solid": settings_alpha(Settings(solid=True))}


def people_methods():
    """modnet and modnet+solid (``--people``): the People model, without and with peel.solid."""
    from peel.desktop.api import Remover

    remover = Remover()
    return {"modnet": model_alpha(remover, "modnet", False), "modnet+solid": model_alpha(remover, "modnet", True)}


# ---------------------------------------------------------------------------- truth

def make_trimap(mask, shape):
    """(H, W) uint8 trimap from the model's mask (module docstring)."""
    height, width = shape
    up = np.asarray(Image.fromarray(mask, "F").resize((width, height), Image.Resampling.BILINEAR))
    unknown = (up > 0.02) & (up < 0.98)
    grow = max(1, round(0.75 * height / mask.shape[0]))
    unknown = ndimage.binary_dilation(unknown, iterations=grow)
    trimap = np.where(up >= 0.5, 255, 0).astype(np.uint8)
    trimap[unknown] = 128
    return trimap


def seed_mask(seed, rgba, u2netp_mask, isnet):
    """The mask a truth is seeded with: u2netp's, or ISNet's (cached by content: 15–80 s natively)."""
    if seed == "u2netp":
        return u2netp_mask
    key = hashlib.sha256(ISNET_VERSION.encode() + rgba.tobytes()).hexdigest()[:32]
    cached = TRUTH_CACHE / f"{key}.isnet.npy"
    if not cached.is_file():
        TRUTH_CACHE.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f"{cached.name}.{os.getpid()}.npy")
        np.save(partial, isnet()(rgba))
        os.replace(partial, cached)
    return np.load(cached)


def matted_truth(rgb, trimap):
    """(alpha, fg) float32 of a photo from bench/photo_truth.py, cached by content."""
    key = hashlib.sha256(TRUTH_VERSION.encode() + rgb.tobytes() + trimap.tobytes()).hexdigest()[:32]
    cached = TRUTH_CACHE / f"{key}.npz"
    if not cached.is_file():
        TRUTH_CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as scratch:
            source = Path(scratch) / "in.npz"
            np.savez(source, rgb=rgb, trimap=trimap)
            target = Path(scratch) / "out.npz"
            subprocess.run([str(BENCH_PYTHON), str(ROOT / "bench" / "photo_truth.py"), str(source), str(target)],
                           check=True)
            os.replace(target, cached)
    with np.load(cached) as saved:
        return saved["alpha"], saved["fg"]


def backgrounds(shape, photos, own):
    """{kind: (H, W, 3) float32 0..255}: plain, gradient, busy (another photo, covered)."""
    height, width = shape
    plain = np.broadcast_to(np.array(PLAIN, np.float32), (height, width, 3))
    t = (np.linspace(0, 1, width)[None, :] * 0.7 + np.linspace(0, 1, height)[:, None] * 0.3)[..., None]
    gradient = (np.array(GRADIENT[0]) * (1 - t) + np.array(GRADIENT[1]) * t).astype(np.float32)
    other = photos[(own + 3) % len(photos)]
    image = Image.fromarray(other[..., :3])
    scale = max(width / image.width, height / image.height)
    size = (max(width, round(image.width * scale)), max(height, round(image.height * scale)))
    image = image.resize(size, Image.Resampling.BICUBIC)
    left, top = (size[0] - width) // 2, (size[1] - height) // 2
    busy = np.asarray(image.crop((left, top, left + width, top + height)), np.float32)
    return {"plain": plain, "gradient": gradient, "busy": busy}


# ---------------------------------------------------------------------------- contact sheet

CHECKER = 8
MAGENTA = np.array([255, 0, 255], np.float32)


def over(rgb, alpha, background):
    a = alpha[..., None]
    return np.clip(rgb * a + background * (1 - a) + 0.5, 0, 255).astype(np.uint8)


def checkerboard(shape):
    y, x = np.indices(shape[:2])
    light = ((y // CHECKER + x // CHECKER) % 2 == 0)
    return np.where(light[..., None], 205, 150).astype(np.float32) * np.ones(3, np.float32)


def crop_boxes(first, second, size, count=2):
    """Top-left corners of the ``count`` size×size windows where two alphas differ most."""
    diff = np.abs(first - second)
    sums = ndimage.uniform_filter(diff, size, mode="constant")
    boxes = []
    for _ in range(count):
        y, x = np.unravel_index(np.argmax(sums), sums.shape)
        top = int(np.clip(y - size // 2, 0, diff.shape[0] - size))
        left = int(np.clip(x - size // 2, 0, diff.shape[1] - size))
        boxes.append((top, left))
        sums[max(0, y - size):y + size, max(0, x - size):x + size] = -1
    return boxes


def sheet_row(name, rgb, plain, default, height=240):
    rgbf = rgb.astype(np.float32)
    panels = [("original", rgb)]
    for label, alpha in (("plain", plain), ("default", default)):
        panels.append((f"{label} / checker", over(rgbf, alpha, checkerboard(rgb.shape))))
    for label, alpha in (("plain", plain), ("default", default)):
        panels.append((f"{label} / magenta", over(rgbf, alpha, MAGENTA)))
    size = max(24, min(rgb.shape[:2]) // 6)
    crops = []
    for top, left in crop_boxes(plain, default, size):
        window = (slice(top, top + size), slice(left, left + size))
        crops.append([over(rgbf[window], alpha[window], MAGENTA) for alpha in (plain, default)])
    images = []
    for label, array in panels:
        image = Image.fromarray(array)
        image = image.resize((max(1, round(image.width * height / image.height)), height), Image.Resampling.LANCZOS)
        ImageDraw.Draw(image).text((4, 4), label, fill=(255, 255, 0))
        images.append(image)
    for index, pair in enumerate(crops):
        for label, array in zip(("plain", "default"), pair):
            image = Image.fromarray(array).resize((height, height), Image.Resampling.NEAREST)
            ImageDraw.Draw(image).text((4, 4), f"crop {index + 1}: {label}", fill=(255, 255, 0))
            images.append(image)
    width = sum(image.width for image in images) + 4 * (len(images) - 1)
    row = Image.new("RGB", (width, height + 18), (32, 32, 32))
    ImageDraw.Draw(row).text((4, height + 4), name, fill=(255, 255, 255))
    x = 0
    for image in images:
        row.paste(image, (x, 0))
        x += image.width + 4
    return row


def contact_sheet(rows):
    width = max(row.width for row in rows)
    sheet = Image.new("RGB", (width, sum(row.height for row in rows)), (32, 32, 32))
    y = 0
    for row in rows:
        sheet.paste(row, (0, y))
        y += row.height
    return sheet


# ---------------------------------------------------------------------------- run

def run(methods, sheet_path=None, truths=TRUTHS):
    model = paths.SERVED_MODEL if paths.SERVED_MODEL.is_file() else paths.upstream_model()
    infer = OnnxInference(model)
    photos = [read_image(path) for path in PHOTOS]
    results = {"composites": {seed: {} for seed in truths}, "photos": {}}
    rows = []
    isnet_session = []

    def isnet():
        if not isnet_session:
            from bench.isnet import IsnetMask
            isnet_session.append(IsnetMask())
        return isnet_session[0]

    for own, (path, rgba) in enumerate(zip(PHOTOS, photos)):
        name = path.stem
        mask = normalize_prediction(infer(prepare_input(rgba)))
        rgb = np.ascontiguousarray(rgba[..., :3])
        alphas = {label: method(rgba, mask).astype(np.float32) / 255 for label, method in methods.items()}
        results["photos"][name] = {label: alpha_metrics(alpha, mask.shape) for label, alpha in alphas.items()}
        if sheet_path is not None:
            rows.append(sheet_row(f"{name} (real photo)", rgb, alphas["plain"], alphas["default"]))
        for seed in truths:
            composites(results["composites"][seed], seed, name, own, rgba, mask, photos, infer, methods,
                       isnet, rows if sheet_path is not None and seed == truths[0] else None)
        print(f"{name}: done", flush=True)
    if sheet_path is not None:
        sheet_path.parent.mkdir(parents=True, exist_ok=True)
        contact_sheet(rows).save(sheet_path)
    return results


def composites(out, seed, name, own, rgba, mask, photos, infer, methods, isnet, rows):
    """Every method on the photo's composites under the truth seeded by ``seed``, into ``out``."""
    rgb = np.ascontiguousarray(rgba[..., :3])
    truth, fg = matted_truth(rgb, make_trimap(seed_mask(seed, rgba, mask, isnet), rgb.shape[:2]))
    truth_gradient = gradient_magnitude(truth)
    fg = fg * np.float32(255)
    for kind, background in backgrounds(rgb.shape[:2], photos, own).items():
        image = np.clip(truth[..., None] * fg + (1 - truth[..., None]) * background + 0.5, 0, 255).astype(np.uint8)
        comp = np.concatenate([image, np.full(image.shape[:2] + (1,), 255, np.uint8)], axis=2)
        comp_mask = normalize_prediction(infer(prepare_input(comp)))
        zone = edge_zone(truth, comp_mask.shape)
        band = unsure_band(comp_mask, truth.shape)
        entry = {"truth": alpha_metrics(truth, comp_mask.shape)}
        for label, method in methods.items():
            alpha = method(comp, comp_mask).astype(np.float32) / 255
            entry[label] = alpha_metrics(alpha, comp_mask.shape, truth, zone, truth_gradient, band)
            if rows is not None and kind == "busy" and label == "default":
                plain = plain_alpha(comp, comp_mask).astype(np.float32) / 255
                rows.append(sheet_row(f"{name} over busy (composite)", image, plain, alpha))
        # The ceiling of a refinement that keeps the model's sure parts: the truth where the
        # model is unsure, plain upscaling elsewhere.
        plain = plain_alpha(comp, comp_mask).astype(np.float32) / 255
        entry["ceiling"] = {"sad": float(np.abs(plain - truth)[~band].sum() / 1000),
                            "unsure_share": float(band.mean())}
        out[f"{name}/{kind}"] = entry


def print_tables(results, methods):
    for seed, entries in results["composites"].items():
        print(f"\n===== truth seeded by {seed}")
        print_composites(entries, methods)
    print("\nTotal SAD per truth (sums /1000), and against default; 'right subject': without the composites"
          "\nwhere the model found the wrong subject (most of plain's SAD where the model is sure: no step"
          "\nthat keeps the model's sure parts can change it):")
    print(f"{'truth':<22}" + "".join(f"{label:>20}" for label in methods))
    for seed, entries in results["composites"].items():
        right = {name: entry for name, entry in entries.items() if not wrong_subject(entry)}
        for title, chosen in ((f"{seed}", entries), (f"{seed}, right subject", right)):
            totals = {label: sum(entry[label]["sad"] for entry in chosen.values()) for label in methods}
            print(f"{title:<22}" + "".join(f"{value:>10.1f} ({value / totals['default'] - 1:+6.1%})"
                                           for value in totals.values()))
        print(f"{'':<22}left out: {', '.join(sorted(set(entries) - set(right))) or 'none'}")
    print("\nReal photos (no truth): islands/pinholes, grid steps")
    print(f"{'photo':<16}" + "".join(f"{label:>18}" for label in methods))
    for name, entry in results["photos"].items():
        print(f"{name:<16}" + "".join(f"{entry[l]['islands']:>9}/{entry[l]['pinholes']:<4}G{entry[l]['grid_steps']:<3}" for l in methods))


def wrong_subject(entry):
    """Whether most of plain upscaling's SAD lies where the model is sure (the ceiling): the model
    found the wrong subject, which no step after it can mend."""
    return entry["ceiling"]["sad"] >= 0.5 * entry["plain"]["sad"]


def print_composites(composites, methods):
    print("\nComposites (truth = closed-form matte; SAD, edge SAD, grad: sums /1000; I/P = islands/pinholes; G = grid steps)")
    print(f"{'composite':<22}{'truth I/P':>10}" + "".join(f"{label + ' SAD':>15}{'edge':>7}{'grad':>7}{'I/P':>9}{'G':>5}" for label in methods))
    totals = {label: 0.0 for label in methods}
    for name, entry in composites.items():
        t = entry["truth"]
        line = f"{name:<22}{t['islands']:>5}/{t['pinholes']:<4}"
        for label in methods:
            m = entry[label]
            totals[label] += m["sad"]
            line += f"{m['sad']:>15.2f}{m['sad_edge']:>7.2f}{m['grad']:>7.2f}{m['islands']:>5}/{m['pinholes']:<3}{m['grid_steps']:>5}"
        print(line)
    base = totals["plain"]
    print("total SAD: " + ", ".join(f"{label} {value:.1f} ({value / base - 1:+.1%})" for label, value in totals.items()))
    print("\nWhere the SAD is (sums /1000): where the model is unsure (its mask between 0.02 and 0.98, one mask"
          "\npixel wider) and where it is sure. No refinement that keeps the model's sure parts gets below the sure"
          "\npart: it is the ceiling (the truth where the model is unsure, plain upscaling elsewhere).")
    print(f"{'composite':<22}{'unsure px':>10}{'plain SAD':>11}{'unsure':>8}{'sure':>8}{'default':>9}{'unsure':>8}")
    sums = np.zeros(5)
    for name, entry in composites.items():
        plain, default = entry["plain"], entry["default"]
        row = [plain["sad"], plain["sad_unsure"], entry["ceiling"]["sad"], default["sad"], default["sad_unsure"]]
        sums += row
        print(f"{name:<22}{entry['ceiling']['unsure_share']:>10.1%}"
              + "".join(f"{value:>{w}.2f}" for value, w in zip(row, (11, 8, 8, 9, 8))))
    print(f"{'total':<32}" + "".join(f"{value:>{w}.1f}" for value, w in zip(sums, (11, 8, 8, 9, 8)))
          + f"\nceiling {sums[2] / sums[0] - 1:+.1%}, default {sums[3] / sums[0] - 1:+.1%} in all, "
          f"{sums[4] / sums[1] - 1:+.1%} where the model is unsure")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "photo-quality.json")
    parser.add_argument("--sheet", type=Path, default=ROOT / "bench" / "results" / "photo-contact-sheet.png")
    parser.add_argument("--truth", choices=TRUTHS, nargs="+", default=list(TRUTHS),
                        help="which truths to measure under (default: both)")
    parser.add_argument("--tables", type=Path, help="print the tables of a saved --out file, run nothing")
    parser.add_argument("--people", action="store_true",
                        help="also the People model (MODNet), without and with peel.solid on its mask")
    args = parser.parse_args()
    if args.tables:
        saved = json.loads(args.tables.read_text())
        print_tables(saved, [label for label in next(iter(next(iter(saved["composites"].values())).values()))
                             if label not in ("truth", "ceiling")])
        return
    started = time.perf_counter()
    methods = {**METHODS, **(people_methods() if args.people else {})}
    results = run(methods, args.sheet, tuple(args.truth))
    print_tables(results, methods)
    report = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
              "date": time.strftime("%Y-%m-%d %H:%M"), "defaults": Settings().to_dict(), **results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"\n{time.perf_counter() - started:.0f} s; saved {args.out}, contact sheet {args.sheet}")


if __name__ == "__main__":
    main()
