"""Full-resolution alpha from the kept 320×320 mask: edge refinement, hints and threshold clamping.

The model sees the photo at 320×320, so a plainly upscaled mask has edges as soft as a 320-px
pixel is wide (12 px at 12 MP), at roughly the right place. The full-resolution photo knows
where the edge really is. :func:`refine_alpha` (``method="matte"``, the default) uses it, but
only where the model is unsure, and only as far as the photo's colours explain it:

1. **Where to refine.** On the 320-px mask ``m`` blurred by one mask pixel, the weight ``w``
   is 0 where the model is sure (beyond :data:`SURE_BACKGROUND` and :data:`SURE_FOREGROUND`);
   in between it is ``min(m, 1 - m) / 0.3`` (clipped to 1, :data:`_RAMP`) times the mask's
   slope (full from :data:`_SLOPE` per mask pixel on), so that a nearly sure part and a wide,
   flat haze of middling values (the model unsure about a whole region, not about an edge) are
   mostly left as the model made them. ``w`` reaches full resolution by bilinear
   interpolation: no block edges.
2. **A target from the colours, on a small copy.** On a copy of the photo whose long side is
   :data:`COLOUR_SIZE` (the mask's own size), the local mean colours of the sure foreground
   ``F`` and background ``B`` (the mask's >= 0.95 / <= 0.05 parts, eroded by :data:`BAND` mask
   pixels) give each pixel a colour-line estimate ``(I - B)·(F - B) / |F - B|²``, trusted as far
   as ``F`` and ``B`` differ and ``I`` lies near the line; the target ``p`` is the mask moved
   towards that estimate by its trust.
3. **A spatially regularised local linear model.** A colour-guided filter fits
   ``p ≈ A·I + b`` over 3×3 windows of the small copy (ε = 5e-3: where the colours do not
   explain ``p``, ``A`` shrinks to 0 and the result to the window's mean), and averages the
   coefficients: smooth maps, the fast guided filter of He & Sun (2015). Because a window's
   alpha is one linear function of colour, neighbouring pixels cannot decide alone, so texture
   and look-alike colours do not scatter into islands and pinholes.
4. **Full resolution, where ``w > 0`` only.** ``alpha = m + w (A·I + b - m)`` with ``m``, ``w``,
   ``A`` and ``b`` bilinearly interpolated and ``I`` the full-resolution colour: the edge follows
   the photo's own pixels. The refined pixels are then replaced by their 3×3 mean
   (:data:`_SMOOTH_RADIUS`): ``A·I`` carries the photo's pixel noise, which along a look-alike
   edge makes one-pixel specks and notches (islands and pinholes); the mean removes them and
   softens a true step by one pixel. Elsewhere the alpha is the bilinearly upscaled mask.

``"guided"`` is the same filter with the mask itself as ``p`` (no colour-line target): a gentler
edge snap. ``"none"`` is the reference pipeline's upscale (:func:`peel.mask.upscale_mask`,
rembg's). The cost is the pixels near the edge, not the image: a few per cent of a 12 MP
photo. The parameters were chosen with ``bench/photo_quality.py`` (real-photo composites and
real photos; the numbers are in docs/edge-quality.md).

**Hints** (the editor's brush strokes, a full-resolution uint8 map, see :data:`HINT_FOREGROUND`
and the others): sure pixels join the colour models and the target before the solve, unsure
ones are solved from the colours even where the model was sure, and at the end hinted pixels are
exactly 0 or 255. With ``method="none"`` the 0/255 hints override the upscaled mask and the 128
hints take the ``"matte"`` solution. Strokes cover a small part of the photo, so every hint step
works inside the hints' bounding box only (found once, see :func:`_hint_box`), with the same
result as on the whole map.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from ._checks import check_array, check_mask, check_number, check_rgba
from .box import WIDER, box_sum, local_mean, pixels32, take_columns
from .morphology import bounding_slices, dilate, erode, grow_slices
from .errors import ArgumentTypeError, InvalidArgumentError
from .mask import upscale_mask

__all__ = ["REFINE_METHODS", "COLOUR_SIZE", "HINT_BACKGROUND", "HINT_FOREGROUND", "HINT_UNSURE",
           "HINT_NONE", "refine_alpha", "refine_planes", "mask_cells", "cell_pixels", "hint_strip", "hint_reach", "unsure_search", "upscale_plain", "threshold_alpha", "downscale_rgb"]

#: Values of ``Settings.refine``.
REFINE_METHODS = ("none", "guided", "matte")
#: Long side, in pixels, of the low-resolution copy the colour statistics are taken from.
COLOUR_SIZE = 320
#: Erosion, in mask pixels, of the mask's sure parts before they feed the local colour means.
BAND = 2
#: Mask values at or beyond these are sure background / foreground (before erosion by BAND).
SURE_BACKGROUND, SURE_FOREGROUND = 0.05, 0.95

#: Hint map values (``hints=``): sure background (alpha exactly 0), sure foreground (exactly
#: 255), unsure (solved from the colours even where the model was sure). Any other value, e.g.
#: :data:`HINT_NONE` that an empty map is filled with, means no hint.
HINT_BACKGROUND, HINT_FOREGROUND, HINT_UNSURE, HINT_NONE = 0, 255, 128, 64

# Radius of the local colour means, in band widths (box.WIDER: the wider radii tried where a pixel
# has no sure foreground (background) pixel within it; with hints, the whole image after that).
_MEAN_RADIUS = 2.0
# Where a hinted pixel finds no sure colour within the means' radius: these many radii, in turn, and
# no farther (box.WIDER).
_HINT_WIDER = WIDER
# Trust of the colour-line estimate: min(|F - B|² / _SEPARATION, 1) * exp(-residual² / _FIT),
# colours in [0, 1].
_SEPARATION = 0.01
_FIT = 0.01
# Guided filter on the small copy: window radius (small-copy pixels) and regularisation.
_GUIDE_RADIUS = 1
_GUIDE_EPS = 5e-3
# Long side of the grid the smooth low-resolution maps of peel.foreground are looked up on (see
# lookup_grid): the maps are box means over >= 4 small-copy pixels, so 512 (8 px cells at 12 MP)
# loses nothing.
_GRID_SIDE = 512
# Slope of the mask (per mask pixel, on the mask blurred by one mask pixel) from which the weight is
# full: flatter unsure parts are a haze, not an edge (module docstring, 1).
_SLOPE = 0.03
# Mask value (distance from 0 or 1) from which the weight is full (module docstring, 1).
_RAMP = 0.3
# Radius, in pixels, of the box mean that smooths the refined alpha (module docstring, 4).
_SMOOTH_RADIUS = 1


def refine_alpha(rgba, mask, method="matte", *, small=None, hints=None, hint_box=None, window=None, plain=None,
                 cache=None, planes=None):
    """Full-resolution alpha from a model mask, following the photo's edges.

    Parameters
    ----------
    rgba : numpy.ndarray
        (H, W, 4) uint8 original pixels (alpha ignored). Not modified.
    mask : numpy.ndarray
        (h, w) float array in [0, 1], the normalised model output ((320, 320) float32).
    method : {"matte", "guided", "none"}
        ``"none"`` is :func:`peel.mask.upscale_mask` (rembg's upscale) exactly (without
        hints).
    small : numpy.ndarray, optional
        (h', w', 3) float32 in [0, 1]: ``downscale_rgb(rgba)``, when the caller has it already.
    hints : numpy.ndarray, optional
        (H, W) uint8 hint map (:data:`HINT_BACKGROUND`, :data:`HINT_FOREGROUND`,
        :data:`HINT_UNSURE`; other values: no hint). None, or a map without hints, gives exactly
        the result without hints.
    hint_box : tuple of slice, optional
        (rows, cols) slices outside which ``hints`` holds no hint, when the caller knows it
        (:meth:`peel.hints.Hints.to_map_box`): the hints are then looked for in it only. The
        result is the same as without it.
    window : tuple of slice, optional
        (rows, cols) slices with step 1: compute only this part of the alpha (what the whole
        alpha holds there, exactly), for a re-render of the region a new stroke touches. The
        low-resolution maps are still made for the whole photo (they are small).
    plain : numpy.ndarray, optional
        (H, W) uint8 ``upscale_plain(mask, (H, W))``, when the caller keeps it (spares its
        upscale on every windowed call).
    cache : dict, optional
        A dict the caller keeps for this photo, mask and ``small`` (peel.render_cache does): it holds
        the low-resolution maps without hints, which a render with other hints reuses.
    planes : numpy.ndarray, optional
        :func:`refine_planes` of the same arguments, when the caller made them (to see where they
        changed); not modified.

    Returns
    -------
    alpha8 : numpy.ndarray
        (H, W) uint8 (the window's shape with ``window``), writable unless ``method="none"``
        without hints (see :func:`peel.mask.upscale_mask`).

    Raises
    ------
    ImageTypeError, InvalidImageError
        ``rgba`` is not a non-empty (H, W, 4) uint8 array.
    ArgumentTypeError, InvalidArgumentError
        ``mask`` is not a 2-D float array without NaN, ``method`` is unknown, ``hints`` is
        not an (H, W) uint8 array, or ``hint_box`` is not a pair of slices with step 1.

    Examples
    --------
    >>> rgba = np.zeros((8, 320, 4), np.uint8)
    >>> rgba[:, 160:] = 255                          # a white subject on the right
    >>> mask = np.zeros((320, 320), np.float32)
    >>> mask[:, 159:] = 1.0                          # the model's edge is 1 px off
    >>> upscale_mask(mask, (8, 320))[0, 157:162]
    array([  0,   0, 255, 255, 255], dtype=uint8)
    >>> refine_alpha(rgba, mask)[0, 157:162]         # the alpha follows the photo's edge
    array([  0,   0,  85, 255, 255], dtype=uint8)
    """
    check_rgba(rgba)
    check_mask(mask)
    if method not in REFINE_METHODS:
        raise InvalidArgumentError(f"method must be one of {', '.join(REFINE_METHODS)}, got {method!r}")
    height, width = rgba.shape[:2]
    if window is not None:
        window = _check_window(window, (height, width))
    if small is None and method != "none":
        small = downscale_rgb(rgba)
    crop = None if window is None or method == "none" else _window_crop(window, (height, width), mask.shape,
                                                                          small.shape[:2])
    # In a window, only the hints near enough to change the maps it reads count; with the maps
    # given, only those in the window itself (and what its smoothing reads).
    within = hint_box
    if crop is not None:
        within = _within(hint_box, grow_slices(window, _SMOOTH_RADIUS, (height, width)) if planes is not None
                         else crop[1], (height, width))
    box = _check_hints(hints, (height, width), within)
    if box is None:
        hints = None
    if method == "none":
        alpha8 = upscale_mask(mask, (height, width))
        if window is not None:
            return np.array(refine_alpha(rgba, mask, method, small=small, hints=hints, hint_box=box)[window])
        if hints is None:
            return alpha8
        alpha8 = alpha8.copy()
        unsure = hints[box] == HINT_UNSURE
        if unsure.any():
            solved = refine_alpha(rgba, mask, "matte", small=small, hints=hints, hint_box=box)
            alpha8[box][unsure] = solved[box][unsure]
        return _apply_hints(alpha8, hints, box)

    if planes is None:
        planes = _planes(small, mask, method, hints, box, (height, width), cache, crop)
    if plain is None or plain.shape != (height, width):
        plain = upscale_plain(mask, (height, width))
    if window is None:
        alpha8 = np.array(plain)  # writable copy
        _solve_edges(rgba, planes, alpha8, hints, box)
        if hints is not None:
            _apply_hints(alpha8, hints, box)
        return alpha8
    # The window and the pixels its smoothing reads (_SMOOTH_RADIUS): solved as the whole is, at
    # the same positions on the maps; the margin is dropped.
    outer = grow_slices(window, _SMOOTH_RADIUS, (height, width))
    alpha8 = np.array(plain[outer])
    crop_hints, crop_box = None, None
    if hints is not None:
        crop_box = _intersect(box, outer)
        if crop_box is not None:
            crop_hints = hints[outer]
    _solve_edges(rgba, planes, alpha8, crop_hints, crop_box, origin=(outer[0].start, outer[1].start),
                 size=(height, width))
    if crop_hints is not None:
        _apply_hints(alpha8, crop_hints, crop_box)
    inner = tuple(slice(w.start - o.start, w.stop - o.start) for w, o in zip(window, outer))
    return alpha8[inner]


def refine_planes(rgba, mask, method="matte", *, small=None, hints=None, hint_box=None, window=None, cache=None):
    """The maps on the mask's grid that :func:`refine_alpha` solves the alpha from.

    Parameters are :func:`refine_alpha`'s (``method`` "matte" or "guided"). With ``window``, the
    maps are right where the window's pixels read them (:func:`mask_cells`) and without the
    farther hints elsewhere.

    Returns
    -------
    numpy.ndarray
        (6, h, w) float32 on the mask's grid: the mask m, the weight w, A (3, for colours in
        0..255) and b. Where they and the hints are the same, so is the alpha.
    """
    check_rgba(rgba)
    check_mask(mask)
    if method not in ("guided", "matte"):
        raise InvalidArgumentError(f"method must be guided or matte for maps, got {method!r}")
    size = rgba.shape[:2]
    if window is not None:
        window = _check_window(window, size)
    small = downscale_rgb(rgba) if small is None else small
    crop = None if window is None else _window_crop(window, size, mask.shape, small.shape[:2])
    box = _check_hints(hints, size, hint_box if crop is None else _within(hint_box, crop[1], size))
    return _planes(small, mask, method, None if box is None else hints, box, size, cache, crop)


def _planes(small, mask, method, hints, box, size, cache, crop):
    """:func:`refine_planes` once checked: ``hints`` (None: none) hold hints within ``box`` only;
    ``crop`` is :func:`_window_crop`'s, or None for the whole image."""
    cache = {} if cache is None else cache
    mask = np.clip(mask.astype(np.float32), 0.0, 1.0)
    work_shape = small.shape[:2]
    if "weight" not in cache:
        cache["weight"] = _refine_weight(mask)
    hint_fg = hint_bg = hint_unsure = None
    if hints is not None:
        region = hints[box]
        hint_fg = _resize_fraction(region == HINT_FOREGROUND, box, size, work_shape) > 0.5
        hint_bg = _resize_fraction(region == HINT_BACKGROUND, box, size, work_shape) > 0.5
        hint_unsure = _resize_fraction(region == HINT_UNSURE, box, size, work_shape) > 0
    coefficients = _coefficients(small, mask, method, hint_fg, hint_bg, hint_unsure, cache,
                                 crop=None if crop is None else crop[0])
    coefficients[..., :3] *= np.float32(1 / 255)  # A applies to colours in 0..255
    # Every map on the mask's grid, one plane each: m, w, A (3), b.
    planes = np.empty((6,) + mask.shape, np.float32)
    planes[0] = mask
    planes[1] = cache["weight"]
    for channel in range(4):
        planes[2 + channel] = _resize_plane(coefficients[..., channel], mask.shape)
    return planes


def mask_cells(window, size, mask_shape):
    """(rows, cols) slices of the mask's grid that a window's refined pixels read (the bilinear
    upscale's two rows and columns, for the window and the pixels its smoothing reads)."""
    cells = []
    for part, full, grid in zip(window, size, mask_shape):
        first, second, _ = _bilinear_table(full, grid)
        cells.append(slice(int(first[max(0, part.start - _SMOOTH_RADIUS)]),
                           int(second[min(full, part.stop + _SMOOTH_RADIUS) - 1]) + 1))
    return tuple(cells)


def cell_pixels(cells, size, mask_shape):
    """(rows, cols) slices of the image whose refined alpha may read the mask's grid cells
    ``cells`` (directly, or through the smoothing): where a change of the maps there can show."""
    pixels = []
    for part, full, grid in zip(cells, size, mask_shape):
        first, second, _ = _bilinear_table(full, grid)
        start = int(np.searchsorted(second, part.start))  # the tables rise with the pixel
        stop = int(np.searchsorted(first, part.stop))
        pixels.append(slice(max(0, start - _SMOOTH_RADIUS), min(full, stop + _SMOOTH_RADIUS)))
    return tuple(pixels)


def hint_strip(size, mask_shape):
    """How far, in image pixels, a changed hint pixel changes the refined alpha directly (not
    through the maps): an unsure hint has its strip of rows solved (rows between the same two
    mask rows) and the smoothing reads one pixel around."""
    return int(np.ceil(max(size[0] / mask_shape[0], size[1] / mask_shape[1]))) + 2 * _SMOOTH_RADIUS + 1


def hint_reach(size, mask_shape, colour_size=COLOUR_SIZE):
    """How far, in image pixels, a hint may change the refined alpha outside itself.

    The hints reach the alpha through the low-resolution maps: the sure colours they add or
    take away move the local colour means within the means' radius (no wider search where a
    hint is, see :func:`_colour_target`), the guided filter's coefficients within twice its
    window, and both maps are interpolated bilinearly onto the mask's grid and from it onto
    the image; the smoothing adds its radius. Beyond this distance from every hinted pixel
    the refined alpha is the one without hints, bit for bit (tests/unit/test_strokes.py).

    Parameters
    ----------
    size : tuple of int
        (height, width) of the image.
    mask_shape : tuple of int
        (h, w) of the model mask.
    colour_size : int
        Long side of the low-resolution copy (:data:`COLOUR_SIZE`).

    Returns
    -------
    int
        A distance in pixels (Chebyshev: along rows or columns).
    """
    small_height, small_width, small_px = _small_grid(size, colour_size)
    mask_px = max(size[0] / mask_shape[0], size[1] / mask_shape[1])
    # Small pixels: the BOX resize's overlap (1), the means (radius), the filter (2 windows),
    # the resize onto the mask's grid (1) and a margin (1); then one mask pixel of the upscale.
    small_reach = 1 + _mean_radius(small_height, small_width, mask_shape) + 2 * _GUIDE_RADIUS + 2
    return int(np.ceil(small_reach * small_px + 2 * mask_px)) + _SMOOTH_RADIUS + 1


def unsure_search(size, mask_shape, colour_size=COLOUR_SIZE):
    """How far, in image pixels, an unsure hint may look for sure colours (its means' widest
    window, :data:`_HINT_WIDER`): a new hint this near an unsure one changes what the unsure
    one gives, and so the alpha within :func:`hint_reach` of it."""
    small_height, small_width, small_px = _small_grid(size, colour_size)
    radius = _mean_radius(small_height, small_width, mask_shape) * _HINT_WIDER[-1]
    return int(np.ceil((radius + 2) * small_px))


def _small_grid(size, colour_size):
    """(h', w') of :func:`downscale_rgb`'s copy and the image pixels per small pixel."""
    height, width = size
    scale = min(1.0, colour_size / max(height, width))
    small_height, small_width = max(1, round(height * scale)), max(1, round(width * scale))
    return small_height, small_width, max(height / small_height, width / small_width)


def _mean_radius(small_height, small_width, mask_shape):
    """Radius of the local colour means, in small-copy pixels."""
    per_mask_pixel = max(small_height / mask_shape[0], small_width / mask_shape[1])
    return max(1, round(_MEAN_RADIUS * BAND * per_mask_pixel))


def _coefficients(small, mask, method, hint_fg=None, hint_bg=None, hint_unsure=None, cache=None, crop=None):
    """(h', w', 4) float32 guided-filter coefficients A (3) and b on the small copy (a new array).

    With hints, the coefficients without hints are kept everywhere but where the hinted target
    differs within the filter's reach (twice its window): a hint moves nothing beyond it, to
    the bit (the hinted filter runs on a crop around those pixels). ``cache``: a dict kept for
    this photo and mask, holding the maps without hints (they do not change with the hints).
    ``crop``: (outer, inner) slices of :func:`_window_crop`: the hints are applied within
    ``outer`` only, and the coefficients are right within ``inner`` only (a window's render).
    """
    cache = {} if cache is None else cache
    if method not in cache:
        target = _resize_plane(mask, small.shape[:2])
        means = _sure_means(small, mask) if method == "matte" else None
        plain = _colour_target(small, mask, target, means=means) if method == "matte" else target
        cache[method] = (target, means, plain, _guided_coefficients(small, plain, _GUIDE_RADIUS, _GUIDE_EPS))
    target, means, plain, coefficients = cache[method]
    coefficients = coefficients.copy()
    if hint_fg is None:
        return coefficients
    outer, inner = crop if crop is not None else ((slice(0, small.shape[0]), slice(0, small.shape[1])),) * 2
    hint_fg, hint_bg, hint_unsure, target = hint_fg[outer], hint_bg[outer], hint_unsure[outer], target[outer]
    if method == "matte":
        sure_fg, sure_bg, radius, *found = means
        means = (sure_fg[outer], sure_bg[outer], radius, *(a[outer] for a in found))
        hinted = _colour_target(small[outer], None, target, hint_fg, hint_bg, hint_unsure, means=means)
    else:
        hinted = target
    hinted = np.where(hint_fg, np.float32(1), np.where(hint_bg, np.float32(0), hinted))
    reach = 2 * _GUIDE_RADIUS
    zone = dilate(hinted != plain[outer], reach)
    if crop is not None:  # near the crop's edge the hinted target lacks its surroundings: not used
        keep = np.zeros_like(zone)
        keep[tuple(slice(i.start - o.start, i.stop - o.start) for i, o in zip(inner, outer))] = True
        zone &= keep
    found = bounding_slices(zone, 2 * reach)
    if found is None:
        return coefficients
    inside = zone[found]
    solved = _guided_coefficients(small[outer][found], hinted[found], _GUIDE_RADIUS, _GUIDE_EPS)
    coefficients[outer][found][inside] = solved[inside]
    return coefficients


def _window_crop(window, size, mask_shape, small_shape):
    """What a window's refinement needs of the small copy's maps, and of the image's hints.

    Returns
    -------
    (outer, inner) : tuple of tuple of slice
        Small-copy (rows, cols): ``inner``, the coefficients the window's pixels read (through
        the mask's grid: the resize onto it and its bilinear upscale, with a pixel of margin);
        ``outer``, what those read (the filter's two windows, the hinted means' widest window
        and a margin of 2).
    image : tuple of slice
        The image's (rows, cols) that ``outer`` covers: hints elsewhere change nothing in the window.
    """
    radius = _mean_radius(small_shape[0], small_shape[1], mask_shape)
    margin = 2 * _GUIDE_RADIUS + radius * (_HINT_WIDER[-1] + 1) + 2
    inner, outer, image = [], [], []
    for cells, full, grid, small in zip(mask_cells(window, size, mask_shape), size, mask_shape, small_shape):
        grid_start, grid_stop = cells.start, cells.stop
        scale = small / grid
        start = max(0, int(np.floor(grid_start * scale)) - 2)
        stop = min(small, int(np.ceil(grid_stop * scale)) + 2)
        inner.append(slice(start, stop))
        outer.append(slice(max(0, start - margin), min(small, stop + margin)))
        pixels = full / small
        image.append(slice(max(0, int(np.floor(outer[-1].start * pixels)) - 1),
                           min(full, int(np.ceil(outer[-1].stop * pixels)) + 1)))
    return (tuple(outer), tuple(inner)), tuple(image)


def _within(box, part, size):
    """``box`` (image slices, or None: the whole image) cut to ``part``; an empty box if apart."""
    box = box if box is not None else (slice(0, size[0]), slice(0, size[1]))
    cut = tuple(slice(max(b.start, p.start), max(max(b.start, p.start), min(b.stop, p.stop))) for b, p in zip(box, part))
    return cut


def upscale_plain(mask, size):
    """The mask rounded to 8 bits and bilinearly upscaled: (H, W) uint8, maybe read-only.

    What :func:`refine_alpha` keeps where it does not refine (``w = 0``), and the baseline that
    bench/photo_quality.py measures the refinements against.
    """
    height, width = size
    small = np.clip(np.asarray(mask, np.float32) * 255 + 0.5, 0, 255).astype(np.uint8)
    if small.shape == (height, width):
        return small
    return np.asarray(Image.fromarray(small, "L").resize((width, height), Image.Resampling.BILINEAR))


def _refine_weight(mask):
    """(h, w) float32 in [0, 1] on the mask's grid: how much the colours may move the alpha
    (module docstring, 1)."""
    spread = _box_mean(mask, 1)
    weight = ((spread > SURE_BACKGROUND) & (spread < SURE_FOREGROUND)).astype(np.float32)
    # Full only where the model is nearer half than _RAMP: a nearly sure part of a look-alike
    # subject (a pale green pot on green) keeps the model's alpha instead of being pulled down.
    weight *= np.clip(np.minimum(spread, 1 - spread) * np.float32(1 / _RAMP), 0.0, 1.0)
    if min(mask.shape) >= 2:
        slope_y, slope_x = np.gradient(spread)
        slope = slope_x * slope_x
        slope += slope_y * slope_y
        weight *= np.sqrt(np.minimum(slope * np.float32(1 / _SLOPE ** 2), 1.0))
    return weight


def _sure_means(small, mask):
    """The model's sure parts on the small copy and their local mean colours: (sure_fg, sure_bg,
    radius, foreground, fg_found, background, bg_found), see :func:`peel.box.local_mean`."""
    shape = small.shape[:2]
    sure_fg = _resize_plane(erode(mask >= SURE_FOREGROUND, BAND).astype(np.float32), shape, Image.Resampling.BOX) > 0.5
    sure_bg = _resize_plane(erode(mask <= SURE_BACKGROUND, BAND).astype(np.float32), shape, Image.Resampling.BOX) > 0.5
    radius = _mean_radius(shape[0], shape[1], mask.shape)
    return (sure_fg, sure_bg, radius, *local_mean(small, sure_fg, radius, min_weight=1e-6),
            *local_mean(small, sure_bg, radius, min_weight=1e-6))


def _colour_target(small, mask, mask_small, hint_fg=None, hint_bg=None, hint_unsure=None, means=None):
    """(h', w') float32 target p on a low-resolution copy ``small`` (float32 in [0, 1]) of the
    photo: ``mask_small``, the mask at that size, moved towards the colour-line estimate.
    ``means``: :func:`_sure_means`, when the caller has it (it is not modified)."""
    sure_fg, sure_bg, radius, foreground, fg_found, background, bg_found = means or _sure_means(small, mask)
    if hint_fg is not None:
        foreground, fg_found, background, bg_found = (a.copy() for a in (foreground, fg_found, background, bg_found))
        # Unsure hints leave the model's sure parts: their colours are what is to be found out.
        # Only unsure hints are solved from their means (sure ones are set): only they search wider.
        _hinted_means(small, sure_fg, (sure_fg & ~hint_unsure | hint_fg) & ~hint_bg, hint_unsure, radius,
                      foreground, fg_found)
        _hinted_means(small, sure_bg, (sure_bg & ~hint_unsure | hint_bg) & ~hint_fg, hint_unsure, radius,
                      background, bg_found)
    # Per channel, not einsum: Pyodide's numpy has no fast path for it.
    span = [foreground[..., k] - background[..., k] for k in range(3)]
    offset = [small[..., k] - background[..., k] for k in range(3)]
    separation = span[0] * span[0] + span[1] * span[1] + span[2] * span[2]
    estimate = (offset[0] * span[0] + offset[1] * span[1] + offset[2] * span[2]) / (separation + np.float32(1e-4))
    np.clip(estimate, 0.0, 1.0, out=estimate)
    residual = np.zeros_like(estimate)
    for k in range(3):
        miss = offset[k] - estimate * span[k]
        residual += miss * miss
    trust = np.minimum(separation * np.float32(1 / _SEPARATION), 1.0) * np.exp(-residual * np.float32(1 / _FIT))
    trust *= fg_found & bg_found
    return (mask_small + trust * (estimate - mask_small)).astype(np.float32)


def _solve_edges(rgba, planes, alpha8, hints, box, origin=(0, 0), size=None):
    """Write ``m + w (A·I + b - m)`` into alpha8 wherever the interpolated w (or a 128 hint) is > 0.

    ``box``: the (rows, cols) slices outside which ``hints`` holds no hint. ``alpha8`` (and
    ``hints``, and ``box``'s coordinates) may be the part at ``origin`` of an image of ``size``.

    The image is walked in strips of rows that lie between the same two rows of the mask grid,
    so each strip interpolates the maps' two rows once at the strip's columns, then per row.
    """
    height, width = alpha8.shape
    grid_height, grid_width = planes.shape[1:]
    full_height, full_width = size or (height, width)
    top0, left0 = origin
    row_first, row_second, row_weight = (table[top0:top0 + height] for table in _bilinear_table(full_height, grid_height))
    col_first, col_second, col_weight = (table[left0:left0 + width] for table in _bilinear_table(full_width, grid_width))
    active = planes[1] > 0
    pixels = pixels32(rgba[top0:top0 + height, left0:left0 + width])
    # Strip boundaries: where the pair of mask rows changes.
    key = row_first * grid_height + row_second
    bounds = np.flatnonzero(np.diff(key)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [height]])
    written = []
    for top, bottom in zip(starts, ends):
        first, second = row_first[top], row_second[top]
        near = active[first] | active[second]
        columns = near[col_first] | near[col_second]
        unsure = None
        if hints is not None and top < box[0].stop and bottom > box[0].start:
            # The strip's rows inside the box, and their offset in the strip.
            first_row, last_row = max(top, box[0].start), min(bottom, box[0].stop)
            unsure = hints[first_row:last_row, box[1]] == HINT_UNSURE
            columns[box[1]] |= unsure.any(axis=0)
        cols = np.flatnonzero(columns)
        if cols.size == 0:
            continue
        c0, c1, cw = col_first[cols], col_second[cols], col_weight[cols]
        upper = planes[:, first, :]
        lower = planes[:, second, :]
        upper = upper[:, c0] + (upper[:, c1] - upper[:, c0]) * cw  # (6, k)
        lower = lower[:, c0] + (lower[:, c1] - lower[:, c0]) * cw
        maps = (lower - upper)[:, None, :] * row_weight[None, top:bottom, None]
        maps += upper[:, None, :]  # (6, n, k): m, w, A (3), b at each pixel of the block
        colour = take_columns(pixels[top:bottom], cols)
        estimate = colour[..., 0] * maps[2]
        estimate += colour[..., 1] * maps[3]
        estimate += colour[..., 2] * maps[4]
        estimate += maps[5]
        np.clip(estimate, 0.0, 1.0, out=estimate)
        base, weight = maps[0], maps[1]
        if unsure is not None:
            left, right = np.searchsorted(cols, [box[1].start, box[1].stop])
            weight[first_row - top:last_row - top, left:right][unsure[:, cols[left:right] - box[1].start]] = 1.0
        estimate -= base
        estimate *= weight
        estimate += base
        np.clip(estimate, 0.0, 1.0, out=estimate)
        estimate *= np.float32(255)
        estimate += np.float32(0.5)
        alpha8[top:bottom, cols] = estimate.astype(np.uint8)
        written.append((top, bottom, cols))
    if hints is not None:
        _apply_hints(alpha8, hints, box)  # the smoothing next to a sure hint sees its value
    _smooth_strips(alpha8, written, _SMOOTH_RADIUS)


def _smooth_strips(alpha8, strips, radius):
    """Replace each written pixel by the mean of its (2r+1)² window (edge pixels repeated), in place.

    ``strips``: (top, bottom, cols) of the written pixels, top to bottom, as :func:`_solve_edges`
    wrote them. A strip's window reaches ``radius`` rows into its neighbours: the rows above come
    from a copy kept before the strip above was smoothed, the rows below are not smoothed yet.
    """
    if radius <= 0 or not strips:
        return
    height, width = alpha8.shape
    span = 2 * radius + 1
    kept_start, kept = 0, alpha8[:0]
    offsets = np.arange(-radius, radius + 1)
    means = ((np.arange(255 * span * span + 1) + span * span // 2) // (span * span)).astype(np.uint8)
    for top, bottom, cols in strips:
        first, last = max(0, top - radius), min(height, bottom + radius)
        rows = np.arange(first - radius, last + radius).clip(first, last - 1) - first
        block = alpha8[first:last]
        from_kept = slice(max(first, kept_start), min(top, kept_start + len(kept)))
        if from_kept.start < from_kept.stop:
            block = block.copy()
            block[from_kept.start - first:from_kept.stop - first] = kept[from_kept.start - kept_start:
                                                                         from_kept.stop - kept_start]
        kept_start = max(top, bottom - radius)
        kept = alpha8[kept_start:bottom].copy()
        # Horizontal sums over the strip's columns (and their neighbours), then vertical ones, in
        # 16 bits (at most 255 (2r+1)²); the mean is read from a table (a gather is cheaper than
        # a division in Pyodide).
        across = np.take(block, np.clip(cols + offsets[0], 0, width - 1), axis=1).astype(np.uint16)
        for offset in offsets[1:]:
            across += np.take(block, np.clip(cols + offset, 0, width - 1), axis=1)
        across = across[rows]
        total = across[top - first:top - first + bottom - top].copy()
        for offset in range(1, span):
            total += across[top - first + offset:top - first + offset + bottom - top]
        alpha8[top:bottom, cols] = means[total]


def _check_hints(hints, size, within=None):
    """The hints' bounding box (see :func:`_hint_box`), None without a map or without hints;
    only ``within`` (row and column slices), if given, is searched."""
    if hints is None:
        return None
    if not isinstance(hints, np.ndarray):
        raise ArgumentTypeError(f"hints must be a numpy array, got {type(hints).__name__}")
    if hints.dtype != np.uint8:
        raise ArgumentTypeError(f"hints must be a uint8 array, got dtype {hints.dtype}")
    if hints.shape != tuple(size):
        raise InvalidArgumentError(f"hints must have the image's shape {tuple(size)}, got {hints.shape}")
    if within is None:
        return _hint_box(hints)
    if not (isinstance(within, tuple) and len(within) == 2 and all(isinstance(s, slice) for s in within)):
        raise ArgumentTypeError(f"hint_box must be a (rows, cols) pair of slices, got {within!r:.80}")
    rows, cols = (range(n)[s] for s, n in zip(within, hints.shape))
    if rows.step != 1 or cols.step != 1:
        raise InvalidArgumentError(f"hint_box must be slices with step 1, got {within!r:.80}")
    if not rows or not cols:
        return None
    box = _hint_box(hints[rows.start:rows.stop, cols.start:cols.stop])
    if box is None:
        return None
    return (slice(box[0].start + rows.start, box[0].stop + rows.start),
            slice(box[1].start + cols.start, box[1].stop + cols.start))


def _hint_box(hints):
    """(rows, cols) slices of the smallest box holding every hint of the map; None if none.

    A row (column) whose lowest and highest values are the same non-hint value holds no hint:
    two reductions find the candidate rows, then the candidate columns within them, and only
    the candidates' box is looked up value by value.
    """
    is_hint = np.zeros(256, bool)
    is_hint[[HINT_BACKGROUND, HINT_FOREGROUND, HINT_UNSURE]] = True
    low, high = hints.min(axis=1), hints.max(axis=1)
    rows = np.flatnonzero((low != high) | is_hint[low])
    if rows.size == 0:
        return None
    band = hints[rows[0]:rows[-1] + 1]
    low, high = band.min(axis=0), band.max(axis=0)
    cols = np.flatnonzero((low != high) | is_hint[low])
    found = is_hint[band[:, cols[0]:cols[-1] + 1]]
    found_rows = np.flatnonzero(found.any(axis=1))
    if found_rows.size == 0:
        return None
    found_cols = np.flatnonzero(found.any(axis=0))
    return (slice(int(rows[0] + found_rows[0]), int(rows[0] + found_rows[-1] + 1)),
            slice(int(cols[0] + found_cols[0]), int(cols[0] + found_cols[-1] + 1)))


def _apply_hints(alpha8, hints, box):
    """The sure hints made exact: 0 under HINT_BACKGROUND, 255 under HINT_FOREGROUND (in place)."""
    region, values = alpha8[box], hints[box]
    region[values == HINT_BACKGROUND] = 0
    region[values == HINT_FOREGROUND] = 255
    return alpha8


def _hinted_means(colours, known, known_hinted, at_hints, radius, mean, found):
    """The local means (in place) where the hints changed the ``known`` (sure) pixels within
    ``radius``, or at ``at_hints`` (the unsure hints): of the ``known_hinted`` pixels, within
    ``radius``, and at ``at_hints`` pixels that found none there within :data:`_HINT_WIDER`
    radii. No wider search elsewhere, and no whole-image mean: a hint's colours reach
    ``radius`` small pixels beyond the hints (and ``_HINT_WIDER`` radii to unsure hints), no
    farther (see :func:`hint_reach` and :func:`unsure_search`)."""
    changed = known != known_hinted
    if not changed.any() and not at_hints.any():
        return
    zone = dilate(changed, radius) | at_hints
    # The means of the zone's pixels read the pixels within their widest window only: a crop
    # with that margin gives them exactly (the sums are exact in float64), for less work.
    crop = bounding_slices(zone, radius * _HINT_WIDER[-1])
    zone, colours, known_hinted = zone[crop], colours[crop], known_hinted[crop]
    mean, found = mean[crop], found[crop]  # views: written in place
    near, near_found = local_mean(colours, known_hinted, radius, min_weight=1e-6, wider=())
    mean[zone] = near[zone]
    found[zone] = near_found[zone]
    # An unsure band wider than the radius (a rim drawn by hand) still finds its colours.
    far = at_hints[crop] & ~found
    if far.any():
        wide, wide_found = local_mean(colours, known_hinted, radius, min_weight=1e-6, wider=_HINT_WIDER)
        mean[far] = wide[far]
        found[far] = wide_found[far]


def _check_window(window, size):
    """``window`` as (rows, cols) slices with step 1 inside an image of ``size``, non-empty."""
    if not (isinstance(window, tuple) and len(window) == 2 and all(isinstance(s, slice) for s in window)):
        raise ArgumentTypeError(f"window must be a (rows, cols) pair of slices, got {window!r:.80}")
    ranges = [range(n)[s] for s, n in zip(window, size)]
    if any(r.step != 1 or not r for r in ranges):
        raise InvalidArgumentError(f"window must be non-empty slices with step 1 inside the image, got {window!r:.80}")
    return tuple(slice(r.start, r.stop) for r in ranges)


def _intersect(box, window):
    """The part of ``box`` inside ``window`` in the window's coordinates; None if empty."""
    parts = []
    for b, w in zip(box, window):
        start, stop = max(b.start, w.start), min(b.stop, w.stop)
        if start >= stop:
            return None
        parts.append(slice(start - w.start, stop - w.start))
    return tuple(parts)


def _resize_plane(values, shape, resample=Image.Resampling.BILINEAR):
    """(h, w) float32 plane resized (Pillow ``F``, bilinear by default) to ``shape``."""
    plane = np.ascontiguousarray(values, np.float32)
    if plane.shape == tuple(shape):
        return plane.copy()
    image = Image.fromarray(plane, "F").resize((shape[1], shape[0]), resample)
    return np.asarray(image, np.float32)


def _resize_fraction(binary, box, size, shape):
    """(h, w) float32: the share of True pixels of a full-resolution boolean map per small pixel.

    ``binary`` is the map's part inside ``box`` (slices of an image of ``size``); outside, the
    map is False. The result is Pillow's BOX resize of the whole map, exactly: Pillow resizes
    rows first (to 8 bits), then columns, each pass with weights that depend only on the sizes.
    So the rows pass runs on the box's rows only (the others give 0), full width, and the
    columns pass on the (H, w) result, which is small.
    """
    height, width = size
    rows, cols = box
    plane = np.zeros((rows.stop - rows.start, width), np.uint8)
    plane[:, cols] = binary
    plane *= np.uint8(255)
    image = Image.fromarray(plane, "L")
    if width != shape[1]:
        image = image.resize((shape[1], image.height), Image.Resampling.BOX)
    tall = np.zeros((height, shape[1]), np.uint8)
    tall[rows] = np.asarray(image)
    if height != shape[0]:
        tall = np.asarray(Image.fromarray(tall, "L").resize((shape[1], shape[0]), Image.Resampling.BOX))
    return tall.astype(np.float32) * np.float32(1 / 255)


def _box_mean(values, radius):
    """Mean over the (2r+1)² window clipped to the array, (h, w) float32."""
    if radius <= 0:
        return values.astype(np.float32)
    return (box_sum(values, radius) / box_sum(np.ones(values.shape), radius)).astype(np.float32)


def threshold_alpha(alpha8, low, high):
    """Clamp an alpha: below ``low`` → 0, above ``high`` → 1, a linear ramp in between.

    Parameters
    ----------
    alpha8 : numpy.ndarray
        (H, W) uint8.
    low, high : float
        0 <= low <= high <= 1. ``low == high`` is a hard threshold (alpha >= low → 1);
        ``(0, 1)`` is the identity.

    Returns
    -------
    numpy.ndarray
        (H, W) uint8, a new array; ``alpha8`` itself for ``(0, 1)``. The mapping is monotonic.

    Raises
    ------
    ArgumentTypeError, InvalidArgumentError
        ``alpha8`` is not a 2-D uint8 array, or ``low``/``high`` are out of order or range.

    Examples
    --------
    >>> threshold_alpha(np.array([[0, 25, 128, 230, 255]], np.uint8), 0.1, 0.9)
    array([[  0,   0, 128, 255, 255]], dtype=uint8)
    """
    check_array(alpha8, "alpha8", image=False)
    if alpha8.dtype != np.uint8 or alpha8.ndim != 2:
        raise ArgumentTypeError(f"alpha8 must be a 2-D uint8 array, got {alpha8.dtype} {alpha8.shape}")
    low, high = check_number(low, "low", 0, 1), check_number(high, "high", 0, 1)
    if low > high:
        raise InvalidArgumentError(f"low must not exceed high, got low={low}, high={high}")
    if low == 0.0 and high == 1.0:
        return alpha8
    levels = np.arange(256, dtype=np.float64) / 255.0
    if high > low:
        lut = np.clip((levels - low) / (high - low), 0.0, 1.0)
    else:
        lut = (levels >= low).astype(np.float64)
    return np.round(lut * 255.0).astype(np.uint8)[alpha8]


def downscale_rgb(rgba, long_side=COLOUR_SIZE):
    """A small copy of the colours for local statistics.

    Parameters
    ----------
    rgba : numpy.ndarray
        (H, W, 4) uint8 (alpha ignored).
    long_side : int
        Longest side of the copy; images already smaller keep their size.

    Returns
    -------
    numpy.ndarray
        (h, w, 3) float32 in [0, 1], box-filtered (every source pixel counts once).
    """
    rgba = np.ascontiguousarray(check_rgba(rgba))
    height, width = rgba.shape[:2]
    scale = min(1.0, long_side / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = Image.frombuffer("RGBX", (width, height), rgba, "raw", "RGBX", 0, 1)
    if size != image.size:
        image = image.resize(size, Image.Resampling.BOX)
    small = np.asarray(image, np.float32)[..., :3]
    return small * np.float32(1 / 255)


# ---------------------------------------------------------------------------- helpers

def _nearest_index(size_out, size_in):
    """Source index of each output index for a nearest-neighbour resize (pixel centres)."""
    return ((np.arange(size_out) + 0.5) * (size_in / size_out)).astype(np.intp)


def _guided_coefficients(guide, source, radius, eps):
    """Colour-guided filter coefficients (h, w, 4) float32: A (3) and b, averaged over windows.

    All window means come from one stacked box sum, and the 3×3 systems are solved in closed
    form (adjugate over determinant; the matrices are symmetric positive definite thanks to
    ``eps``), which is several times faster than ``np.linalg.solve`` on 77 000 tiny systems.
    """
    guide = guide.astype(np.float32)
    source = source.astype(np.float32)
    r, g, b = guide[..., 0], guide[..., 1], guide[..., 2]
    stack = np.stack([r, g, b, source, r * source, g * source, b * source,
                      r * r, r * g, r * b, g * g, g * b, b * b], axis=2)
    count = box_sum(np.ones(source.shape), radius)[..., None]
    means = (box_sum(stack, radius) / count).astype(np.float32)
    mean_i, mean_p = means[..., :3], means[..., 3]
    cov = means[..., 4:7] - mean_i * mean_p[..., None]
    rr = means[..., 7] - mean_i[..., 0] * mean_i[..., 0] + eps
    rg = means[..., 8] - mean_i[..., 0] * mean_i[..., 1]
    rb = means[..., 9] - mean_i[..., 0] * mean_i[..., 2]
    gg = means[..., 10] - mean_i[..., 1] * mean_i[..., 1] + eps
    gb = means[..., 11] - mean_i[..., 1] * mean_i[..., 2]
    bb = means[..., 12] - mean_i[..., 2] * mean_i[..., 2] + eps
    # Adjugate of the symmetric matrix [[rr, rg, rb], [rg, gg, gb], [rb, gb, bb]].
    i00, i01, i02 = gg * bb - gb * gb, rb * gb - rg * bb, rg * gb - rb * gg
    i11, i12, i22 = rr * bb - rb * rb, rb * rg - rr * gb, rr * gg - rg * rg
    determinant = rr * i00 + rg * i01 + rb * i02
    c0, c1, c2 = cov[..., 0], cov[..., 1], cov[..., 2]
    a = np.stack([i00 * c0 + i01 * c1 + i02 * c2,
                  i01 * c0 + i11 * c1 + i12 * c2,
                  i02 * c0 + i12 * c1 + i22 * c2], axis=2) / determinant[..., None]
    offset = mean_p - np.einsum("...i,...i->...", a, mean_i)
    coefficients = np.concatenate([a, offset[..., None]], axis=2)
    return (box_sum(coefficients, radius) / count).astype(np.float32)


def lookup_grid(values, size, window=None):
    """Smooth low-resolution maps, made ready for one lookup per full-resolution pixel.

    The maps (colour means, filter coefficients) vary over tens of pixels, so they are
    bilinearly upscaled once to a grid whose long side is at most :data:`_GRID_SIDE` and then read
    with a nearest-neighbour gather, which costs a few operations per pixel instead of four
    gathers and three interpolations.

    Parameters
    ----------
    values : numpy.ndarray
        (h, w, c) float32 maps. With ``window``, only the part :func:`lookup_reads` gives is read.
    size : tuple of int
        (H, W) of the full-resolution image.
    window : tuple of slice, optional
        (rows, cols) slices with step 1 of the image: only the grid cells its pixels read are
        made (a re-render of a region), the same as those of the whole grid (to float rounding
        where the scales are not exact binary fractions).

    Returns
    -------
    lookup : numpy.ndarray
        (gh, gw, c) float32: the grid, or its cells the window reads.
    row_index, col_index : numpy.ndarray
        (H,) and (W,) intp, or the window's (n,) and (k,): pixel (y, x) (of the window) reads
        ``lookup[row_index[y], col_index[x]]``.
    """
    height, width = size
    grid_height, grid_width = _grid_shape(size)
    row_index = _nearest_index(height, grid_height)
    col_index = _nearest_index(width, grid_width)
    cells = (slice(0, grid_height), slice(0, grid_width))
    if window is not None:
        row_index, col_index = row_index[window[0]], col_index[window[1]]
        cells = _cells(row_index, col_index)
        row_index, col_index = row_index - cells[0].start, col_index - cells[1].start
    channels = values.shape[2]
    lookup = np.empty((cells[0].stop - cells[0].start, cells[1].stop - cells[1].start, channels), np.float32)
    for channel in range(channels):
        plane = Image.fromarray(np.ascontiguousarray(values[..., channel], np.float32), "F")
        lookup[..., channel] = np.asarray(resize_part(plane, (grid_height, grid_width), cells))
    return lookup, row_index, col_index


def resize_part(image, size, part, resample=Image.Resampling.BILINEAR):
    """The ``part`` of Pillow's resize of ``image`` to ``size``, computed alone.

    Parameters
    ----------
    image : PIL.Image.Image
    size : tuple of int
        (h, w) of the whole resize.
    part : tuple of slice
        (rows, cols) slices with step 1 of the resized image.

    Returns
    -------
    PIL.Image.Image
        That part: each pixel's filter is placed as in the whole resize and clipped at the
        image's own edges, so the part is the whole's, exactly where the scale is an exact binary
        fraction (4000 → 320) and to float rounding elsewhere (Pillow adds the part's offset
        first). Pillow reads only the source pixels the part needs.
    """
    (height, width), (rows, cols) = size, part
    y_scale, x_scale = image.height / height, image.width / width
    box = (cols.start * x_scale, rows.start * y_scale,
           min(image.width, cols.stop * x_scale), min(image.height, rows.stop * y_scale))
    return image.resize((cols.stop - cols.start, rows.stop - rows.start), resample, box=box)


def lookup_reads(values_shape, size, window):
    """(rows, cols) slices of maps of ``values_shape`` ((h, w)) outside which
    ``lookup_grid(values, size, window)`` reads nothing (the bilinear filter's support, and a
    pixel of margin)."""
    height, width = size
    grid_shape = _grid_shape(size)
    cells = _cells(*(_nearest_index(n, g)[part] for n, g, part in zip(size, grid_shape, window)))
    reads = []
    for part, grid, small in zip(cells, grid_shape, values_shape):
        scale = small / grid
        reads.append(slice(max(0, int(np.floor(part.start * scale)) - 2), min(small, int(np.ceil(part.stop * scale)) + 2)))
    return tuple(reads)


def lookup_pixels(values_shape, size, part):
    """(rows, cols) slices of an image of ``size`` whose lookups may read maps of
    ``values_shape`` ((h, w)) at ``part`` (slices): the inverse of :func:`lookup_reads`, with a
    grid cell to spare."""
    pixels = []
    for cells, full, grid, small in zip(part, size, _grid_shape(size), values_shape):
        first = int(np.floor((cells.start - 1.5) * grid / small)) - 1
        last = int(np.ceil((cells.stop + 0.5) * grid / small)) + 1
        pixels.append(slice(max(0, int(np.floor(first * full / grid))), min(full, int(np.ceil(last * full / grid)))))
    return tuple(pixels)


def _grid_shape(size):
    """(gh, gw) of :func:`lookup_grid`'s grid for an image of ``size``."""
    height, width = size
    scale = min(1.0, _GRID_SIDE / max(height, width))
    return max(1, round(height * scale)), max(1, round(width * scale))


def _cells(row_index, col_index):
    """(rows, cols) slices of the grid cells that these (sorted) pixel indices read."""
    return (slice(int(row_index[0]), int(row_index[-1]) + 1), slice(int(col_index[0]), int(col_index[-1]) + 1))


def _bilinear_table(size_out, size_in):
    """Per output index: (first source index, second, weight of the second), Pillow's alignment."""
    position = (np.arange(size_out, dtype=np.float64) + 0.5) * (size_in / size_out) - 0.5
    np.clip(position, 0, size_in - 1, out=position)
    first = position.astype(np.intp)
    second = np.minimum(first + 1, size_in - 1)
    return first, second, (position - first).astype(np.float32)


