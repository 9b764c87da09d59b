"""From the original pixels and the model's mask to the output image, for given settings.

This is what runs on every control change: the 320×320 mask is kept, the model is not run again.
The steps, in order: the solid subject (peel.solid, when asked for), edge refinement of the
upscaled mask (peel.refine), threshold clamping,
feather, colour decontamination at the soft edges (peel.foreground), then the original
transparency, the background and the format. :func:`render` runs them all;
:class:`peel.render_cache.RenderCache` runs the same step functions (solid_step, shape_alpha,
make_cutout, finish) and keeps their results between renders, keyed by the settings each step declares it
reads (:data:`STEPS`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from ._checks import check_rgba
from .composite import apply_alpha
from .foreground import decontaminate
from .product import render_product
from .refine import downscale_rgb, refine_alpha, threshold_alpha
from .models import get_model
from .settings import Settings
from .solid import solid_mask

__all__ = ["Step", "STEPS", "ENCODE_READS", "step_key", "render", "feather_alpha", "composite_over", "cover",
           "shape_alpha", "make_cutout", "finish", "solid_step", "fills_haze"]


@dataclass(frozen=True)
class Step:
    """One step of :func:`render`: its name and the settings it reads.

    ``reads`` names :class:`~peel.settings.Settings` fields, or its properties listed in
    :data:`peel.settings.DERIVED` (a step that reads ``threshold_range`` is not redone when
    ``threshold_low`` changes while the threshold is "auto"). A step's result depends on its
    reads and on those of the steps before it; ``kept=False``: it runs on every render.
    """

    name: str
    reads: tuple[str, ...]
    kept: bool = True


#: The steps, in order. The refinement also reads the user's edits (the hints).
STEPS = (
    Step("solid", ("solid", "model")),
    Step("refined", ("refine",)),
    Step("shaped", ("threshold_range", "feather")),
    Step("cutout", ("decontamination",)),
    Step("output", ("format", "background", "background_color", "background_blur", "product", "product_size",
                    "product_aspect", "product_margin", "product_shadow", "product_shadow_strength"), kept=False),
)
#: What turns the output into a file reads (peel.formats, the page's encoders).
ENCODE_READS = ("format", "quality")


def step_key(name, settings: Settings) -> tuple:
    """The values that step ``name``'s result depends on: its reads and those before it."""
    key = []
    for step in STEPS:
        key.extend(getattr(settings, read) for read in step.reads)
        if step.name == name:
            return tuple(key)
    raise ValueError(f"no render step called {name!r}")


def render(rgba, mask, settings: Settings, background=None, hints=None):
    """The output image for these settings.

    Parameters
    ----------
    rgba : numpy.ndarray
        (H, W, 4) uint8 original pixels. Overwritten (it is the worker's own copy; a 12 MP
        copy would cost 48 MB of WASM memory): pass a copy to keep it.
    mask : numpy.ndarray
        (h, w) float32 in [0, 1], the normalised model output (see normalize_prediction):
        (320, 320) for u2netp. This and ``rgba`` are all a re-render needs.
    settings : Settings
        ``Settings()`` for the measured defaults, ``Settings.reference()`` for the reference
        pipeline's cut-out (equal to :func:`peel.desktop.pipeline.cut_out`).
    background : numpy.ndarray, optional
        (h', w', 4) uint8 background image, used when ``settings.background == "image"``.
    hints : numpy.ndarray, optional
        (H, W) uint8 hint map of the user's edits (see peel.hints and
        :func:`peel.refine.refine_alpha`), applied before the refinement.

    Returns
    -------
    numpy.ndarray
        (H, W) uint8 alpha for format "mask"; (H, W, 4) uint8 RGBA when the result keeps its
        transparency; (H, W, 3) uint8 RGB over an opaque background. Product photos have the
        canvas's size instead of (H, W).
    """
    check_rgba(rgba)
    small = downscale_rgb(rgba) if needs_small_copy(settings) else None
    mask = solid_step(mask, settings, small)
    alpha8 = shape_alpha(refine_alpha(rgba, mask, settings.refine, small=small, hints=hints), settings)
    return finish(make_cutout(rgba, alpha8, settings, small=small, out=rgba), settings, background)


# The steps of render(), for peel.render_cache.RenderCache, which keeps each one's result.

def needs_small_copy(settings: Settings):
    """Whether the steps read :func:`peel.refine.downscale_rgb` of the photo."""
    return settings.refine != "none" or settings.decontamination > 0 or fills_haze(settings)


def fills_haze(settings: Settings):
    """Whether the solid-subject step runs: asked for, and the model finds a subject (saliency);
    a matte model's half-transparent parts are its answer (bench/README.md, "Solid subject")."""
    return settings.solid and get_model(settings.model).kind == "saliency"


def solid_step(mask, settings: Settings, small):
    """The model's mask, its wide haze made solid (:func:`peel.solid.solid_mask`) when
    :func:`fills_haze`; ``small`` is ``downscale_rgb`` of the photo (needed then)."""
    return solid_mask(mask, small) if fills_haze(settings) else mask



def shape_alpha(alpha8, settings: Settings):
    """The refined alpha, (H, W) uint8, after the threshold and the feather (maybe itself)."""
    return feather_alpha(threshold_alpha(alpha8, *settings.threshold_range), settings.feather)


def make_cutout(rgba, alpha8, settings: Settings, *, small=None, out=None, means=None):
    """The cut-out: the photo's colours (decontaminated at the soft edge) with ``alpha8``.

    Parameters
    ----------
    rgba : numpy.ndarray
        (H, W, 4) uint8 photo; only modified when ``out is rgba``.
    alpha8 : numpy.ndarray
        (H, W) uint8, from :func:`shape_alpha`.
    small : numpy.ndarray, optional
        ``downscale_rgb(rgba)``, when the caller has it.
    out : numpy.ndarray, optional
        (H, W, 4) uint8 writable, C-contiguous buffer for the result (``rgba`` itself works).
    means : numpy.ndarray, optional
        ``peel.foreground.colour_means(small, alpha8)``, when the caller keeps it.

    Returns
    -------
    numpy.ndarray
        (H, W, 4) uint8, ``out`` when given.
    """
    if out is None:
        out = rgba.copy()
    elif out is not rgba:
        np.copyto(out, rgba)
    strength = settings.decontamination
    if strength > 0:
        decontaminate(out, alpha8, strength, small=small, out=out, means=means)
    return apply_alpha(out, alpha8, out=out)


def finish(cutout, settings: Settings, background=None, *, return_layout=False, covered=None):
    """The output for these settings from the cut-out (which is not modified): see render().

    With ``return_layout``, also where the output put the cut-out's pixels: the
    :class:`peel.product.ProductLayout` of a product photo, None for every other output (it is
    in the cut-out's own pixels). ``covered``: ``cover(background, cutout.shape[:2])``, when the
    caller keeps it (a 12 MP backdrop takes ~0.1 s to scale).
    """
    layout = None
    if settings.format == "mask":
        output = np.ascontiguousarray(cutout[..., 3])
    elif settings.product:
        opaque = settings.background != "transparent" or settings.format == "jpeg"
        output, layout = render_product(
            cutout, size=settings.product_size, aspect=settings.aspect, margin=settings.product_margin,
            background=settings.background_rgb if opaque else None,
            shadow=settings.product_shadow, shadow_strength=settings.product_shadow_strength, return_layout=True)
    else:
        output = _over_background(cutout, settings, background, covered)
    return (output, layout) if return_layout else output


def _over_background(cutout, settings: Settings, background, covered=None):
    """The cut-out in its own pixels, over the background the settings ask for (or none)."""
    opaque = settings.background != "transparent" or settings.format == "jpeg"
    if settings.background == "image" and background is not None:
        return composite_over(cutout, covered if covered is not None else cover(background, cutout.shape[:2]))
    if settings.background == "blur":
        return composite_over(cutout, _blurred(cutout, settings.background_blur))
    if opaque:
        return composite_over(cutout, np.array(settings.background_rgb, np.uint8))
    return cutout


def finish_box(cutout, settings: Settings, background, box, *, covered=None):
    """``finish(cutout, settings, background)[box]``, made for the box alone where the output is
    made pixel by pixel (a background colour or image, transparent, the mask): after a stroke
    only its box is wanted, and the whole composite costs ~0.3 s at 12 MP.

    Parameters
    ----------
    cutout : numpy.ndarray
        (H, W, 4) uint8, as for :func:`finish`.
    settings : Settings
    background : numpy.ndarray or None
        As for :func:`finish`.
    box : tuple of slice
        (rows, cols) inside (H, W), steps of 1.
    covered : PIL.Image.Image, optional
        As for :func:`finish`.

    Returns
    -------
    numpy.ndarray
        (h, w, 4|3) uint8, or (h, w) uint8 for the mask; it may be a view of ``cutout``.
    """
    rows, cols = box
    if settings.product or settings.background == "blur":  # they read the whole cut-out
        return finish(cutout, settings, background)[box]
    if settings.format != "mask" and settings.background == "image" and background is not None:
        covered = covered if covered is not None else cover(background, cutout.shape[:2])
        backdrop = covered.crop((cols.start, rows.start, cols.stop, rows.stop))
        return composite_over(cutout[box], backdrop)
    return finish(cutout[box], settings, background)


def feather_alpha(alpha8, radius):
    """Soften the edge: a Gaussian blur (Pillow's, three box blurs) of `radius` px; 0 = as is.

    Parameters
    ----------
    alpha8 : numpy.ndarray
        (H, W) uint8.
    radius : float
        >= 0.

    Returns
    -------
    numpy.ndarray
        (H, W) uint8; `alpha8` itself when radius is 0.
    """
    if radius <= 0:
        return alpha8
    return np.asarray(Image.fromarray(alpha8, "L").filter(ImageFilter.GaussianBlur(radius)))


def composite_over(rgba, background):
    """``rgba`` over an opaque background, ``round(a*fg + (1-a)*bg)`` in integers.

    Pillow's masked paste does it in one pass of C, with exact rounding:
    ``(fg*a + bg*(255-a) + 127) // 255`` (tests/unit/test_render_refine.py checks it).

    Parameters
    ----------
    rgba : numpy.ndarray
        (H, W, 4) uint8, straight (not premultiplied) alpha.
    background : numpy.ndarray or PIL.Image.Image
        (H, W, 3) uint8 image, (3,) uint8 colour, or an RGB PIL image of size (W, H) (used as
        the output buffer: it is modified).

    Returns
    -------
    numpy.ndarray
        (H, W, 3) uint8, read-only (it wraps Pillow's output without another copy).

    Examples
    --------
    >>> composite_over(np.array([[[255, 0, 0, 128]]], np.uint8), np.array([0, 0, 255], np.uint8))
    array([[[128,   0, 127]]], dtype=uint8)
    """
    height, width = rgba.shape[:2]
    rgba = np.ascontiguousarray(rgba)
    source = Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1)
    if isinstance(background, Image.Image):
        out = background
    elif background.ndim == 1:
        out = Image.new("RGB", (width, height), tuple(int(value) for value in background))
    else:
        out = Image.fromarray(np.ascontiguousarray(background[..., :3], dtype=np.uint8), "RGB")
    out.paste(source, (0, 0), source.getchannel("A"))
    return np.asarray(out)


def cover(image, size):
    """Scale and centre-crop an (H, W, 3|4) uint8 image to fill (height, width), as CSS
    object-fit: cover does; an RGB PIL image (render composites it without an array copy)."""
    height, width = size
    source = Image.fromarray(np.ascontiguousarray(image[..., :3]), "RGB")
    scale = max(width / source.width, height / source.height)
    scaled = (max(width, round(source.width * scale)), max(height, round(source.height * scale)))
    left, top = (scaled[0] - width) // 2, (scaled[1] - height) // 2
    resized = source.resize(scaled, Image.Resampling.BICUBIC, reducing_gap=2.0)
    return resized.crop((left, top, left + width, top + height))


def _blurred(rgba, radius):
    """The photo's own background, blurred, without the subject's colours: an RGB PIL image.

    A normalised blur, ``blur(I (1 - a)) / blur(1 - a)``, so the subject does not smear a halo
    of its own colours into the background around it; under the subject, where no background
    is near, the plain blur fills in (it is hidden there anyway).
    """
    height, width = rgba.shape[:2]
    # Read in place (no 36 MB copy of the colours). RGBX, not RGBA: Pillow would premultiply.
    rgba = np.ascontiguousarray(rgba)
    colours = Image.frombuffer("RGBX", (width, height), rgba, "raw", "RGBX", 0, 1)
    alpha = Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1).getchannel("A")
    # Blurring a 4×-reduced copy looks the same for large radii and costs 1/16 of the work.
    factor = 4 if radius >= 8 and min(width, height) >= 64 else 1
    if factor > 1:
        colours, alpha = colours.reduce(factor), alpha.reduce(factor)
    small = colours.convert("RGB")
    uncovered = Image.eval(alpha, lambda value: 255 - value)
    blur = ImageFilter.GaussianBlur(radius / factor)
    colours = np.asarray(small, np.float32)
    weight = np.asarray(uncovered, np.float32) * np.float32(1 / 255)
    premultiplied = Image.fromarray((colours * weight[..., None] + 0.5).astype(np.uint8), "RGB")
    total = np.asarray(premultiplied.filter(blur), np.float32)
    share = np.asarray(Image.fromarray((weight * 255 + 0.5).astype(np.uint8), "L").filter(blur), np.float32)
    plain = np.asarray(small.filter(blur), np.float32)
    # Where less than ~10 % of the neighbourhood is background, blend towards the plain blur.
    trust = np.clip(share * np.float32(1 / 25.5), 0.0, 1.0)[..., None]
    background = total * (np.float32(255) / np.maximum(share, 1.0))[..., None]
    mixed = plain + trust * (background - plain)
    blurred = Image.fromarray(np.clip(mixed + 0.5, 0, 255).astype(np.uint8), "RGB")
    return blurred.resize((width, height), Image.Resampling.BILINEAR)
