"""Composites with exact ground truth for the quality benchmark and the regression test.

A *foreground layer* is a colour image ``fg`` (H, W, 3) and an alpha ``alpha`` (H, W), both
defined by construction here, never estimated:

- Every shape is drawn with Pillow at 4× the final size (``SUPERSAMPLE``) as a 0/255 coverage
  image, then reduced with a box filter, so ``alpha`` is the exact area each pixel covers
  (antialiased edges, quantised to 1/255). Strands of hair or fur are lines 1–3 px wide at 4×,
  i.e. 0.25–0.75 px wide at the final size, so they are only ever partially opaque.
- Shapes are stacked as layers (a body, then groups of strands, each with its own colour
  image): the premultiplied colour and the alpha are combined with the *over* operator in
  float, so where a strand crosses the body the true foreground colour is the strand/body
  mix, and where it crosses the background it is the strand's colour alone.
- Some subjects get a defocused outline (their coverage blurred with a Gaussian of 1.5–5 px),
  some have holes that show the background, some are textured with the fixture photos
  (tests/fixtures), others with smooth gradients, noise or stripes.

Each layer is composited over backgrounds of three kinds: plain white, a plain colour, and a
busy picture (a fixture photo scaled to cover, or synthetic clutter of textured shapes). The
composite is ``round(alpha * fg + (1 - alpha) * bg)`` as uint8, so its true alpha is the
layer's alpha and its true foreground colour is the layer's colour, exactly.

Everything is seeded and deterministic; nothing is downloaded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
SUPERSAMPLE = 4

#: (kind, (width, height)) of the foreground layers of the benchmark, in order.
LAYERS = [
    ("blob", (960, 720)),
    ("hairy", (1200, 900)),
    ("holes", (1024, 768)),
    ("soft", (900, 1200)),
    ("photo", (1280, 960)),
    ("portrait", (960, 1280)),
    ("fur", (1600, 1200)),
    ("blob", (1440, 1080)),
    ("hairy", (800, 600)),
    ("photo", (1024, 1024)),
    ("portrait", (1200, 1600)),
    ("holes", (1600, 1200)),
]
BACKGROUNDS = ("white", "colour", "busy")


@dataclass(frozen=True)
class Composite:
    """One composite and its exact ground truth.

    Attributes
    ----------
    name : str
    image : numpy.ndarray
        (H, W, 3) uint8 composite.
    alpha : numpy.ndarray
        (H, W) float32 true alpha in [0, 1].
    fg : numpy.ndarray
        (H, W, 3) uint8 true foreground colour (meaningful where alpha > 0).
    """

    name: str
    image: np.ndarray
    alpha: np.ndarray
    fg: np.ndarray


# ---------------------------------------------------------------------------- textures

def _smooth_noise(rng, size, cells, channels=3):
    """(H, W, channels) float32 in [0, 1]: a random grid of `cells` upscaled bicubically."""
    width, height = size
    grid = rng.uniform(0, 255, (max(2, cells * height // width), cells, channels)).astype(np.uint8)
    image = Image.fromarray(grid if channels == 3 else grid[..., 0])
    return np.asarray(image.resize((width, height), Image.Resampling.BICUBIC), np.float32) / 255


def _fixture(name, size):
    """A fixture photo scaled to cover `size` and centre-cropped, (H, W, 3) uint8."""
    width, height = size
    with Image.open(FIXTURES / f"{name}.png") as image:
        image = image.convert("RGB")
        scale = max(width / image.width, height / image.height)
        resized = image.resize((math.ceil(image.width * scale), math.ceil(image.height * scale)),
                               Image.Resampling.BICUBIC)
    left = (resized.width - width) // 2
    top = (resized.height - height) // 2
    return np.asarray(resized.crop((left, top, left + width, top + height)))


def _texture(rng, size, style):
    """(H, W, 3) float32 colours in [0, 1] for a body."""
    width, height = size
    base = rng.uniform(0.1, 0.9, 3).astype(np.float32)
    if style == "gradient":
        ramp = np.linspace(-0.25, 0.25, height, dtype=np.float32)[:, None, None]
        colour = base + ramp * rng.uniform(-1, 1, 3).astype(np.float32) + 0.3 * (_smooth_noise(rng, size, 6) - 0.5)
    elif style == "noise":
        colour = base + 0.4 * (_smooth_noise(rng, size, 24) - 0.5) + 0.15 * (_smooth_noise(rng, size, 160) - 0.5)
    elif style == "stripes":
        y, x = np.mgrid[0:height, 0:width].astype(np.float32)
        period = rng.uniform(12, 40)
        angle = rng.uniform(0, math.pi)
        wave = (np.sin((x * math.cos(angle) + y * math.sin(angle)) * 2 * math.pi / period) > 0).astype(np.float32)
        other = rng.uniform(0.1, 0.9, 3).astype(np.float32)
        colour = base + (other - base) * wave[..., None] + 0.1 * (_smooth_noise(rng, size, 40) - 0.5)
    elif style in ("astronaut", "coffee"):
        colour = _fixture(style, size).astype(np.float32) / 255
    else:
        raise ValueError(style)
    return np.clip(colour, 0, 1)


# ---------------------------------------------------------------------------- coverage

class _Canvas:
    """A supersampled 0/255 coverage image; `coverage()` is the exact area per final pixel."""

    def __init__(self, size):
        self.size = size
        self.image = Image.new("L", (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE), 0)
        self.draw = ImageDraw.Draw(self.image)

    def polygon(self, points, fill=255):
        self.draw.polygon([(x * SUPERSAMPLE, y * SUPERSAMPLE) for x, y in points], fill=fill)

    def ellipse(self, box, fill=255):
        self.draw.ellipse([v * SUPERSAMPLE for v in box], fill=fill)

    def line(self, points, width):
        """A polyline `width` supersampled pixels wide (width / SUPERSAMPLE final pixels)."""
        self.draw.line([(x * SUPERSAMPLE, y * SUPERSAMPLE) for x, y in points], fill=255, width=width, joint="curve")

    def coverage(self):
        small = self.image.resize(self.size, Image.Resampling.BOX)
        return np.asarray(small, np.float32) / 255


def _blob_points(rng, centre, radius, wobble=0.25, harmonics=6, count=400):
    """A smooth random closed outline around `centre` (polar radius with a few harmonics)."""
    cx, cy = centre
    rx, ry = radius
    angles = np.linspace(0, 2 * math.pi, count, endpoint=False)
    r = np.ones(count)
    for k in range(2, harmonics + 2):
        r += wobble / k * rng.uniform(-1, 1) * np.cos(k * angles + rng.uniform(0, 2 * math.pi))
    return [(cx + rx * ri * math.cos(a), cy + ry * ri * math.sin(a)) for a, ri in zip(angles, r)], (angles, r)


def _strands(rng, canvas, roots, length, count, width_range, spread=0.6, curl=0.02):
    """Draw `count` curved strands starting at random `roots` (x, y, outward angle)."""
    for _ in range(count):
        x, y, angle = roots[rng.integers(len(roots))]
        angle += rng.normal(0, spread)
        steps = 12
        step = rng.uniform(0.15, 1.0) * length / steps
        bend = rng.normal(0, curl)
        points = [(x, y)]
        for _ in range(steps):
            angle += bend + rng.normal(0, curl)
            x += step * math.cos(angle)
            y += step * math.sin(angle)
            points.append((x, y))
        canvas.line(points, int(rng.integers(width_range[0], width_range[1] + 1)))


def _outline_roots(points, centre, keep):
    """(x, y, outward angle) for the outline points whose angle from the centre passes `keep`."""
    cx, cy = centre
    roots = []
    for x, y in points:
        angle = math.atan2(y - cy, x - cx)
        if keep(angle):
            roots.append((x, y, angle))
    return roots


# ---------------------------------------------------------------------------- layers

def make_layer(kind, size, seed):
    """Build one foreground layer.

    Parameters
    ----------
    kind : str
        One of ``blob``, ``hairy``, ``holes``, ``soft``, ``photo``, ``portrait``, ``fur``.
    size : tuple of int
        ``(width, height)``.
    seed : int

    Returns
    -------
    fg : numpy.ndarray
        (H, W, 3) uint8 foreground colour.
    alpha : numpy.ndarray
        (H, W) float32 alpha in [0, 1].
    """
    rng = np.random.default_rng(seed)
    width, height = size
    scale = min(width, height)
    layers = []  # (coverage (H, W), colour (H, W, 3) float in [0, 1])
    centre = (width * rng.uniform(0.42, 0.58), height * rng.uniform(0.45, 0.6))
    radius = (width * rng.uniform(0.22, 0.32), height * rng.uniform(0.25, 0.34))
    styles = ["gradient", "noise", "stripes", "astronaut", "coffee"]

    def body(style, points=None, holes=(), blur=0.0):
        canvas = _Canvas(size)
        canvas.polygon(points if points is not None else _blob_points(rng, centre, radius)[0])
        for hole in holes:
            canvas.polygon(hole, fill=0)
        coverage = canvas.coverage()
        if blur:
            coverage = np.asarray(Image.fromarray(np.round(coverage * 255).astype(np.uint8))
                                  .filter(ImageFilter.GaussianBlur(blur)), np.float32) / 255
        layers.append((coverage, _texture(rng, size, style)))

    def hair(roots, length, count, widths, colour=None, spread=0.6):
        canvas = _Canvas(size)
        _strands(rng, canvas, roots, length, count, widths, spread=spread)
        tone = colour if colour is not None else rng.uniform(0.05, 0.95, 3)
        shade = np.clip(tone + 0.15 * (_smooth_noise(rng, size, 12) - 0.5), 0, 1)
        layers.append((canvas.coverage(), shade.astype(np.float32)))

    if kind == "blob":
        body(styles[seed % 3])
    elif kind == "soft":
        body(styles[seed % 3], blur=rng.uniform(1.5, 5.0))
    elif kind == "photo":
        body(styles[3 + seed % 2])
    elif kind == "holes":
        points, _ = _blob_points(rng, centre, radius, wobble=0.15)
        holes = []
        for _ in range(int(rng.integers(2, 5))):
            hx = centre[0] + rng.uniform(-0.45, 0.45) * radius[0]
            hy = centre[1] + rng.uniform(-0.45, 0.45) * radius[1]
            hr = scale * rng.uniform(0.03, 0.07)
            holes.append(_blob_points(rng, (hx, hy), (hr, hr * rng.uniform(0.6, 1.4)), wobble=0.2)[0])
        body(styles[seed % 5], points, holes)
    elif kind in ("hairy", "fur"):
        points, _ = _blob_points(rng, centre, radius, wobble=0.2)
        body(styles[seed % 5], points)
        everywhere = _outline_roots(points, centre, lambda a: True)
        top = _outline_roots(points, centre, lambda a: a < -0.3 and a > -math.pi + 0.3)
        if kind == "hairy":
            hair(top, scale * 0.16, 1500, (1, 3))
            hair(top, scale * 0.10, 1000, (1, 2))
        else:
            hair(everywhere, scale * 0.05, 1800, (1, 3), spread=0.8)
            hair(everywhere, scale * 0.03, 1200, (2, 4), spread=0.8)
    elif kind == "portrait":
        # Shoulders (a rounded trapezoid) and a head with hair on top.
        cx = width * rng.uniform(0.45, 0.55)
        shoulders = [(cx - width * 0.42, height * 1.02), (cx - width * 0.36, height * 0.72),
                     (cx - width * 0.12, height * 0.62), (cx + width * 0.12, height * 0.62),
                     (cx + width * 0.36, height * 0.72), (cx + width * 0.42, height * 1.02)]
        body(styles[2 + seed % 3], shoulders)
        neck = [(cx - width * 0.07, height * 0.5), (cx + width * 0.07, height * 0.5),
                (cx + width * 0.08, height * 0.64), (cx - width * 0.08, height * 0.64)]
        body("noise", neck)
        head_centre = (cx, height * 0.42)
        head_radius = (width * 0.17, height * 0.17)
        points, _ = _blob_points(rng, head_centre, head_radius, wobble=0.08)
        body("noise", points)
        top = _outline_roots(points, head_centre, lambda a: a < -0.2 and a > -math.pi + 0.2)
        dark = rng.uniform(0.05, 0.5) * np.array([1.0, 0.8, 0.6])
        hair(top, scale * 0.12, 2500, (1, 3), colour=dark, spread=0.5)
    else:
        raise ValueError(f"unknown layer kind {kind!r}")

    # "Over" in premultiplied float: later layers on top.
    premultiplied = np.zeros((height, width, 3), np.float32)
    alpha = np.zeros((height, width), np.float32)
    for coverage, colour in layers:
        premultiplied = coverage[..., None] * colour + (1 - coverage[..., None]) * premultiplied
        alpha = coverage + (1 - coverage) * alpha
    alpha8 = np.round(alpha * 255)
    fg = premultiplied / np.maximum(alpha, 1e-6)[..., None]
    fg = np.where(alpha[..., None] > 0, fg, premultiplied)  # colour under alpha 0: irrelevant, keep 0
    return np.round(np.clip(fg, 0, 1) * 255).astype(np.uint8), (alpha8 / 255).astype(np.float32)


def make_background(kind, size, seed):
    """(H, W, 3) uint8 background: ``white``, ``colour`` (plain) or ``busy``."""
    rng = np.random.default_rng(seed + 1000)
    width, height = size
    if kind == "white":
        return np.full((height, width, 3), 255, np.uint8)
    if kind == "colour":
        return np.broadcast_to(rng.integers(0, 256, 3, dtype=np.uint8), (height, width, 3)).copy()
    if kind != "busy":
        raise ValueError(f"unknown background kind {kind!r}")
    if seed % 3 < 2:
        # Texture-like parts of the fixtures (no object that would out-compete the subject):
        # the wooden table of coffee.png, the flag of astronaut.png, scaled to cover.
        name, box = (("coffee", (0, 0, 170, 400)), ("astronaut", (0, 0, 95, 512)))[seed % 3]
        with Image.open(FIXTURES / f"{name}.png") as photo:
            crop = photo.convert("RGB").crop(box)
        if width > height:
            crop = crop.transpose(Image.Transpose.ROTATE_90)
        scale = max(width / crop.width, height / crop.height)
        crop = crop.resize((math.ceil(crop.width * scale), math.ceil(crop.height * scale)), Image.Resampling.BICUBIC)
        return np.asarray(crop.crop((0, 0, width, height)))
    # Synthetic clutter: textured rectangles and ellipses on a noisy gradient.
    image = Image.fromarray(np.round(_texture(rng, size, "gradient") * 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x0, y0 = rng.uniform(-0.1, 1.0) * width, rng.uniform(-0.1, 1.0) * height
        box = [x0, y0, x0 + rng.uniform(0.03, 0.3) * width, y0 + rng.uniform(0.03, 0.3) * height]
        fill = tuple(int(v) for v in rng.integers(0, 256, 3))
        (draw.rectangle if rng.uniform() < 0.5 else draw.ellipse)(box, fill=fill)
    noise = (_smooth_noise(rng, size, 200) - 0.5) * 40
    return np.clip(np.asarray(image, np.float32) + noise, 0, 255).astype(np.uint8)


def composite(fg, alpha, background):
    """``round(alpha * fg + (1 - alpha) * background)`` as (H, W, 3) uint8."""
    a = alpha[..., None]
    return np.round(a * fg + (1 - a) * background.astype(np.float32)).astype(np.uint8)


def make_composites(layers=None, backgrounds=BACKGROUNDS):
    """Yield a :class:`Composite` for every layer × background (``len(LAYERS) * 3`` by default).

    Parameters
    ----------
    layers : list of (kind, (width, height)), optional
        Defaults to :data:`LAYERS`.
    backgrounds : sequence of str
    """
    for index, (kind, size) in enumerate(LAYERS if layers is None else layers):
        fg, alpha = make_layer(kind, size, seed=index)
        for background in backgrounds:
            image = composite(fg, alpha, make_background(background, size, seed=index))
            yield Composite(f"{kind}-{size[0]}x{size[1]}-{background}", image, alpha, fg)
