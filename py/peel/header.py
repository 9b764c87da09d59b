"""Read an image file's header, and refuse bad files before anything is decoded.

:func:`inspect_image` looks at the first bytes of a file (and hops from header to
header, never through pixel data) to tell what the file is: its format, stored
size, number of frames, EXIF orientation, colour mode and bit depth. Files that
cannot give a usable image are refused with a typed error whose ``code`` the UI
maps to a message: ``empty-file``, ``not-an-image``, ``unsupported-format``,
``corrupt-image`` and ``too-large`` (see :mod:`peel.errors`).

Every format is parsed here with :mod:`struct` rather than with Pillow's lazy
``Image.open``: Pillow 10.2 opens a WebP through libwebp's animation decoder,
which reserves two full canvases at *open* time (2.1 GB of address space for a
16383 × 16383 file of 10 kB), and it has no AVIF/HEIC reader at all. Parsing
ourselves costs microseconds, allocates nothing in proportion to the image, and
does not touch Pillow's global ``MAX_IMAGE_PIXELS``.

The file is only inspected, not validated: a file cut inside its pixel data, or
with damaged pixel data, passes here and fails later in the browser's decoder.
What is reported follows what Chromium's decoders do with the same header (size
of the displayed frame, which orientation tags are honoured), since the browser
decodes the image in Peel.
"""

import math
import numbers
import re
import struct
from dataclasses import dataclass
from functools import partial

from .errors import (ArgumentTypeError, CorruptImageError, EmptyFileError, ImageTooLargeError, InvalidArgumentError,
                     NotAnImageError, UnsupportedFormatError)

__all__ = ["DEFAULT_MAX_PIXELS", "SUPPORTED_FORMATS", "IMAGE_EXTENSIONS", "ImageInfo", "inspect_image", "describe_animation"]

#: Largest image accepted by default, in pixels (width × height): 40 MP, the
#: minimum issue 7 asks for. It covers what phones save by default (12–24 MP)
#: and most cameras, not the 48–50 MP "full resolution" modes of recent phones.
#: Every megapixel costs 4 bytes per RGBA copy and the pipeline holds several
#: at once (the decoded bitmap, the ImageData, the numpy array in the Pyodide
#: heap, the canvas that encodes the result), so 40 MP is already several
#: hundred MB, and a WASM heap never shrinks. Not yet measured in the browser;
#: callers with known memory (the CPython CLI) can pass a larger ``max_pixels``.
DEFAULT_MAX_PIXELS = 40_000_000

#: Formats :func:`inspect_image` accepts (those browsers decode in a worker).
SUPPORTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "AVIF", "ICO", "CUR")
#: File names a folder scan (the page's folder drop, the `peel` command) takes for images, by
#: extension; formats the browser cannot decode are included so that they get a clear error.
IMAGE_EXTENSIONS = frozenset((".png", ".jpg", ".jpeg", ".jfif", ".pjpeg", ".webp", ".gif", ".bmp", ".avif",
                              ".ico", ".heic", ".heif", ".tif", ".tiff"))

# Names for people, in messages.
_FORMAT_NAMES = {"WEBP": "WebP", "ICO": "icon (ICO)", "CUR": "cursor (CUR)"}
_SUPPORTED_LIST = "JPEG, PNG, WebP, AVIF, GIF or BMP"
# Most hops (JPEG segments, PNG/WebP chunks, ISO boxes) a reader makes. Real files need at most
# a few hundred; crafted ones could need millions, each a Python-level step, so the walk
# stops here (~0.1 s natively at worst). GIF data sub-blocks have their own, larger budget:
# a real 20 MB GIF has ~80 000 of them.
_MAX_STEPS = 100_000
_MAX_GIF_BLOCKS = 1_000_000
_RETRY = ("It may not have finished downloading or copying: get the file again, or open it in an image editor and "
          "save it again.")


@dataclass(frozen=True, kw_only=True)
class ImageInfo:
    """What an image file's header says about it.

    Attributes
    ----------
    format : str
        Format name as Pillow spells it: "JPEG", "PNG", "GIF", "WEBP", "BMP",
        "AVIF", "ICO", "CUR" (or "HEIC"/"HEIF" on an UnsupportedFormatError).
    width, height : int
        Size of the stored pixels (before orientation), >= 1. For GIF, the
        logical screen, grown to the first frame if that is larger; for
        ICO/CUR, the largest icon in the file; for AVIF, the primary item's
        ``ispe`` (a clean-aperture crop, ``clap``, is not applied).
    frames : int
        Number of frames: > 1 for animated GIF, APNG, animated WebP and AVIF
        sequences, else 1.
    orientation : int
        EXIF orientation (1–8) the browser applies when decoding, 1 if none:
        the Exif APP1 segment of a JPEG, a PNG ``eXIf`` chunk before the image
        data (Chromium and Safari honour it, Firefox ignores it), AVIF
        ``irot``/``imir``. WebP EXIF is ignored, as Chromium does.
    mode : str
        Colour model of the stored pixels, with Pillow's names but without the
        bit depth: "L" (grey), "LA", "RGB", "RGBA", "P" (palette) or "CMYK".
    bit_depth : int or None
        Bits per sample as stored (per palette index for "P" images; 16 for a
        16-bit PNG, 8 or 12 for JPEG, 10 or 12 for some AVIF), None if unknown.
    has_alpha : bool
        The file declares transparency: an alpha channel, a PNG ``tRNS`` chunk,
        a GIF transparent colour, a WebP/AVIF alpha plane, a BMP alpha mask.

    Examples
    --------
    >>> info = ImageInfo(format="JPEG", width=4000, height=3000, orientation=6)
    >>> (info.display_width, info.display_height, info.pixels)
    (3000, 4000, 12000000)
    """

    format: str
    width: int
    height: int
    frames: int = 1
    orientation: int = 1
    mode: str = "RGB"
    bit_depth: int | None = 8
    has_alpha: bool = False

    @property
    def display_width(self):
        """Width of the image as displayed, after orientation (5–8 swap the sides)."""
        return self.height if self.orientation >= 5 else self.width

    @property
    def display_height(self):
        """Height of the image as displayed, after orientation."""
        return self.width if self.orientation >= 5 else self.height

    @property
    def pixels(self):
        """Number of pixels, ``width * height``."""
        return self.width * self.height

    @property
    def animated(self):
        """True when the file holds more than one frame."""
        return self.frames > 1


def inspect_image(data, *, max_pixels=DEFAULT_MAX_PIXELS):
    """Read an image file's header and check that Peel can use it.

    Only headers are read: no pixel is decoded and nothing proportional to the
    image size is allocated, so a decompression bomb (a small file declaring a
    huge size) is refused in microseconds.

    Parameters
    ----------
    data : bytes, bytearray or memoryview
        The whole file, as it will be given to the decoder. Any C-contiguous
        buffer works and is not copied (a Pyodide ``JsBuffer.to_py()``
        memoryview included).
    max_pixels : int, optional
        Largest accepted ``width * height``, >= 1 (keyword only). Default
        :data:`DEFAULT_MAX_PIXELS` (40 megapixels).

    Returns
    -------
    ImageInfo
        Format, stored and displayed size, frames, orientation, mode.

    Raises
    ------
    EmptyFileError
        ``data`` is empty (code ``empty-file``).
    NotAnImageError
        ``data`` is not an image: a PDF, archive, text, SVG, video, or bytes
        of no known format (code ``not-an-image``); the message names what it
        looks like when known.
    UnsupportedFormatError
        An image format browsers cannot decode: HEIC/HEIF, TIFF (and the camera
        RAW formats based on it), PSD, JPEG XL, JPEG 2000 (code
        ``unsupported-format``).
    CorruptImageError
        The signature of a supported format, but a header that is cut short or
        invalid (code ``corrupt-image``).
    ImageTooLargeError
        ``width * height > max_pixels`` (code ``too-large``); the message gives
        the size, the limit and a size to resize to.
    ArgumentTypeError, InvalidArgumentError
        ``data`` is not a contiguous bytes-like object, or ``max_pixels`` is not
        a positive int.

    Examples
    --------
    >>> png = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000030000000208060000009d74661a0000000b"
    ...                     "49444154789c6360c00500001a0001bc3ce0410000000049454e44ae426082")  # 3 × 2 RGBA
    >>> inspect_image(png)
    ImageInfo(format='PNG', width=3, height=2, frames=1, orientation=1, mode='RGBA', bit_depth=8, has_alpha=True)
    >>> inspect_image(b"%PDF-1.7 ...")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    peel.errors.NotAnImageError: This is a PDF document, not an image. Export the page you want as PNG or JPEG...
    """
    view = _as_byte_view(data)
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, numbers.Integral):
        raise ArgumentTypeError(f"max_pixels must be an int, got {type(max_pixels).__name__}")
    max_pixels = int(max_pixels)
    if max_pixels < 1:
        raise InvalidArgumentError(f"max_pixels must be at least 1, got {max_pixels}")
    if len(view) == 0:
        raise EmptyFileError("The file is empty (0 bytes): there is no image in it. It may not have finished "
                             "downloading or copying: get the file again, then add it once more.")

    fmt, reader = _sniff(view)
    try:
        info = reader(view)
    except (_Damaged, struct.error, IndexError) as error:
        if fmt not in SUPPORTED_FORMATS:  # a HEIC that says no more is still a HEIC
            raise _unsupported(fmt) from None
        detail = str(error) if isinstance(error, _Damaged) else "it ends in the middle of its header"
        raise _corrupt(fmt, detail) from None

    if info.format not in SUPPORTED_FORMATS:
        raise _unsupported(info.format, info)
    if info.pixels > max_pixels:
        raise _too_large(info, max_pixels)
    return info


def describe_animation(info):
    """Return the note the UI shows for an animated image, or None for a still one.

    Parameters
    ----------
    info : ImageInfo

    Returns
    -------
    str or None

    Examples
    --------
    >>> describe_animation(ImageInfo(format="GIF", width=8, height=8, frames=12, mode="P"))
    'Animated image (12 frames): the first frame was used.'
    >>> describe_animation(ImageInfo(format="PNG", width=8, height=8)) is None
    True
    """
    if not isinstance(info, ImageInfo):
        raise ArgumentTypeError(f"info must be an ImageInfo, got {type(info).__name__}")
    if info.frames <= 1:
        return None
    return f"Animated image ({info.frames} frames): the first frame was used."


# ---------------------------------------------------------------- input and errors

class _Damaged(Exception):
    """Raised by the readers: the header is invalid; the message says how (internal)."""


def _as_byte_view(data):
    """Return ``data`` as a flat memoryview of unsigned bytes, without copying."""
    try:
        view = memoryview(data)
    except TypeError:
        raise ArgumentTypeError(f"data must be bytes, bytearray or memoryview, got {type(data).__name__}") from None
    if not view.c_contiguous:
        raise InvalidArgumentError("data must be a contiguous buffer")
    if view.format != "B" or view.ndim != 1:
        view = view.cast("B")
    return view


def _format_name(fmt):
    return _FORMAT_NAMES.get(fmt, fmt)


def _corrupt(fmt, detail):
    name = _format_name(fmt)
    return CorruptImageError(f"This {name} file is damaged or incomplete: {detail}. {_RETRY}", format=fmt)


_UNSUPPORTED_MESSAGES = {
    "HEIC": "This is a HEIC photo, and your browser can't decode HEIC photos. Export it as JPEG first (on a Mac: open "
            "it in Preview, then File › Export › JPEG) and add that. To have an iPhone take JPEG photos: "
            "Settings › Camera › Formats › Most Compatible.",
    "HEIF": "This is a HEIF image, and your browser can't decode HEIF images. Export it as JPEG or PNG first, then "
            "add that.",
    "TIFF": "This is a TIFF file (the format of scanners and of most camera RAW files), and browsers can't decode "
            "TIFF. Save it as PNG or JPEG first (any image editor can), then add that.",
    "PSD": "This is a Photoshop document (PSD), and browsers can't decode PSD. Export it as PNG first (in Photoshop: "
           "File › Export › Quick Export as PNG), then add that.",
    "JPEG XL": "This is a JPEG XL image, and most browsers can't decode JPEG XL. Save it as JPEG or PNG first, then "
               "add that.",
    "JPEG 2000": "This is a JPEG 2000 image, and most browsers can't decode JPEG 2000. Save it as JPEG or PNG first, "
                 "then add that.",
    "CR3": "This is a Canon RAW photo (CR3), and browsers can't decode camera RAW files. Export it as JPEG from your "
           "photo software first, then add that.",
}


def _unsupported(fmt, info=None):
    return UnsupportedFormatError(_UNSUPPORTED_MESSAGES[fmt], format=fmt, info=info)


def _not_an_image(kind=None):
    if kind is None:
        return NotAnImageError(
            "This file is not an image Peel can read: it does not start like any image format. Peel reads "
            f"{_SUPPORTED_LIST} files; if this is an image in another format, open it in an image editor and "
            "save it as PNG or JPEG.")
    what, advice = _NOT_IMAGES[kind]
    return NotAnImageError(f"This is {what}, not an image. {advice}", kind=kind)


_ADD_IMAGE = f"Add a {_SUPPORTED_LIST} image instead."
_NOT_IMAGES = {
    "pdf": ("a PDF document", "Export the page you want as PNG or JPEG (or take a screenshot of it), then add that."),
    "postscript": ("a PostScript document", "Export it as PNG or JPEG first, then add that."),
    "zip": ("a ZIP archive (or a document stored as one, like .docx or .xlsx)",
            "If it holds images, unzip it and add the images inside."),
    "archive": ("a compressed archive", "If it holds images, extract it and add the images inside."),
    "svg": ("an SVG vector drawing", "Peel needs a bitmap image: export the drawing as PNG (from a vector editor, "
            "or open it in a browser and take a screenshot), then add that."),
    "html": ("a web page (HTML)", "It was probably saved with “Save page as”: open the page, right-click the "
             "picture, choose “Save image as…”, and add the image file you get."),
    "xml": ("an XML document", _ADD_IMAGE),
    "text": ("a text file", _ADD_IMAGE),
    "video": ("a video", "Take a screenshot of the frame you want (or export it as an image), then add that."),
    "audio": ("an audio file", _ADD_IMAGE),
}


def _too_large(info, max_pixels):
    width, height = info.display_width, info.display_height
    image_mp, limit_mp = _format_megapixels(info.pixels, max_pixels)
    # Largest size with the same aspect ratio that fits the limit.
    scale = math.sqrt(max_pixels / info.pixels)
    fit_width = max(1, math.floor(width * scale))
    fit_height = max(1, min(math.floor(height * scale), max_pixels // fit_width))
    message = (f"This image is {width} × {height} px = {image_mp} megapixels, more than the {limit_mp} megapixels "
               f"Peel handles here. Resize it to at most {limit_mp} megapixels (for example {fit_width} × "
               f"{fit_height} px) and add it again.")
    return ImageTooLargeError(message, width=width, height=height, max_pixels=max_pixels, info=info)


def _format_megapixels(pixels, limit):
    """Both counts in megapixels, with just enough decimals to tell them apart."""
    for decimals in range(1, 7):
        texts = [f"{count / 1e6:.{decimals}f}".rstrip("0").rstrip(".") for count in (pixels, limit)]
        if texts[0] != texts[1]:
            break
    return texts


# ---------------------------------------------------------------- sniffing

def _sniff(view):
    """Return ``(format, reader)`` for a supported image, or raise the error for anything else."""
    head = bytes(view[:32])
    size = len(view)
    for signature, fmt, reader in _SIGNATURES:
        if head.startswith(signature):
            return fmt, reader
        # Cut inside a binary signature ("GI" could be text, "\x89P" is not).
        if 2 <= size < len(signature) and signature.startswith(head) and signature[0] >= 0x80:
            raise _corrupt(fmt, "it ends in the middle of its header")
    if head[:4] == b"RIFF" and size >= 12:
        kind = head[8:12]
        if kind == b"WEBP":
            return "WEBP", _read_webp
        if kind == b"AVI ":
            raise _not_an_image("video")
        if kind == b"WAVE":
            raise _not_an_image("audio")
    if head[4:8] == b"ftyp":
        return _sniff_isobmff(view)
    if head[:2] == b"BM" and _looks_like_bmp(view):
        return "BMP", _read_bmp
    if head[:4] in (b"\0\0\1\0", b"\0\0\2\0") and size >= 6 and head[4:6] != b"\0\0":
        return ("ICO" if head[2] == 1 else "CUR"), _read_ico

    for signature, fmt in _UNSUPPORTED_SIGNATURES:
        if head.startswith(signature):
            raise _unsupported(fmt)
    for signature, kind in _OTHER_SIGNATURES:
        if head.startswith(signature):
            raise _not_an_image(kind)
    if b"%PDF-" in bytes(view[:1024]):  # the PDF header may follow some junk
        raise _not_an_image("pdf")
    raise _not_an_image(_sniff_text(bytes(view[:1024])))


_UNSUPPORTED_SIGNATURES = [
    (b"II*\0", "TIFF"), (b"MM\0*", "TIFF"), (b"II+\0", "TIFF"), (b"MM\0+", "TIFF"),
    (b"8BPS", "PSD"),
    (b"\xff\x0a", "JPEG XL"), (b"\0\0\0\x0cJXL \r\n\x87\n", "JPEG XL"),
    (b"\0\0\0\x0cjP  \r\n\x87\n", "JPEG 2000"), (b"\xff\x4f\xff\x51", "JPEG 2000"),
]

_OTHER_SIGNATURES = [
    (b"%PDF", "pdf"),
    (b"%!PS", "postscript"), (b"\xc5\xd0\xd3\xc6", "postscript"),
    (b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"), (b"PK\x07\x08", "zip"),
    (b"\x1f\x8b", "archive"), (b"7z\xbc\xaf\x27\x1c", "archive"), (b"Rar!\x1a\x07", "archive"),
    (b"\xfd7zXZ\0", "archive"), (b"BZh", "archive"),
    (b"\x1a\x45\xdf\xa3", "video"),  # Matroska, WebM
    (b"ID3", "audio"), (b"OggS", "audio"), (b"fLaC", "audio"),
]


def _looks_like_bmp(view):
    """``BM`` is a weak signature: also require a known DIB header size (or a file too short to tell)."""
    if len(view) < 18:
        return True
    (dib_size,) = struct.unpack_from("<I", view, 14)
    return dib_size in (12, 16, 40, 52, 56, 64, 108, 124)


def _sniff_text(head):
    """Name what a non-binary file looks like ("svg", "html", "xml", "text"), or None for binary bytes."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            text = head[len(bom):].decode(encoding, errors="ignore")
            break
    else:
        if b"\0" in head:
            return None
        # The 1024-byte prefix may end inside a multi-byte character.
        text = head.decode("utf-8", errors="ignore")
        if len(head) - len(text.encode("utf-8")) > 3:
            return None
    if any(ord(char) < 32 and char not in "\t\n\r\f" for char in text):
        return None
    start = text.lstrip().lower()
    if "<svg" in start:
        return "svg"
    if start.startswith(("<!doctype html", "<html", "<head", "<body")):
        return "html"
    if start.startswith("<?xml"):
        return "xml"
    return "text"


# ---------------------------------------------------------------- ISO base media (AVIF, HEIC)

_AVIF_BRANDS = {b"avif", b"avis"}
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}
_HEIF_BRANDS = {b"mif1", b"msf1", b"mif2", b"miaf"}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_ALPHA_URNS = {b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha", b"urn:mpeg:hevc:2015:auxid:1"}
# (imir axis or None, irot angle) -> EXIF orientation. MIAF 7.3.6.7: rotation first, then
# mirror. imir axis 0 exchanges top and bottom, 1 left and right (ISO/IEC 23008-12:2022);
# the same table as Chromium's AVIF decoder.
_HEIF_ORIENTATIONS = {
    (None, 0): 1, (None, 1): 8, (None, 2): 3, (None, 3): 6,
    (0, 0): 4, (0, 1): 5, (0, 2): 2, (0, 3): 7,
    (1, 0): 2, (1, 1): 7, (1, 2): 4, (1, 3): 5,
}


def _sniff_isobmff(view):
    """Tell AVIF from HEIC (and from MP4 videos) by the brands of the ``ftyp`` box."""
    try:
        (size,) = struct.unpack_from(">I", view, 0)
        brands = [bytes(view[8:12])]
        end = min(max(size, 16), len(view), 16 + 4 * 64)  # real files list a handful of brands
        brands += [bytes(view[offset:offset + 4]) for offset in range(16, end - 3, 4)]
    except struct.error:
        raise _not_an_image() from None
    major = brands[0]
    if major in _AVIF_BRANDS or (major not in _HEIC_BRANDS and _AVIF_BRANDS.intersection(brands)):
        return "AVIF", partial(_read_heif, fmt="AVIF")
    if _HEIC_BRANDS.intersection(brands):
        return "HEIC", partial(_read_heif, fmt="HEIC")
    if _HEIF_BRANDS.intersection(brands):
        return "HEIF", partial(_read_heif, fmt=None)
    if b"crx " in brands:
        raise _unsupported("CR3")
    raise _not_an_image("audio" if major in _AUDIO_BRANDS else "video")


def _iter_boxes(view, start, end):
    """Yield ``(type, body_start, box_end)`` for the boxes in ``view[start:end]``.

    ``box_end`` may lie beyond ``end`` when the data is cut short; callers that
    need the body check it.
    """
    pos = start
    for _ in range(_MAX_STEPS):
        if pos + 8 > end:
            return
        size, kind = struct.unpack_from(">I4s", view, pos)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", view, pos + 8)
            header = 16
        elif size == 0:  # the box runs to the end of its parent
            size = end - pos
        if size < header:
            raise _Damaged(f"a '{kind.decode('latin-1')}' box has an invalid size")
        yield kind, pos + header, pos + size
        pos += size
    raise _Damaged("it has too many boxes")


def _child_boxes(view, start, end):
    """Like :func:`_iter_boxes`, but a box cut short is damage."""
    for kind, body, box_end in _iter_boxes(view, start, end):
        if box_end > end:
            raise _Damaged("it ends in the middle of its header")
        yield kind, body, box_end


def _read_heif(view, fmt):
    """AVIF or HEIC/HEIF: size, orientation and depth of the primary item, frames of a sequence."""
    meta = track = None
    for kind, body, box_end in _iter_boxes(view, 0, len(view)):
        if kind == b"meta":
            if box_end > len(view):
                raise _Damaged("it ends in the middle of its header")
            meta = _read_heif_meta(view, body, box_end)
        elif kind == b"moov" and box_end <= len(view):
            try:
                track = _read_heif_track(view, body, box_end)
            except (_Damaged, struct.error, IndexError):
                track = None  # only the frame count is lost; the image items may be fine
    if meta is None and track is None:
        raise _Damaged("it has no readable image description ('meta' box)")

    if meta is not None:
        if fmt is None:  # a generic HEIF brand: the codec of the items decides
            fmt = "AVIF" if b"av01" in meta["types"] else "HEIC" if meta["types"] & {b"hvc1", b"hev1"} else "HEIF"
        width, height = meta["size"]
        orientation = _HEIF_ORIENTATIONS[meta["axis"], meta["angle"]]
        channels, depth, has_alpha = meta["channels"], meta["depth"], meta["alpha"]
    else:
        fmt = fmt or "HEIF"
        width, height = track["size"]
        orientation, channels, depth, has_alpha = 1, 3, None, track["alpha"]
    if width < 1 or height < 1:
        raise _Damaged(f"it declares an empty image ({width} × {height} px)")
    frames = track["frames"] if track is not None and track["frames"] > 1 else 1
    mode = ("L" if channels == 1 else "RGB") + ("A" if has_alpha else "")
    return ImageInfo(format=fmt, width=width, height=height, frames=frames, orientation=orientation, mode=mode,
                     bit_depth=depth, has_alpha=has_alpha)


def _read_heif_meta(view, start, end):
    """Parse a ``meta`` box (ISO/IEC 23008-12): the primary item and its properties."""
    primary = None
    types = {}        # item id -> item type
    properties = []   # (type, body_start, box_end), in 'ipco' order (indices start at 1)
    associations = {}  # item id -> [property index]
    for kind, body, box_end in _child_boxes(view, start + 4, end):  # meta is a FullBox
        box = view[body:box_end]
        if kind == b"pitm":
            primary = struct.unpack_from(">H" if box[0] == 0 else ">I", box, 4)[0]
        elif kind == b"iinf":
            first = 4 + (2 if box[0] == 0 else 4)
            for entry, entry_body, entry_end in _child_boxes(view, body + first, box_end):
                version = view[entry_body]
                if entry == b"infe" and version >= 2:
                    item_id, _protection, item_type = struct.unpack_from(
                        ">HH4s" if version == 2 else ">IH4s", view, entry_body + 4)
                    types[item_id] = item_type
        elif kind == b"iprp":
            for child, child_body, child_end in _child_boxes(view, body, box_end):
                if child == b"ipco":
                    properties = list(_child_boxes(view, child_body, child_end))
                elif child == b"ipma":
                    _read_ipma(view[child_body:child_end], associations)
    if primary is None:
        raise _Damaged("it does not say which image is the main one (no 'pitm' box)")

    info = {"types": set(types.values()), "size": None, "angle": 0, "axis": None, "channels": 3, "depth": None,
            "alpha": False}
    for index in associations.get(primary, ()):
        if not 1 <= index <= len(properties):
            continue
        kind, body, box_end = properties[index - 1]
        prop = view[body:box_end]
        if kind == b"ispe":
            info["size"] = struct.unpack_from(">II", prop, 4)
        elif kind == b"irot":
            info["angle"] = prop[0] & 3
        elif kind == b"imir":
            info["axis"] = prop[0] & 1
        elif kind == b"pixi":
            info["channels"] = prop[4]
            info["depth"] = info["depth"] or prop[5]
        elif kind == b"av1C":  # high_bitdepth, twelve_bit and monochrome flags
            flags = prop[2]
            info["depth"] = (12 if flags & 0x20 else 10) if flags & 0x40 else 8
            if flags & 0x10:
                info["channels"] = 1
    if info["size"] is None:
        raise _Damaged("it does not give the size of its main image (no 'ispe' property)")
    # Transparency is an auxiliary alpha image; any alpha 'auxC' property in the file counts.
    for kind, body, box_end in properties:
        if kind == b"auxC" and bytes(view[body + 4:box_end]).split(b"\0")[0] in _ALPHA_URNS:
            info["alpha"] = True
    return info


def _read_ipma(box, associations):
    """Parse an ``ipma`` box (item id -> property indices) into ``associations``."""
    version, _flags_high, flags_low, count = struct.unpack_from(">BBHI", box, 0)
    wide_index = flags_low & 1
    pos = 8
    for _ in range(min(count, _MAX_STEPS)):
        if version < 1:
            (item_id,) = struct.unpack_from(">H", box, pos)
            pos += 2
        else:
            (item_id,) = struct.unpack_from(">I", box, pos)
            pos += 4
        indices = associations.setdefault(item_id, [])
        for _ in range(box[pos]):
            if wide_index:
                indices.append(struct.unpack_from(">H", box, pos + 1)[0] & 0x7FFF)
                pos += 2
            else:
                indices.append(box[pos + 1] & 0x7F)
                pos += 1
        pos += 1


def _read_heif_track(view, start, end):
    """Parse a ``moov`` box: size and sample count of the first image track, alpha track."""
    found = None
    alpha = False
    for kind, body, box_end in _child_boxes(view, start, end):
        if kind != b"trak":
            continue
        boxes = dict((k, (b, e)) for k, b, e in _child_boxes(view, body, box_end))
        handler, frames = _read_media(view, *boxes.get(b"mdia", (0, 0)))
        if handler == b"auxv":
            alpha = True
        elif handler in (b"pict", b"vide") and found is None and b"tkhd" in boxes:
            tkhd = view[slice(*boxes[b"tkhd"])]
            offset = 76 if tkhd[0] == 0 else 88  # version 1 has 64-bit times
            width, height = struct.unpack_from(">II", tkhd, offset)
            found = {"size": (width >> 16, height >> 16), "frames": frames}  # 16.16 fixed point
    if found is None:
        return None
    found["alpha"] = alpha
    return found


def _read_media(view, start, end):
    """Return ``(handler type, sample count)`` of an ``mdia`` box."""
    handler, frames = None, 1
    for kind, body, box_end in _child_boxes(view, start, end):
        if kind == b"hdlr":
            handler = bytes(view[body + 8:body + 12])
        elif kind == b"minf":
            for child, child_body, child_end in _child_boxes(view, body, box_end):
                if child == b"stbl":
                    for table, table_body, _ in _child_boxes(view, child_body, child_end):
                        if table == b"stsz":
                            (frames,) = struct.unpack_from(">I", view, table_body + 8)
    return handler, frames


# ---------------------------------------------------------------- JPEG

# Start-of-frame markers: every SOFn except DHT (C4), JPG (C8) and DAC (CC).
_SOF_MARKERS = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# A marker: 0xFF then a byte that is neither 0x00 (a stuffed 0xFF) nor 0xFF (fill). Searching
# for the pair is linear whatever the bytes (each try fails within two bytes), and the last
# 0xFF of a fill run is the one that matches.
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xff]")


def _next_jpeg_marker(view, pos):
    """Return ``(marker, position after it)``, or ``(None, len(view))`` at the end.

    Like libjpeg, stray bytes and 0xFF fill bytes before a marker are skipped.
    """
    found = _JPEG_MARKER.search(view, pos)
    if found is None:
        return None, len(view)
    return view[found.start() + 1], found.end()
_JPEG_MODES = {1: "L", 3: "RGB", 4: "CMYK"}


def _read_jpeg(view):
    """Walk the JPEG markers up to the first scan: SOFn gives the size, APP1 Exif the orientation."""
    size = len(view)
    pos = 2
    frame = None
    orientation = None
    for _ in range(_MAX_STEPS):
        marker, pos = _next_jpeg_marker(view, pos)
        if marker is None:
            break
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # TEM, RSTn, SOI: no length
            continue
        if marker == 0xD9:  # EOI
            raise _Damaged("it has no image data")
        if marker == 0xDA:  # SOS: the image data starts
            if frame is None:
                raise _Damaged("its image data starts before its size is given")
            break
        (length,) = struct.unpack_from(">H", view, pos)
        if length < 2:
            raise _Damaged(f"a marker segment has an invalid length ({length})")
        if marker in _SOF_MARKERS and frame is None:
            frame = struct.unpack_from(">BHHB", view, pos + 2)
        elif marker == 0xE1 and orientation is None and bytes(view[pos + 2:pos + 8]) == b"Exif\0\0":
            orientation = _read_exif_orientation(view[pos + 8:pos + length])
        pos += length
    else:
        raise _Damaged("it has too many segments before its image data")
    if frame is None:
        raise _Damaged("it ends before its image size is given")
    if pos >= size:
        raise _Damaged("it ends before its image data")
    precision, height, width, components = frame
    if width == 0 or height == 0:
        raise _Damaged(f"it declares an empty image ({width} × {height} px)")
    if components not in _JPEG_MODES:
        raise _Damaged(f"it declares {components} colour components")
    return ImageInfo(format="JPEG", width=width, height=height, orientation=orientation or 1,
                     mode=_JPEG_MODES[components], bit_depth=precision)


def _read_exif_orientation(tiff):
    """Return the Orientation tag (1–8) of IFD0 of an Exif TIFF block, 1 when absent or invalid.

    Damaged Exif is not an error: browsers ignore it and so do we.
    """
    try:
        order = {b"II": "<", b"MM": ">"}[bytes(tiff[:2])]
        magic, ifd = struct.unpack_from(order + "HI", tiff, 2)
        if magic != 42:
            return 1
        (count,) = struct.unpack_from(order + "H", tiff, ifd)
        for entry in range(ifd + 2, ifd + 2 + 12 * count, 12):
            tag, kind = struct.unpack_from(order + "HH", tiff, entry)
            if tag == 0x0112:
                value = struct.unpack_from(order + ("I" if kind == 4 else "H"), tiff, entry + 8)[0]
                return value if 1 <= value <= 8 else 1
    except (KeyError, struct.error, IndexError):
        pass
    return 1


# ---------------------------------------------------------------- PNG

# Colour type -> (mode, allowed bit depths).
_PNG_COLOUR_TYPES = {0: ("L", (1, 2, 4, 8, 16)), 2: ("RGB", (8, 16)), 3: ("P", (1, 2, 4, 8)),
                     4: ("LA", (8, 16)), 6: ("RGBA", (8, 16))}


def _read_png(view):
    """IHDR gives size and mode; the chunks before the first IDAT give tRNS, acTL (APNG) and eXIf."""
    length, kind = struct.unpack_from(">I4s", view, 8)
    if kind != b"IHDR" or length != 13:
        raise _Damaged("it does not start with its header chunk (IHDR)")
    width, height, depth, colour, _compression, _filter, _interlace = struct.unpack_from(">IIBBBBB", view, 16)
    if colour not in _PNG_COLOUR_TYPES or depth not in _PNG_COLOUR_TYPES[colour][1]:
        raise _Damaged(f"its header declares an invalid colour type/bit depth ({colour}/{depth})")
    if not (1 <= width < 2**31 and 1 <= height < 2**31):
        raise _Damaged(f"it declares an invalid size ({width} × {height} px)")
    mode = _PNG_COLOUR_TYPES[colour][0]
    has_alpha = colour in (4, 6)
    frames, orientation = 1, 1
    pos = 33
    for _ in range(_MAX_STEPS):
        length, kind = struct.unpack_from(">I4s", view, pos)
        if kind == b"IDAT":
            break
        if kind == b"IEND":
            raise _Damaged("it has no image data")
        if length >= 2**31 or pos + 12 + length > len(view):
            raise _Damaged(f"its '{kind.decode('latin-1')}' chunk is cut short or invalid")
        if kind == b"tRNS":
            has_alpha = True
        elif kind == b"acTL":
            (frames,) = struct.unpack_from(">I", view, pos + 8)
        elif kind == b"eXIf":
            orientation = _read_exif_orientation(view[pos + 8:pos + 8 + length])
        pos += 12 + length
    else:
        raise _Damaged("it has too many chunks before its image data")
    return ImageInfo(format="PNG", width=width, height=height, frames=max(frames, 1), orientation=orientation,
                     mode=mode, bit_depth=depth, has_alpha=has_alpha)


# ---------------------------------------------------------------- GIF

def _read_gif(view):
    """Logical screen descriptor, then every block (hopping over image data) to count the frames."""
    version, width, height, flags = struct.unpack_from("<6sHHB", view, 0)
    if version not in (b"GIF87a", b"GIF89a"):
        raise _Damaged(f"its version {version[3:].decode('latin-1')!r} is unknown")
    depth = (flags & 7) + 1
    pos = 13 + (3 << depth if flags & 0x80 else 0)
    size = len(view)
    frames = 0
    transparent = False  # set by a graphic control extension, for the next image
    has_alpha = False
    steps = 0  # past _MAX_GIF_BLOCKS, the frames counted so far are a lower bound
    try:
        while pos < size and steps < _MAX_GIF_BLOCKS:
            block = view[pos]
            if block == 0x3B:  # trailer
                break
            if block == 0x21:  # extension: label, then data sub-blocks
                if view[pos + 1] == 0xF9 and frames == 0:
                    transparent = bool(view[pos + 3] & 1)
                pos += 2
            elif block == 0x2C:  # image descriptor, optional local colour table, LZW code size
                _left, _top, frame_width, frame_height, frame_flags = struct.unpack_from("<HHHHB", view, pos + 1)
                if frames == 0:
                    if frame_flags & 0x80:
                        depth = (frame_flags & 7) + 1
                    # Like Chromium, grow a logical screen smaller than the first frame.
                    width, height = max(width, frame_width), max(height, frame_height)
                    has_alpha = transparent or (frame_width, frame_height) != (width, height)
                frames += 1
                pos += 11 + (3 << (frame_flags & 7) + 1 if frame_flags & 0x80 else 0)
            else:
                if frames == 0:
                    raise _Damaged(f"it has an unknown block (0x{block:02X}) before its first image")
                break  # trailing garbage: browsers show the frames before it
            # Data sub-blocks: a length byte, that many bytes, until a zero length.
            while pos < size and steps < _MAX_GIF_BLOCKS:
                steps += 1
                length = view[pos]
                pos += 1 + length
                if length == 0:
                    break
    except (IndexError, struct.error):
        if frames == 0:
            raise
        # Cut after the first frame: browsers show the frames they got.
    if frames == 0:
        raise _Damaged("it ends before its first image")
    if width == 0 or height == 0:
        raise _Damaged(f"it declares an empty image ({width} × {height} px)")
    return ImageInfo(format="GIF", width=width, height=height, frames=frames, mode="P", bit_depth=depth,
                     has_alpha=has_alpha)


# ---------------------------------------------------------------- WebP

def _read_webp(view):
    """RIFF header and the first chunk: VP8 (lossy), VP8L (lossless) or VP8X (extended)."""
    (riff_size,) = struct.unpack_from("<I", view, 4)
    if len(view) < 8 + riff_size:
        # Chromium's demuxer refuses a WebP whose RIFF is incomplete.
        raise _Damaged(f"it is cut short ({len(view)} of {8 + riff_size} bytes)")
    kind, _length = struct.unpack_from("<4sI", view, 12)
    frames, has_alpha = 1, False
    if kind == b"VP8 ":
        start_code, width, height = struct.unpack_from("<3sHH", view, 23)
        if start_code != b"\x9d\x01\x2a":
            raise _Damaged("its lossy image header is invalid")
        width, height = width & 0x3FFF, height & 0x3FFF
    elif kind == b"VP8L":
        signature, bits = struct.unpack_from("<BI", view, 20)
        if signature != 0x2F or bits >> 29:
            raise _Damaged("its lossless image header is invalid")
        width, height = (bits & 0x3FFF) + 1, (bits >> 14 & 0x3FFF) + 1
        has_alpha = bool(bits >> 28 & 1)
    elif kind == b"VP8X":
        flags = view[20]
        width = int.from_bytes(view[24:27], "little") + 1
        height = int.from_bytes(view[27:30], "little") + 1
        has_alpha = bool(flags & 0x10)
        if flags & 0x02:  # animation: count the ANMF chunks
            frames = 0
            end = 8 + riff_size
            pos = 30
            for _ in range(_MAX_STEPS):  # past it, a lower bound
                if pos + 8 > end:
                    break
                chunk, length = struct.unpack_from("<4sI", view, pos)
                frames += chunk == b"ANMF"
                pos += 8 + length + (length & 1)
            frames = max(frames, 1)
    else:
        raise _Damaged(f"its first chunk ('{kind.decode('latin-1')}') is not an image")
    if width == 0 or height == 0:
        raise _Damaged(f"it declares an empty image ({width} × {height} px)")
    return ImageInfo(format="WEBP", width=width, height=height, frames=frames, mode="RGBA" if has_alpha else "RGB",
                     has_alpha=has_alpha)


# ---------------------------------------------------------------- BMP and ICO

def _read_bmp(view):
    """BITMAPFILEHEADER (14 bytes), then the DIB header."""
    return _read_dib(view, 14, "BMP")


def _read_dib(view, start, fmt, icon=False):
    """Read the DIB header at ``start``: a BMP's after its file header, or an icon's bitmap."""
    (dib_size,) = struct.unpack_from("<I", view, start)
    if dib_size == 12:  # OS/2 BITMAPCOREHEADER: 16-bit sizes
        width, height, _planes, bpp = struct.unpack_from("<HHHH", view, start + 4)
        compression = 0
    elif dib_size >= 16:
        width, height, _planes, bpp = struct.unpack_from("<iiHH", view, start + 4)
        compression = struct.unpack_from("<I", view, start + 16)[0] if dib_size >= 20 else 0
    else:
        raise _Damaged(f"its header has an unknown size ({dib_size} bytes)")
    height = abs(height)  # negative: rows stored top-down
    if icon:
        height //= 2  # the height counts the colour and the transparency masks
    if width <= 0 or height == 0:
        raise _Damaged(f"it declares an invalid size ({width} × {height} px)")
    if bpp not in (1, 2, 4, 8, 16, 24, 32, 64):
        raise _Damaged(f"it declares {bpp} bits per pixel")
    has_alpha = icon
    if bpp == 32 and not icon:
        # An alpha mask: in the header from BITMAPV3INFOHEADER on, or right after it with
        # BI_ALPHABITFIELDS (6).
        if dib_size >= 56 and compression in (3, 6):
            has_alpha = struct.unpack_from("<I", view, start + 52)[0] != 0
        elif compression == 6:
            has_alpha = struct.unpack_from("<I", view, start + dib_size + 12)[0] != 0
    if bpp <= 8:
        mode, depth = "P", bpp
    else:
        mode, depth = ("RGBA" if has_alpha else "RGB"), 8
    return ImageInfo(format=fmt, width=width, height=height, mode=mode, bit_depth=depth, has_alpha=has_alpha)


def _read_ico(view):
    """ICONDIR and its entries; the largest icon is the one decoded (as Chromium does)."""
    fmt = "ICO" if view[2] == 1 else "CUR"
    (count,) = struct.unpack_from("<H", view, 4)
    best = None
    for entry in range(6, 6 + 16 * count, 16):
        width, height, _colours, _reserved, _planes, bpp, length, offset = struct.unpack_from(
            "<BBBBHHII", view, entry)
        width, height = width or 256, height or 256
        key = (width * height, bpp if fmt == "ICO" else 0)
        if best is None or key > best[0]:
            best = (key, width, height, offset, length)
    _, width, height, offset, length = best
    # The directory's sizes stop at 256: the embedded image tells the real size.
    image = view[offset:offset + length]
    if len(image) < 16:
        raise _Damaged("its largest icon is cut short")
    if bytes(image[:8]) == b"\x89PNG\r\n\x1a\n":
        info = _read_png(image)
    else:
        info = _read_dib(image, 0, fmt, icon=True)
    return ImageInfo(format=fmt, width=info.width, height=info.height, mode=info.mode, bit_depth=info.bit_depth,
                     has_alpha=info.has_alpha)


# ---------------------------------------------------------------- signatures

# Strong signatures of the supported formats (RIFF/WebP, ISO media, BMP and ICO need more
# than a prefix and are told apart in _sniff).
_SIGNATURES = [
    (b"\xff\xd8\xff", "JPEG", _read_jpeg),
    (b"\x89PNG\r\n\x1a\n", "PNG", _read_png),
    (b"GIF8", "GIF", _read_gif),
]
