"""The one settings schema: the browser's controls and the desktop's flags use these names.

The page sends a plain JS object of these fields; :meth:`Settings.from_dict` validates it, so a
bad value becomes a typed error naming the field, never a traceback.

Examples
--------
>>> Settings.from_dict({"format": "jpeg", "quality": 0.8}).background_color
'#ffffff'
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields

from .errors import ArgumentTypeError, InvalidArgumentError

FORMATS = ("png", "webp", "jpeg", "mask")
BACKGROUNDS = ("transparent", "color", "image", "blur")
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_ASPECT = re.compile(r"^(\d{1,3}):(\d{1,3})$")


@dataclass(frozen=True)
class Settings:
    """What to make of a cut-out. The defaults reproduce the reference pipeline (rembg's)."""

    #: Output file: "png", "webp" (both with alpha), "jpeg" (over background_color), "mask"
    #: (the alpha alone, an 8-bit grayscale PNG).
    format: str = "png"
    #: Quality of the lossy formats, 0.5–1.
    quality: float = 0.9
    #: Edge feather: Gaussian blur radius of the alpha, in pixels of the original image, 0–50.
    feather: float = 0.0
    #: "transparent", "color" (background_color), "image" (an image the user gives, scaled to
    #: cover) or "blur" (the photo's own background, blurred by background_blur px).
    background: str = "transparent"
    background_color: str = "#ffffff"
    background_blur: float = 20.0
    #: Product photo: the subject cropped to its bounding box and centred on a canvas.
    product: bool = False
    #: Long side of the product canvas in pixels, 64–4096 (presets 1000, 1600, 2000).
    product_size: int = 2000
    #: Canvas aspect "width:height", e.g. "1:1", "4:3", "3:4".
    product_aspect: str = "1:1"
    #: Margin around the subject, as a fraction of the canvas's short side, 0–0.45.
    product_margin: float = 0.1
    #: A soft contact shadow under the subject, and its strength 0–1.
    product_shadow: bool = False
    product_shadow_strength: float = 0.5

    def __post_init__(self):
        _choice(self, "format", FORMATS)
        _choice(self, "background", BACKGROUNDS)
        _number(self, "quality", 0.5, 1.0)
        _number(self, "feather", 0.0, 50.0)
        _number(self, "background_blur", 0.0, 200.0)
        _number(self, "product_size", 64, 4096, integer=True)
        _number(self, "product_margin", 0.0, 0.45)
        _number(self, "product_shadow_strength", 0.0, 1.0)
        for name in ("product", "product_shadow"):
            if not isinstance(getattr(self, name), bool):
                raise ArgumentTypeError(f"{name} must be true or false, got {getattr(self, name)!r}")
        if not isinstance(self.background_color, str) or not _HEX_COLOR.match(self.background_color):
            raise InvalidArgumentError(f"background_color must look like #rrggbb, got {self.background_color!r}")
        match = _ASPECT.match(self.product_aspect) if isinstance(self.product_aspect, str) else None
        if not match or "0" in (match[1], match[2]):
            raise InvalidArgumentError(f"product_aspect must look like 4:3, got {self.product_aspect!r}")

    @classmethod
    def from_dict(cls, values: dict) -> "Settings":
        """Settings from a plain dict; unknown keys are an error (a typo must not pass silently)."""
        if not isinstance(values, dict):
            raise ArgumentTypeError(f"settings must be a dict, got {type(values).__name__}")
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InvalidArgumentError(f"unknown setting(s): {', '.join(unknown)}")
        return cls(**values)

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def background_rgb(self) -> tuple[int, int, int]:
        """background_color as (r, g, b) ints."""
        return tuple(int(self.background_color[i:i + 2], 16) for i in (1, 3, 5))

    @property
    def aspect(self) -> tuple[int, int]:
        """product_aspect as (width, height)."""
        width, height = self.product_aspect.split(":")
        return int(width), int(height)


def _choice(settings, name, allowed):
    if getattr(settings, name) not in allowed:
        raise InvalidArgumentError(f"{name} must be one of {', '.join(allowed)}, got {getattr(settings, name)!r}")


def _number(settings, name, low, high, integer=False):
    value = getattr(settings, name)
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        kind = "an integer" if integer else "a number"
        raise ArgumentTypeError(f"{name} must be {kind}, got {value!r}")
    if not low <= value <= high:
        raise InvalidArgumentError(f"{name} must be between {low} and {high}, got {value}")
