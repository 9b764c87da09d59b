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
from dataclasses import asdict, dataclass, field, fields

from ._checks import check_number
from .errors import ArgumentTypeError, InvalidArgumentError
from .models import DEFAULT_MODEL, MODEL_NAMES, MODELS, get_model, model_names

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


def setting(default, help, *, choices=None, low=None, high=None, unit=None, integer=False, pattern=None):
    """One field of :class:`Settings`, declared once: its default, allowed values, unit and help.

    Parameters
    ----------
    default
        The measured default (bench/quality.py, bench/people.py).
    help : str
        One line for the ``peel`` flags and the page's schema (the range is added to it).
    choices : tuple of str, optional
        The allowed values of a choice.
    low, high : int or float, optional
        The closed range of a number.
    unit : str, optional
        What a number counts: ``"fraction"`` (0–1, shown in %) or ``"px"``.
    integer : bool
        The number must be an int.
    pattern : tuple of (str, str), optional
        (regular expression, example) a string must match ("#rrggbb").
    """
    if low is not None:
        help = f"{help}, {low:g}-{high:g}"
    metadata = {"help": help, "choices": choices, "range": None if low is None else (low, high),
                "unit": unit, "integer": integer, "pattern": pattern}
    return field(default=default, metadata={key: value for key, value in metadata.items() if value is not None})


def _model_help():
    return " or ".join(f"{model.name} ({model.description})" for model in MODELS.values())


@dataclass(frozen=True)
class Settings:
    """What to make of a cut-out.

    The defaults are the best measured with bench/quality.py (docs/edge-quality.md);
    :meth:`reference` gives rembg's u2netp cut-out: the same alpha to within 1/255
    (tests/unit/test_rembg_parity.py), with Peel's colour convention (see docs/edge-quality.md).
    :meth:`schema` lists every field with its default and range, for a UI or a command line.
    Each field is declared once, with :func:`setting`; which render step reads it is declared
    in :data:`peel.render.STEPS`.
    """

    #: Which model finds the subject (peel/models/: the models' own declarations).
    model: str = setting(DEFAULT_MODEL, _model_help(), choices=MODEL_NAMES)
    #: Output file: "png", "webp" (both with alpha), "jpeg" (over background_color), "mask"
    #: (the alpha alone, an 8-bit grayscale PNG).
    format: str = setting("png", "output file: png, webp (both transparent), jpeg (over background_color), "
                                 "mask (grey PNG)", choices=FORMATS)
    quality: float = setting(0.9, "quality of webp/jpeg", low=0.5, high=1.0, unit="fraction")
    #: Gaussian blur radius of the alpha, in pixels of the original image.
    feather: float = setting(0.0, "edge feather, Gaussian blur radius of the alpha in pixels",
                             low=0.0, high=50.0, unit="px")
    #: "matte" (the model's edge follows the photo's colours, peel.refine), "guided" (a
    #: colour-guided filter of the mask) or "none" (rembg's upscale of the mask).
    refine: str = setting("matte", "edge refinement: matte (follow the photo's edges), guided (guided filter), "
                                   "none (rembg's upscale)", choices=REFINES)
    #: Solid subject: fill the model's wide half-transparent haze where the photo's colours say
    #: "subject" (peel.solid), before the edge refinement. Subject-finding models only.
    solid: bool = setting(False, "solid subject: fill the model's wide half-transparent haze where the "
                                 "photo's colours say subject")
    #: Threshold clamping of the alpha (below low → 0, above high → 1, linear in between):
    #: "auto" (measured per refinement, AUTO_THRESHOLDS), "off", or "manual" (the two below).
    threshold: str = setting("auto", "alpha clamping: auto (measured), off, manual (threshold_low/threshold_high)",
                             choices=THRESHOLDS)
    threshold_low: float = setting(0.1, "manual threshold: alpha below this becomes 0", low=0.0, high=1.0,
                                   unit="fraction")
    threshold_high: float = setting(0.9, "manual threshold: alpha above this becomes 1", low=0.0, high=1.0,
                                    unit="fraction")
    #: The subject's own colour, not the old background's, where the alpha is partial.
    decontaminate: float = setting(1.0, "colour decontamination strength at soft edges", low=0.0, high=1.0,
                                   unit="fraction")
    #: "transparent", "color" (background_color), "image" (an image the user gives, scaled to
    #: cover) or "blur" (the photo's own background, blurred by background_blur px).
    background: str = setting("transparent", "what is behind the subject", choices=BACKGROUNDS)
    background_color: str = setting("#ffffff", "#rrggbb colour of background color (and of jpeg)",
                                    pattern=(r"^#[0-9a-fA-F]{6}$", "#rrggbb"))
    background_blur: float = setting(20.0, "blur radius of background blur, in pixels", low=0.0, high=200.0,
                                     unit="px")
    #: Product photo: the subject cropped to its bounding box and centred on a canvas.
    product: bool = setting(False, "product photo: crop to the subject, centred on a canvas")
    #: Long side of the product canvas (the page offers presets 1000, 1600, 2000).
    product_size: int = setting(2000, "long side of the product canvas in pixels", low=64, high=4096,
                                unit="px", integer=True)
    product_aspect: str = setting("1:1", "product canvas aspect, width:height (1:1, 4:5, 3:4, 4:3, 16:9...)",
                                  pattern=(r"^[1-9]\d{0,2}:[1-9]\d{0,2}$", "4:3"))
    #: Margin around the subject, as a fraction of the canvas's short side.
    product_margin: float = setting(0.1, "margin around the product, fraction of the canvas's short side",
                                    low=0.0, high=0.45, unit="fraction")
    product_shadow: bool = setting(False, "a soft contact shadow under the product")
    product_shadow_strength: float = setting(0.5, "strength of the contact shadow", low=0.0, high=1.0,
                                             unit="fraction")

    def __post_init__(self):
        for entry in fields(self):
            declared = entry.metadata
            if entry.name == "model":  # the declared models, and the files registered since (peel.models)
                declared = {**declared, "choices": model_names()}
            _check(entry.name, getattr(self, entry.name), entry.type, declared)
        if self.threshold_low > self.threshold_high:
            raise InvalidArgumentError(f"threshold_low must not exceed threshold_high, got "
                                       f"{self.threshold_low} > {self.threshold_high}")

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
        """The reference pipeline's cut-out: no refinement, solid subject, threshold, feather or
        decontamination.

        ``render(rgba, mask, Settings.reference())`` equals ``cut_out(rgba, prediction)`` exactly
        (tests/unit/test_render_refine.py), and its alpha is rembg 2.0's u2netp alpha to within
        1/255 on every pixel: rembg's own test photos and stored results
        (tests/unit/test_rembg_parity.py) and up to 12 MP (tests/unit/test_reference.py). The
        colours stay the photo's own (straight alpha), where rembg's are multiplied by the alpha.
        ``changes`` set other fields (a format...).
        """
        values = {"refine": "none", "solid": False, "threshold": "off", "feather": 0.0, "decontaminate": 0.0,
                  **changes}
        return cls(**values)

    @classmethod
    def schema(cls) -> dict:
        """Every field: ``{name: {"type", "default", "choices" | "min", "max", "unit", "help"}}``.

        Plain JSON-able values, in field order, for building controls or flags from one source.
        """
        out = {}
        for entry in fields(cls):
            declared = entry.metadata
            out[entry.name] = {"type": entry.type, "default": entry.default}
            if "choices" in declared:
                out[entry.name]["choices"] = list(declared["choices"])
            if "range" in declared:
                out[entry.name]["min"], out[entry.name]["max"] = declared["range"]
            if "unit" in declared:
                out[entry.name]["unit"] = declared["unit"]
            out[entry.name]["help"] = declared["help"]
        return out

    @property
    def threshold_range(self) -> tuple[float, float]:
        """The (low, high) clamp this threshold setting applies; (0.0, 1.0) is the identity."""
        if self.threshold == "auto":
            matte = get_model(self.model).kind == "matte"
            return (MATTE_AUTO_THRESHOLDS if matte else AUTO_THRESHOLDS)[self.refine]
        if self.threshold == "manual":
            return float(self.threshold_low), float(self.threshold_high)
        return 0.0, 1.0

    @property
    def decontamination(self) -> float:
        """Strength of the colour clean-up these settings ask for (0 for a mask: no colours)."""
        return 0.0 if self.format == "mask" else self.decontaminate

    @property
    def background_rgb(self) -> tuple[int, int, int]:
        """background_color as (r, g, b) ints."""
        return tuple(int(self.background_color[i:i + 2], 16) for i in (1, 3, 5))

    @property
    def aspect(self) -> tuple[int, int]:
        """product_aspect as (width, height)."""
        width, height = self.product_aspect.split(":")
        return int(width), int(height)


#: The properties of Settings that the render steps read, and the fields each reads
#: (peel.render.STEPS; tests/unit/test_render_cache.py checks that every field is read).
DERIVED = {
    "threshold_range": ("threshold", "threshold_low", "threshold_high", "refine", "model"),
    "decontamination": ("decontaminate", "format"),
}
_DECLARED = {entry.name: entry.metadata for entry in fields(Settings)}
_CHOICES = {name: declared["choices"] for name, declared in _DECLARED.items() if "choices" in declared}
_RANGES = {name: declared["range"] for name, declared in _DECLARED.items() if "range" in declared}
FIELD_HELP = {name: declared["help"] for name, declared in _DECLARED.items()}


def _check(name, value, kind, declared):
    """A typed error naming the field when ``value`` is not what its declaration allows."""
    if "choices" in declared:
        if value not in declared["choices"]:
            raise InvalidArgumentError(f"{name} must be one of {', '.join(declared['choices'])}, got {value!r}")
    elif "range" in declared:
        check_number(value, name, *declared["range"], integer=declared.get("integer", False))
    elif kind == "bool":
        if not isinstance(value, bool):
            raise ArgumentTypeError(f"{name} must be true or false, got {value!r}")
    elif "pattern" in declared:
        pattern, example = declared["pattern"]
        if not isinstance(value, str) or not re.match(pattern, value):
            raise InvalidArgumentError(f"{name} must look like {example}, got {value!r}")
