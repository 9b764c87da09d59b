"""Read an image file's header, and refuse bad files before anything is decoded.

:func:`inspect_image` looks at the first bytes of a file (and hops from header to
header, never through pixel data) to tell what the file is: its format, stored
size, number of frames, EXIF orientation, colour mode and bit depth. Files that
cannot give a usable image are refused with a typed error whose ``code`` the UI
maps to a message: ``empty-file``, ``not-an-image``, ``unsupported-format``,
``corrupt-image`` and ``too-large`` (see :mod:`peel.errors`).

Every format is parsed (in :mod:`peel.formats`) with :mod:`struct` rather than with Pillow's lazy
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
import struct
from functools import partial

from .errors import (ArgumentTypeError, CorruptImageError, EmptyFileError, ImageTooLargeError, InvalidArgumentError,
                     NotAnImageError, UnsupportedFormatError)
from .formats import Damaged, ImageInfo, read_bmp, read_gif, read_heif, read_ico, read_jpeg, read_png, read_webp

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
_RETRY = ("It may not have finished downloading or copying: get the file again, or open it in an image editor and "
          "save it again.")


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
    except (Damaged, struct.error, IndexError) as error:
        if fmt not in SUPPORTED_FORMATS:  # a HEIC that says no more is still a HEIC
            raise _unsupported(fmt) from None
        detail = str(error) if isinstance(error, Damaged) else "it ends in the middle of its header"
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
            return "WEBP", read_webp
        if kind == b"AVI ":
            raise _not_an_image("video")
        if kind == b"WAVE":
            raise _not_an_image("audio")
    if head[4:8] == b"ftyp":
        return _sniff_isobmff(view)
    if head[:2] == b"BM" and _looks_like_bmp(view):
        return "BMP", read_bmp
    if head[:4] in (b"\0\0\1\0", b"\0\0\2\0") and size >= 6 and head[4:6] != b"\0\0":
        return ("ICO" if head[2] == 1 else "CUR"), read_ico

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
        return "AVIF", partial(read_heif, fmt="AVIF")
    if _HEIC_BRANDS.intersection(brands):
        return "HEIC", partial(read_heif, fmt="HEIC")
    if _HEIF_BRANDS.intersection(brands):
        return "HEIF", partial(read_heif, fmt=None)
    if b"crx " in brands:
        raise _unsupported("CR3")
    raise _not_an_image("audio" if major in _AUDIO_BRANDS else "video")


# ---------------------------------------------------------------- signatures

# Strong signatures of the supported formats (RIFF/WebP, ISO media, BMP and ICO need more
# than a prefix and are told apart in _sniff).
_SIGNATURES = [
    (b"\xff\xd8\xff", "JPEG", read_jpeg),
    (b"\x89PNG\r\n\x1a\n", "PNG", read_png),
    (b"GIF8", "GIF", read_gif),
]
