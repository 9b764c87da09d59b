"""A soft contact shadow under a subject placed on a product canvas."""

import math

import numpy as np
from PIL import Image, ImageFilter

from ._checks import check_alpha8, check_number
from .morphology import bounding_box
from .subject import ALPHA_THRESHOLD

__all__ = ["SHADOW_OPACITY", "contact_shadow"]

#: Peak opacity of the contact shadow at strength 1 where the footprint is solid.
SHADOW_OPACITY = 0.75

# Contact shadow geometry, as fractions of the subject's box on the canvas.
_FOOT_BAND = 0.12     # bottom part of the silhouette the footprint is taken from
_FOOT_HEIGHT = 0.05   # height of the squashed footprint, x subject size
_FOOT_BLUR = 0.025    # Gaussian sigma, x subject size
_FOOT_DROP = 0.25     # how far the footprint's centre sits below the box, x its height


def contact_shadow(alpha_on_canvas, strength=0.5):
    """Draw a soft contact shadow under the subject, from its alpha on the canvas.

    The bottom 12 % of the subject's silhouette (alpha above
    ``ALPHA_THRESHOLD``) is squashed into a thin footprint as wide as that
    band and 5 % of the subject's size high (size: geometric mean of the
    box's sides), centred just below the subject's bottom edge and blurred
    with a Gaussian (sigma 2.5 % of the size; Pillow's box-filter
    approximation). Bases that are wide give wide shadows, a thin
    stem gives a small one. When the margin leaves less room below or beside
    the subject than the shadow needs, the whole shadow is shrunk towards the
    contact line, so it fades to zero inside the canvas (the outer rows and
    columns stay 0) instead of being cut off by its edge; only where the
    subject itself touches an edge is the shadow cut there too, and with no
    room below at all it shrinks to a line under the subject's last row.

    Parameters
    ----------
    alpha_on_canvas : numpy.ndarray
        (h, w) uint8 alpha of the subject placed on the canvas. Not modified.
    strength : float, optional
        0..1; the peak shadow opacity is ``0.75 * strength`` under a solid
        base. 0 gives no shadow at all (all zeros).

    Returns
    -------
    shadow8 : numpy.ndarray
        (h, w) uint8 opacity of a black shadow layer, to be composited over
        the background and under the subject.

    Raises
    ------
    ArgumentTypeError, InvalidArgumentError
        ``alpha_on_canvas`` is not a non-empty 2-D uint8 array, or
        ``strength`` is not a number in [0, 1].

    Examples
    --------
    >>> alpha = np.zeros((100, 100), np.uint8)
    >>> alpha[20:80, 30:70] = 255
    >>> shadow = contact_shadow(alpha, 1.0)
    >>> shadow.dtype, bool(shadow[82, 50] > 0), int(shadow[:, 0].max()), int(shadow[-1].max())
    (dtype('uint8'), True, 0, 0)
    """
    check_alpha8(alpha_on_canvas, name="alpha_on_canvas")
    strength = check_number(strength, "strength", 0.0, 1.0)
    height, width = alpha_on_canvas.shape
    shadow = np.zeros((height, width), np.uint8)
    box = bounding_box(alpha_on_canvas > ALPHA_THRESHOLD) if strength > 0 else None
    if box is None:
        return shadow
    top, left, bottom, right = box
    subject_width = right - left
    # Size of the subject: geometric mean of its sides, so that a tall bottle
    # and a flat plate of the same area get shadows of about the same softness.
    subject_size = math.sqrt(subject_width * (bottom - top))

    # Footprint: the bottom band of the silhouette, each column averaged.
    band_height = max(1, round(_FOOT_BAND * (bottom - top)))
    band = Image.fromarray(np.ascontiguousarray(alpha_on_canvas[bottom - band_height:bottom, left:right]))
    foot_height = _FOOT_HEIGHT * subject_size
    sigma = _FOOT_BLUR * subject_size
    drop = _FOOT_DROP * foot_height

    column_weight = np.asarray(band.resize((subject_width, 1), Image.Resampling.BOX))[0]
    used = np.nonzero(column_weight)[0]
    if used.size == 0:
        return shadow
    foot_left, foot_right = left + int(used[0]), left + int(used[-1])

    # Keep the canvas's outer rows and columns free where the subject leaves
    # room: shrink the shadow (footprint, blur and drop together) until it fits.
    # A side the footprint itself touches is cut by the edge like the subject.
    lowest = max(bottom - 1, height - 2)
    side_room = min([room for room in (foot_left - 1, width - 2 - foot_right) if room >= 0] or [math.inf])
    shrink = 1.0
    while True:
        foot_rows = max(1, round(foot_height * shrink))
        blur = sigma * shrink if sigma * shrink > 0.25 else 0.0
        # Pillow's box-filter Gaussian reaches at most ceil(3 sigma) pixels.
        reach = math.ceil(3 * blur) if blur else 0
        first_row = bottom - foot_rows // 2 + round(drop * shrink)
        if shrink == 0.0 or (first_row + foot_rows - 1 + reach <= lowest and reach <= side_room):
            break
        shrink = shrink * 0.8 if shrink > 0.01 else 0.0
    # With no room at all the footprint hides under the subject's last row.
    first_row = min(first_row, lowest - reach - foot_rows + 1)

    # Draw the footprint with padding, blur it, scale by the strength.
    pad = reach + 1
    local = np.zeros((foot_rows + 2 * pad, subject_width + 2 * pad), np.uint8)
    local[pad:pad + foot_rows, pad:pad + subject_width] = column_weight
    image = Image.fromarray(local)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    lut = [round(value * SHADOW_OPACITY * strength) for value in range(256)]
    local = np.asarray(image.point(lut))

    # Paste it on the canvas, clipped (the fit above makes the clip a no-op
    # except where the subject itself touches the canvas's edge).
    y, x = first_row - pad, left - pad
    y0, x0 = max(0, y), max(0, x)
    y1, x1 = min(height, y + local.shape[0]), min(width, x + local.shape[1])
    if y0 < y1 and x0 < x1:
        shadow[y0:y1, x0:x1] = local[y0 - y:y1 - y, x0 - x:x1 - x]
    return shadow
