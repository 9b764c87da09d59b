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

from ._checks import check_number
from .errors import ArgumentTypeError, InvalidArgumentError
from .models import DEFAULT_MODEL, MODEL_NAMES, get_model, model_names

FORMATS = ("png", "webp", "jpeg", "mask")
#: `<name><suffix>` of an output file, per format (the page's downloads and the `peel` command).
OUTPUT_SUFFIX = {"png": "-nobg.png", "webp": "-nobg.webp", "jpeg": "-nobg.jpg", "mask": "-mask.png"}
BACKGROUNDS = ("transparent", "color", "image", "blur")
#: Edge refinement of the upscaled mask (see peel.refine): none = rembg's upscale (reference).
REFINES = ("none", "guided", "matte")
#: Threshold clamping: auto (AUTO_THRESHOLDS of the refinement), off (identity), manual.
THRESHOLDS = ("auto", "off", "manual")
#: (low, high) clamp of threshold="auto" per refinement, chosen with bench/quality.py.
AUTO_THRESHOLDS = {"none": (0.1, 0.9), "guided": (0.1, 0.9), "matte": (0.05, 0.9)}
#: The same for a model whose output is an alpha matte already (MODNet), chosen with
#: bench/people.py: a clamp only where it measured better, so faint hair is kept.
MATTE_AUTO_THRESHOLDS = {"none": (0.0, 1.0), "guided": (0.05, 0.95), "matte": (0.0, 1.0)}
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_ASPECT = re.compile(r"^(\d{1,3}):(\d{1,3})$")


@dataclass(frozen=True)
class Settings:
    """What to make of a cut-out.

    The defaults are the best measured with bench/quality.py (README, "Edge quality");
    :meth:`reference` gives rembg's u2netp cut-out: the same alpha to within 1/255
    (tests/unit/test_rembg_parity.py), with Peel's colour convention (see README).
    :meth:`schema` lists every field with its default and range, for a UI or a command line.
    """

    #: Which model finds the subject: "u2netp" (anything, fast) or "modnet" (people, best hair;
    #: a 26 MB download in the browser). See peel/models/.
    model: str = DEFAULT_MODEL
    #: Output file: "png", "webp" (both with alpha), "jpeg" (over background_color), "mask"
    #: (the alpha alone, an 8-bit grayscale PNG).
    format: str = "png"
    #: Quality of the lossy formats, 0.5–1.
    quality: float = 0.9
    #: Edge feather: Gaussian blur radius of the alpha, in pixels of the original image, 0–50.
    feather: float = 0.0
    #: Edge refinement: "matte" (the model's edge follows the photo's colours, peel.refine),
    #: "guided" (a colour-guided filter of the mask) or "none" (rembg's upscale of the mask).
    refine: str = "matte"
    #: Threshold clamping of the alpha (below low → 0, above high → 1, linear in between):
    #: "auto" (measured per refinement, AUTO_THRESHOLDS), "off", or "manual" (the two below).
    threshold: str = "auto"
    #: Bounds of threshold="manual", 0–1, low <= high.
    threshold_low: float = 0.1
    threshold_high: float = 0.9
    #: Colour decontamination strength 0–1: the subject's own colour, not the old background's,
    #: where the alpha is partial.
    decontaminate: float = 1.0
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
        for name, allowed in _CHOICES.items():
            _choice(self, name, model_names() if name == "model" else allowed)  # model: also registered files
        for name, (low, high) in _RANGES.items():
            _number(self, name, low, high, integer=name in _INTEGERS)
        if self.threshold_low > self.threshold_high:
            raise InvalidArgumentError(f"threshold_low must not exceed threshold_high, got "
                                       f"{self.threshold_low} > {self.threshold_high}")
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

    @classmethod
    def reference(cls, **changes) -> "Settings":
        """The reference pipeline's cut-out: no refinement, threshold, feather or decontamination.

        ``render(rgba, mask, Settings.reference())`` equals ``cut_out(rgba, prediction)`` exactly
        (tests/unit/test_render_refine.py), and its alpha is rembg 2.0's u2netp alpha to within
        1/255 on every pixel: rembg's own test photos and stored results
        (tests/unit/test_rembg_parity.py) and up to 12 MP (tests/unit/test_reference.py). The
        colours stay the photo's own (straight alpha), where rembg's are multiplied by the alpha.
        ``changes`` set other fields (a format...).
        """
        values = {"refine": "none", "threshold": "off", "feather": 0.0, "decontaminate": 0.0, **changes}
        return cls(**values)

    @classmethod
    def schema(cls) -> dict:
        """Every field: ``{name: {"type", "default", "choices" | "min", "max", "help"}}``.

        Plain JSON-able values, in field order, for building controls or flags from one source.
        """
        out = {}
        for field in fields(cls):
            kind = field.type if isinstance(field.type, str) else field.type.__name__
            entry = {"type": kind, "default": field.default}
            if field.name in _CHOICES:
                entry["choices"] = list(_CHOICES[field.name])
            if field.name in _RANGES:
                entry["min"], entry["max"] = _RANGES[field.name]
            entry["help"] = FIELD_HELP.get(field.name, "")
            out[field.name] = entry
        return out

    @property
    def threshold_range(self) -> tuple[float, float]:
        """The (low, high) clamp this threshold setting applies; (0.0, 1.0) is the identity."""
        if self.threshold == "auto":
            matte = get_model(self.model).KIND == "matte"
            return (MATTE_AUTO_THRESHOLDS if matte else AUTO_THRESHOLDS)[self.refine]
        if self.threshold == "manual":
            return float(self.threshold_low), float(self.threshold_high)
        return 0.0, 1.0

    @property
    def background_rgb(self) -> tuple[int, int, int]:
        """background_color as (r, g, b) ints."""
        return tuple(int(self.background_color[i:i + 2], 16) for i in (1, 3, 5))

    @property
    def aspect(self) -> tuple[int, int]:
        """product_aspect as (width, height)."""
        width, height = self.product_aspect.split(":")
        return int(width), int(height)


_CHOICES = {"model": MODEL_NAMES, "format": FORMATS, "background": BACKGROUNDS, "refine": REFINES, "threshold": THRESHOLDS}
_RANGES = {
    "quality": (0.5, 1.0),
    "feather": (0.0, 50.0),
    "threshold_low": (0.0, 1.0),
    "threshold_high": (0.0, 1.0),
    "decontaminate": (0.0, 1.0),
    "background_blur": (0.0, 200.0),
    "product_size": (64, 4096),
    "product_margin": (0.0, 0.45),
    "product_shadow_strength": (0.0, 1.0),
}
_INTEGERS = {"product_size"}
FIELD_HELP = {
    "model": "u2netp (anything, fast) or modnet (people: portrait matting, best hair)",
    "format": "output file: png, webp (both transparent), jpeg (over background_color), mask (grey PNG)",
    "quality": "quality of webp/jpeg, 0.5-1",
    "feather": "edge feather, Gaussian blur radius of the alpha in pixels, 0-50",
    "refine": "edge refinement: matte (follow the photo's edges), guided (guided filter), none (rembg's upscale)",
    "threshold": "alpha clamping: auto (measured), off, manual (threshold_low/threshold_high)",
    "threshold_low": "manual threshold: alpha below this becomes 0, 0-1",
    "threshold_high": "manual threshold: alpha above this becomes 1, 0-1",
    "decontaminate": "colour decontamination strength at soft edges, 0-1",
    "background": "what is behind the subject",
    "background_color": "#rrggbb colour of background color (and of jpeg)",
    "background_blur": "blur radius of background blur, in pixels",
    "product": "product photo: crop to the subject, centred on a canvas",
    "product_size": "long side of the product canvas in pixels, 64-4096",
    "product_aspect": "product canvas aspect, width:height (1:1, 4:5, 3:4, 4:3, 16:9...)",
    "product_margin": "margin around the product, fraction of the canvas's short side, 0-0.45",
    "product_shadow": "a soft contact shadow under the product",
    "product_shadow_strength": "strength of the contact shadow, 0-1",
}


def _choice(settings, name, allowed):
    if getattr(settings, name) not in allowed:
        raise InvalidArgumentError(f"{name} must be one of {', '.join(allowed)}, got {getattr(settings, name)!r}")


def _number(settings, name, low, high, integer=False):
    check_number(getattr(settings, name), name, low, high, integer=integer)
