"""Solid subjects: fill the model's wide half-transparent haze where the photo says "subject".

u2netp often answers "maybe" over a whole region of the subject (mask 0.2–0.8 across a chest, a
skirt, a plant pot). The edge refinement (peel.refine) refines narrow, steep transitions only and
keeps such a flat haze as the model made it, so the cut-out is ghostly there. :func:`solid_mask`
decides those regions from the photo's own colours, on the mask's grid, before the refinement:

1. **Wide haze.** The unsure part of the mask (between :data:`SURE_BACKGROUND` and
   :data:`SURE_FOREGROUND`) opened by :data:`WIDTH` mask pixels: a narrow edge band (the
   refinement's job) has no core and is never touched.
2. **Regions that belong to the subject.** Each connected core is a region. It is skipped when it
   touches the sure subject along less than :data:`CONTACT` × √area pixels (haze that only grazes
   the subject), when it hugs the image border (more border pixels than :data:`BORDER` × its
   contact with the subject), or when the region's colours are ambiguous (below).
3. **The photo's evidence: a per-image colour and texture model.** Histograms of the sure
   subject's and the sure background's colours (:data:`LEVELS`³ bins, one set per level of local
   contrast, :data:`TEXTURE`: a sharp subject before a blurred background differs there where the
   colours are alike; each sure part eroded by :data:`WIDTH` so its edge does not count) give
   each pixel a posterior ``P(subject | colour, texture)``, pooled over a (2·POOL+1)² window. The
   histograms are floored unequally (:data:`SUBJECT_FLOOR`, :data:`BACKGROUND_FLOOR`): inside
   haze that touches the subject, a colour the background never shows leans towards the subject;
   what stops a fill is the background's own colours. A colour both histograms hold (the smaller
   share at least :data:`AMBIGUOUS` of the larger) is ambiguous and decides nothing; a region
   with more than :data:`MAX_AMBIGUOUS` ambiguous pixels (subject and background colours
   overlap: a white subject on white), or with less than :data:`MIN_SUBJECT` of pixels whose
   evidence says "subject", is left alone.
4. **Fill.** In an accepted region, within :data:`REACH` mask pixels of the sure subject, each
   core pixel's mask becomes ``max(m, s)``, ``s`` ramping from 0 to 1 as the pooled posterior
   goes from :data:`POSTERIOR` halfway to 1: pixels that show background (a hole the photo shows)
   keep the model's value. Between the core and the edge of the unsure part the fill ramps down
   to the model's value (a box mean of ``s``), except next to the sure subject, which it joins
   at full strength; the refinement then finds the outer edge in the photo. Filled pieces that
   would stand alone (not joined to the model's own subject) are dropped: the step adds no
   islands.

Everything runs on the mask's grid (320×320 for u2netp) with the refinement's small colour copy:
the cost does not grow with the photo. numpy and Pillow only, float32.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image

from ._checks import check_mask
from .box import box_sum
from .errors import ArgumentTypeError, InvalidArgumentError
from .morphology import dilate, erode

__all__ = ["SURE_BACKGROUND", "SURE_FOREGROUND", "WIDTH", "solid_mask", "label_regions"]

#: Mask values at or beyond these are sure background / subject (as in peel.refine).
SURE_BACKGROUND, SURE_FOREGROUND = 0.05, 0.95
#: Opening radius, in mask pixels: haze narrower than 2·WIDTH + 1 pixels is an edge band.
WIDTH = 2
#: A region must touch the sure subject along at least CONTACT × √(its area) pixels.
CONTACT = 0.5
#: A region with more image-border pixels than BORDER × its contact with the subject hugs the border.
BORDER = 0.5
#: Quantisation of each colour channel for the colour histograms.
LEVELS = 16
#: A colour is ambiguous where its smaller histogram share is at least this part of the larger.
AMBIGUOUS = 0.25
#: Largest share of ambiguous pixels a region may have.
MAX_AMBIGUOUS = 0.45
#: Smallest share of a region's pixels whose colour must say "subject".
MIN_SUBJECT = 0.25
#: Radius, in mask pixels, of the window whose colour evidence is pooled.
POOL = 2
#: Posterior P(subject | colour) from which a pixel starts to be filled (fully at 1 - (1 - P)/2).
POSTERIOR = 0.6
#: Farthest a filled pixel may be from the sure subject, in mask pixels.
REACH = 40
#: Share of a uniform histogram bin that each colour model is floored with: a colour the
#: background's histogram does not hold leans towards the subject, one it holds towards the background.
SUBJECT_FLOOR, BACKGROUND_FLOOR = 1.0, 0.01
#: Local-contrast thresholds (grey standard deviation over 3×3 on the mask's grid, colours in
#: [0, 1]) that split the colour histograms by texture: a sharp subject before a blurred
#: background differs in texture where the colours are alike. Empty: colour alone.
TEXTURE = (0.01, 0.03)
#: Fewest sure pixels of each kind the colour model needs.
MIN_SAMPLES = 64


def solid_mask(mask, colours):
    """The mask with its wide haze made solid where the photo's colours say "subject".

    Parameters
    ----------
    mask : numpy.ndarray
        (h, w) float32 in [0, 1], the normalised model output ((320, 320) for u2netp).
    colours : numpy.ndarray
        (h', w', 3) float32 in [0, 1], a small copy of the photo
        (:func:`peel.refine.downscale_rgb`); resized to the mask's grid here.

    Returns
    -------
    numpy.ndarray
        (h, w) float32 in [0, 1]: ``mask`` where nothing is filled (the same object when nothing
        is), else a new array that is >= ``mask`` everywhere.

    Raises
    ------
    ArgumentTypeError, InvalidArgumentError
        ``mask`` is not a 2-D float array without NaN, or ``colours`` is not (h', w', 3) float32.

    Examples
    --------
    >>> mask = np.zeros((40, 40), np.float32); mask[10:30, 5:20] = 1.0; mask[10:30, 20:30] = 0.4
    >>> colours = np.zeros((40, 40, 3), np.float32); colours[10:30, 5:30] = (0.9, 0.2, 0.1)
    >>> float(solid_mask(mask, colours)[20, 24])  # red haze next to the red subject: filled
    1.0
    """
    check_mask(mask)
    if not isinstance(colours, np.ndarray) or colours.dtype != np.float32:
        raise ArgumentTypeError(f"colours must be a float32 numpy array, got {getattr(colours, 'dtype', type(colours))}")
    if colours.ndim != 3 or colours.shape[2] != 3 or 0 in colours.shape:
        raise InvalidArgumentError(f"colours must have shape (h, w, 3), got {colours.shape}")
    m = np.clip(mask.astype(np.float32), 0.0, 1.0)
    if min(m.shape) < 4 * WIDTH + 3:
        return mask
    sure_fg, sure_bg = m >= SURE_FOREGROUND, m <= SURE_BACKGROUND
    unsure = ~sure_fg & ~sure_bg
    core = erode(unsure, WIDTH)
    if not core.any():
        return mask
    labels, count = label_regions(core)
    subject = dilate(sure_fg, WIDTH + 1)
    near_border = np.zeros(m.shape, bool)
    near_border[:WIDTH + 1], near_border[-WIDTH - 1:] = True, True
    near_border[:, :WIDTH + 1], near_border[:, -WIDTH - 1:] = True, True
    flat = labels.ravel()
    area = np.bincount(flat, minlength=count + 1)
    contact = np.bincount(flat, weights=subject.ravel(), minlength=count + 1)
    border = np.bincount(flat, weights=near_border.ravel(), minlength=count + 1)
    candidate = (contact >= CONTACT * np.sqrt(area)) & (border <= BORDER * contact) & (contact > 0)
    candidate[0] = False
    if not candidate.any():
        return mask

    grid = _to_grid(colours, m.shape)
    posterior, ambiguous = _colour_posterior(grid, erode(sure_fg, WIDTH), erode(sure_bg, WIDTH))
    if posterior is None:
        return mask
    # Evidence is pooled over a small window (texture and noise), then decides per pixel.
    posterior = _box_mean(posterior, POOL)
    ambiguous = _box_mean(ambiguous.astype(np.float32), POOL) > 0.5
    says_subject = posterior >= POSTERIOR
    ambiguous_share = np.bincount(flat, weights=ambiguous.ravel(), minlength=count + 1) / np.maximum(area, 1)
    subject_share = np.bincount(flat, weights=says_subject.ravel(), minlength=count + 1) / np.maximum(area, 1)
    accepted = candidate & (ambiguous_share <= MAX_AMBIGUOUS) & (subject_share >= MIN_SUBJECT)
    if not accepted.any():
        return mask

    strength = np.clip((posterior - POSTERIOR) * np.float32(2 / (1 - POSTERIOR)), 0.0, 1.0)
    strength *= accepted[labels] & ~ambiguous & dilate(sure_fg, REACH)
    # The core takes its own strength. Around it, to the edge of the unsure part, the fill ramps
    # down to the model's own value (a box mean over the opening's window), except next to the
    # sure subject, which it joins at full strength (a ramp there would leave a ghostly seam).
    spread = _box_mean(strength, WIDTH)
    joined = subject & unsure
    spread[joined] = _max_filter(strength, WIDTH)[joined]
    fill = np.where(core, strength, np.where(unsure, spread, 0)).astype(np.float32)
    solid = np.maximum(m, fill)
    solid = _drop_new_islands(solid, m)
    if np.array_equal(solid, m):
        return mask
    return solid


def label_regions(binary):
    """Connected regions (4-connected) of a boolean image, numbered from 1.

    Runs of True pixels along each row are joined with the overlapping runs of the row above
    (a union-find over runs: a few thousand on a mask, where a per-pixel loop would be 100 000).

    Parameters
    ----------
    binary : numpy.ndarray
        (h, w) bool.

    Returns
    -------
    labels : numpy.ndarray
        (h, w) int32, 0 outside the regions, 1..count inside, numbered in row-major order of
        each region's first pixel.
    count : int

    Examples
    --------
    >>> label_regions(np.array([[1, 0, 1], [1, 0, 1], [0, 0, 1]], bool))[0]
    array([[1, 0, 2],
           [1, 0, 2],
           [0, 0, 2]], dtype=int32)
    """
    height, width = binary.shape
    padded = np.zeros((height, width + 2), np.int8)
    padded[:, 1:-1] = binary
    steps = np.diff(padded, axis=1)
    run_row, run_start = np.nonzero(steps == 1)
    run_end = np.nonzero(steps == -1)[1]
    runs = run_row.size
    labels = np.zeros((height, width), np.int32)
    if runs == 0:
        return labels, 0
    # Runs are sorted row-major; a run overlaps those of the row above whose end > its start and
    # whose start < its end: one contiguous slice of that row's runs.
    key_start = run_row.astype(np.int64) * (width + 1) + run_start
    key_end = run_row.astype(np.int64) * (width + 1) + run_end
    above = (run_row.astype(np.int64) - 1) * (width + 1)
    first = np.searchsorted(key_end, above + run_start, side="right")
    last = np.searchsorted(key_start, above + run_end, side="left")
    parent = list(range(runs))

    def root(node):
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for run in np.flatnonzero(last > first).tolist():
        for other in range(int(first[run]), int(last[run])):
            a, b = root(run), root(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    roots = np.array([root(run) for run in range(runs)])
    # Number the regions in order of their first run.
    is_root = roots == np.arange(runs)
    number = np.cumsum(is_root).astype(np.int32)
    run_label = number[roots]
    lengths = run_end - run_start
    starts = run_row * width + run_start
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    labels.ravel()[np.repeat(starts, lengths) + offsets] = np.repeat(run_label, lengths)
    return labels, int(number[-1])


def _colour_posterior(grid, sure_fg, sure_bg):
    """Per pixel of the (h, w, 3) colours: P(subject | colour) (h, w) float32 with equal priors,
    and whether the colour is ambiguous, (h, w) bool; (None, None) without enough samples."""
    if sure_fg.sum() < MIN_SAMPLES or sure_bg.sum() < MIN_SAMPLES:
        return None, None
    quantised = np.minimum((grid * LEVELS).astype(np.intp), LEVELS - 1)
    bins = (quantised[..., 0] * LEVELS + quantised[..., 1]) * LEVELS + quantised[..., 2]
    size = LEVELS ** 3
    texture = _texture_level(grid)
    shares = []
    for sure in (sure_fg, sure_bg):
        planes = []
        for level in range(len(TEXTURE) + 1):
            histogram = np.bincount(bins[sure & (texture == level)], minlength=size).astype(np.float32)
            planes.append(_smooth_bins(histogram.reshape((LEVELS,) * 3)).ravel())
        histogram = np.concatenate(planes)
        shares.append(histogram / histogram.sum())
    size *= len(TEXTURE) + 1
    bins = bins + texture * (LEVELS ** 3)
    fg, bg = shares
    # Inside haze that touches the subject, a colour the background never shows counts for the
    # subject (SUBJECT_FLOOR > BACKGROUND_FLOOR): what blocks a fill is the background's colours.
    floor_fg, floor_bg = np.float32(SUBJECT_FLOOR / size), np.float32(BACKGROUND_FLOOR / size)
    posterior_bins = (fg + floor_fg) / (fg + floor_fg + bg + floor_bg)
    ambiguous_bins = np.minimum(fg, bg) >= AMBIGUOUS * np.maximum(np.maximum(fg, bg), floor_fg)
    return posterior_bins[bins].astype(np.float32), ambiguous_bins[bins]


def _texture_level(grid):
    """(h, w) intp: the local contrast (standard deviation of the grey level over 3×3) of each
    pixel, as the number of TEXTURE thresholds it reaches."""
    grey = grid.mean(axis=2)
    mean = _box_mean(grey, 1)
    deviation = np.sqrt(np.maximum(_box_mean(grey * grey, 1) - mean * mean, 0))
    level = np.zeros(grey.shape, np.intp)
    for threshold in TEXTURE:
        level += deviation >= threshold
    return level


def _smooth_bins(histogram):
    """A (L, L, L) histogram spread over each bin's neighbours (weights 1-2-1 per axis): nearby
    colours share their evidence, so a colour between two seen ones is not unknown."""
    out = histogram.copy()
    for axis in range(3):
        padded = np.pad(out, [(1, 1) if a == axis else (0, 0) for a in range(3)])
        low = np.take(padded, np.arange(0, LEVELS), axis=axis)
        high = np.take(padded, np.arange(2, LEVELS + 2), axis=axis)
        out = 2 * out + low + high
    return out


def _drop_new_islands(solid, mask):
    """``solid`` with the fill undone in each solid piece (>= 0.5) that holds no pixel of the
    model's own solid part: the step may widen the subject, never add a piece of its own."""
    pieces, count = label_regions(solid >= 0.5)
    if count == 0:
        return solid
    own = np.bincount(pieces.ravel(), weights=(mask >= 0.5).ravel(), minlength=count + 1) > 0
    own[0] = True
    alone = ~own[pieces]
    if alone.any():
        solid[alone] = mask[alone]
    return solid


def _to_grid(colours, shape):
    """(h, w, 3) float32 colours on the mask's grid (Pillow's bilinear resize per channel)."""
    if colours.shape[:2] == tuple(shape):
        return colours
    out = np.empty(tuple(shape) + (3,), np.float32)
    for channel in range(3):
        plane = Image.fromarray(np.ascontiguousarray(colours[..., channel]), "F")
        out[..., channel] = np.asarray(plane.resize((shape[1], shape[0]), Image.Resampling.BILINEAR))
    return out


@lru_cache(maxsize=8)
def _window_counts(shape, radius):
    """(h, w) float64: how many pixels each (2r+1)² window clipped to the array holds (read-only)."""
    counts = box_sum(np.ones(shape, np.float32), radius)
    counts.flags.writeable = False
    return counts


def _box_mean(values, radius):
    """(h, w) float32 mean over the (2r+1)² window clipped to the array."""
    return (box_sum(values, radius) / _window_counts(values.shape, radius)).astype(np.float32)


def _max_filter(values, radius):
    """(h, w) float32: the largest value in each (2r+1)² window clipped to the array."""
    out = values.astype(np.float32)
    for axis in (0, 1):
        padded = np.pad(out, [(radius, radius) if a == axis else (0, 0) for a in range(2)], mode="edge")
        size = out.shape[axis]
        out = np.take(padded, np.arange(size), axis=axis)
        for shift in range(1, 2 * radius + 1):
            np.maximum(out, np.take(padded, np.arange(shift, shift + size), axis=axis), out=out)
    return out


