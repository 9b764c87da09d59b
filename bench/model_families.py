"""The model families side by side (issue 27): quality on photo composites, time, memory, a contact sheet.

    bench/.venv/bin/python bench/model_families.py [--out bench/results/model-families.json]
                                                   [--sheet docs/models.jpg] [--backgrounds plain busy]

Runs in the bench's own virtualenv (bench/.venv: scipy, and pymatting for the truth) with native
onnxruntime; ``peel`` is imported from ``py/``. Models: u2netp and MODNet (Peel's pinned files),
ISNet general use at 1024 (its fp16 copy from @imgly/background-removal-data, a test input only:
buildtools/isnet_copy.py) and the same ISNet at 640 (``peel models --resize``, made here with the
project's .venv, which has ``onnx``). BiRefNet: no weights can be had here.

**Quality.** bench/photo_quality.py's composites: each of the six fixture photos' subject, matted
by closed-form matting on a trimap from a model's mask, composited exactly over a plain colour and
a busy photo (``--backgrounds``), so the truth is the alpha by construction. A truth seeded from
one model's mask favours that model's silhouette, so there are two truths, one seeded from u2netp's
mask and one from ISNet-1024's, and every model is scored under both. The alpha scored is each
model's plain output: its mask bilinearly upscaled (no refinement), so the models, not Peel's
refinements, are compared. SAD = Σ|α − α*| / 1000; edge SAD within 4/320 of the image height of
the truth's soft edge.

**Time** (one image: preprocessing, inference, mask; native, ``--threads``) at 1 and 12 MP, and
**memory** (peak RSS of a fresh process that loads the model and cuts out one 12 MP image).

**Contact sheet**: each real photo, then each model's plain cut-out over a checkerboard. Look at it.
Masks are cached by model and image (``~/.cache/peel/bench-masks``), so a second run is quick.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py")]

from bench.photo_quality import (PHOTOS, backgrounds, checkerboard, edge_zone, make_trimap,  # noqa: E402
                                 matted_truth, over, plain_alpha)
from buildtools.isnet_copy import fetch_isnet_copy  # noqa: E402
from buildtools.paths import cached  # noqa: E402
from peel.desktop.api import read_image  # noqa: E402
from peel.desktop.native import OnnxInference  # noqa: E402
from peel.models import get_model  # noqa: E402
from peel.models.recognise import recognise_model  # noqa: E402

MASKS = Path(os.environ.get("PEEL_CACHE", Path.home() / ".cache" / "peel")) / "bench-masks"
PROJECT_PYTHON = ROOT / ".venv" / "bin" / "python"
MODEL_NAMES = ("u2netp", "modnet", "isnet-640", "isnet-1024")
TRUTHS = ("u2netp", "isnet-1024")


def model_files() -> dict[str, Path]:
    """name -> the ONNX file of each model compared (the ISNet copy fetched, the 640 one made)."""
    from peel.models import modnet, u2net

    isnet = fetch_isnet_copy(log=lambda m: print(m, file=sys.stderr))
    resized = MASKS.parent / "derived" / f"isnet-640-{isnet.name[:12]}.onnx"
    if not resized.is_file():
        subprocess.run([str(PROJECT_PYTHON), "-m", "peel.desktop.cli", "models", "--resize", str(isnet), "640",
                        str(resized)], check=True, env={**os.environ, "PYTHONPATH": str(ROOT / "py")})
    return {"u2netp": cached(u2net.U2NETP.file.sha256), "modnet": cached(modnet.MODNET.file.sha256),
            "isnet-640": resized, "isnet-1024": isnet}


class Model:
    """One model: its preprocessing and output handling (peel.models) and a native session."""

    def __init__(self, name, path, threads):
        self.name, self.path, self.threads = name, Path(path), threads
        self.spec = get_model(name) if name in ("u2netp", "modnet") else recognise_model(path, name=name)
        self.key = hashlib.sha256(f"{name}:{self.path.stat().st_size}:{self.path.name}".encode()).hexdigest()[:16]
        self._infer = None

    def infer(self, tensor):
        if self._infer is None:
            self._infer = OnnxInference(self.path, threads=self.threads)
        return self._infer(tensor)

    def mask(self, rgba):
        """(h, w) float32 mask, cached by model and image."""
        key = hashlib.sha256(self.key.encode() + rgba.tobytes()).hexdigest()[:32]
        path = MASKS / f"{key}.npy"
        if path.is_file():
            return np.load(path)
        mask = self.spec.to_mask(self.infer(self.spec.prepare_input(rgba)))
        MASKS.mkdir(parents=True, exist_ok=True)
        np.save(path, mask)
        return mask


def sad(alpha, truth, zone):
    error = np.abs(alpha - truth)
    return float(error.sum() / 1000), float(error[zone].sum() / 1000)


def quality(models, photos, kinds, log):
    """{truth seed: {composite: {model: (SAD, edge SAD)}}} and the real photos' alphas."""
    results = {seed: {} for seed in TRUTHS}
    alphas = {}
    for own, (path, rgba) in enumerate(zip(PHOTOS, photos)):
        name = path.stem
        rgb = np.ascontiguousarray(rgba[..., :3])
        alphas[name] = {m.name: plain_alpha(rgba, m.mask(rgba)).astype(np.float32) / 255 for m in models.values()}
        for seed in TRUTHS:
            seed_mask = models[seed].mask(rgba)
            truth, fg = matted_truth(rgb, make_trimap(seed_mask, rgb.shape[:2]))
            fg = fg * np.float32(255)
            zone = edge_zone(truth, (320, 320))
            for kind, background in backgrounds(rgb.shape[:2], photos, own).items():
                if kind not in kinds:
                    continue
                image = np.clip(truth[..., None] * fg + (1 - truth[..., None]) * background + 0.5, 0, 255)
                comp = np.concatenate([image.astype(np.uint8), np.full(image.shape[:2] + (1,), 255, np.uint8)], axis=2)
                row = {}
                for model in models.values():
                    alpha = plain_alpha(comp, model.mask(comp)).astype(np.float32) / 255
                    row[model.name] = sad(alpha, truth, zone)
                results[seed][f"{name}/{kind}"] = row
                log(f"  {seed} truth, {name}/{kind}: " + ", ".join(f"{m} {v[0]:.1f}" for m, v in row.items()))
    return results, alphas


def timing(models, runs, log):
    """{model: {"1 MP": ms, "12 MP": ms}}: median of `runs` of preprocessing + inference + mask."""
    source = Image.open(PHOTOS[0]).convert("RGBA")
    sizes = {"1 MP": (1155, 866), "12 MP": (4000, 3000)}
    out = {}
    for model in models.values():
        out[model.name] = {}
        for label, size in sizes.items():
            rgba = np.asarray(source.resize(size, Image.Resampling.BICUBIC))
            model.infer(model.spec.prepare_input(rgba))  # untimed: the session's first run
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                model.spec.to_mask(model.infer(model.spec.prepare_input(rgba)))
                samples.append((time.perf_counter() - started) * 1000)
            out[model.name][label] = round(statistics.median(samples))
        log(f"  {model.name}: {out[model.name]} ms (load {os.getloadavg()[0]:.1f})")
    return out


def peak_memory(name, path, threads):
    """Peak RSS (MB) of a fresh process that loads the model and cuts out one 12 MP image.

    VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child would report its
    parent's peak."""
    code = ("import sys, numpy as np; sys.path[:0] = sys.argv[4:]; "
            "from bench.model_families import Model; "
            "m = Model(sys.argv[1], sys.argv[2], int(sys.argv[3])); "
            "rgba = np.full((3000, 4000, 4), 128, np.uint8); "
            "m.spec.to_mask(m.infer(m.spec.prepare_input(rgba))); "
            "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])")
    done = subprocess.run([sys.executable, "-c", code, name, str(path), str(threads), str(ROOT), str(ROOT / "py")],
                          check=True, capture_output=True, text=True)
    return round(int(done.stdout.split()[-1]) / 1024)


def label(tile, text):
    draw = ImageDraw.Draw(tile)
    draw.rectangle((0, 0, 8 + 7 * len(text), 16), fill=(0, 0, 0))
    draw.text((4, 2), text, fill=(255, 255, 255))
    return tile


def contact_sheet(photos, alphas, height=190):
    """One row per real photo: the photo, then each model's plain cut-out over a checkerboard."""
    rows = []
    for (path, rgba), (name, by_model) in zip(zip(PHOTOS, photos), alphas.items()):
        scale = height / rgba.shape[0]
        size = (max(1, round(rgba.shape[1] * scale)), height)
        rgb = rgba[..., :3].astype(np.float32)
        tiles = [label(Image.fromarray(rgba[..., :3]).resize(size, Image.Resampling.LANCZOS), name)]
        for model, alpha in by_model.items():
            cut = over(rgb, alpha, checkerboard(rgb.shape))
            tiles.append(label(Image.fromarray(cut).resize(size, Image.Resampling.LANCZOS), model))
        row = Image.new("RGB", (sum(t.width for t in tiles) + 4 * (len(tiles) - 1), height), (255, 255, 255))
        x = 0
        for tile in tiles:
            row.paste(tile, (x, 0))
            x += tile.width + 4
        rows.append(row)
    sheet = Image.new("RGB", (max(r.width for r in rows), sum(r.height for r in rows) + 4 * (len(rows) - 1)),
                      (255, 255, 255))
    y = 0
    for row in rows:
        sheet.paste(row, (0, y))
        y += row.height + 4
    return sheet


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "model-families.json")
    parser.add_argument("--sheet", type=Path, default=ROOT / "docs" / "models.jpg")
    parser.add_argument("--backgrounds", nargs="+", default=["plain", "busy"], choices=["plain", "gradient", "busy"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--skip-time", action="store_true")
    args = parser.parse_args()
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    started = time.perf_counter()
    models = {name: Model(name, path, args.threads) for name, path in model_files().items()}
    photos = [read_image(path) for path in PHOTOS]
    log("quality: two truths × composites")
    results, alphas = quality(models, photos, set(args.backgrounds), log)
    sheet = contact_sheet(photos, alphas)
    args.sheet.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.sheet, quality=60, optimize=True)  # under 300 KB for docs/
    report = {"date": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count(), "threads": args.threads,
              "backgrounds": args.backgrounds, "quality": results}
    if not args.skip_time:
        log("time per image, native")
        report["time_ms"] = timing(models, args.runs, log)
        report["peak_rss_mb"] = {name: peak_memory(name, m.path, args.threads) for name, m in models.items()}
    report["load_avg_end"] = os.getloadavg()
    print_table(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    log(f"{time.perf_counter() - started:.0f} s; saved {args.out}, sheet {args.sheet} "
        f"({args.sheet.stat().st_size // 1024} KB)")


def print_table(report):
    names = list(next(iter(next(iter(report["quality"].values())).values())))
    print(f"{'model':<12}" + "".join(f"{'SAD ' + seed:>18}{'edge':>8}" for seed in TRUTHS)
          + f"{'SAD both':>10}{'1 MP ms':>9}{'12 MP ms':>10}{'peak MB':>9}")
    for name in names:
        line, both = f"{name:<12}", 0.0
        for seed in TRUTHS:
            rows = report["quality"][seed].values()
            total, edge = sum(r[name][0] for r in rows), sum(r[name][1] for r in rows)
            both += total
            line += f"{total:>18.1f}{edge:>8.1f}"
        times = report.get("time_ms", {}).get(name, {})
        line += f"{both:>10.1f}{times.get('1 MP', 0):>9}{times.get('12 MP', 0):>10}"
        line += f"{report.get('peak_rss_mb', {}).get(name, 0):>9}"
        print(line)


if __name__ == "__main__":
    main()
