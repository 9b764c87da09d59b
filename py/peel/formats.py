"""What each image format's header says: size, frames, orientation, colour model (readers for
:func:`peel.header.inspect_image`).

Every reader takes the whole file as a flat memoryview of bytes, hops from header to header
(never through pixel data) and returns an :class:`ImageInfo`, or raises :class:`Damaged` (or
``struct.error``/``IndexError`` for a header cut short), which ``inspect_image`` turns into a
``corrupt-image`` error.
"""

import re
import struct
from dataclasses import dataclass

__all__ = ["ImageInfo", "Damaged", "read_heif", "read_jpeg", "read_png", "read_gif", "read_webp", "read_bmp",
           "read_ico"]

# Most hops (JPEG segments, PNG/WebP chunks, ISO boxes) a reader makes. Real files need at most
# a few hundred; crafted ones could need millions, each a Python-level step, so the walk
# stops here (~0.1 s natively at worst). GIF data sub-blocks have their own, larger budget:
# a real 20 MB GIF has ~80 000 of them.
_MAX_STEPS = 100_000
_MAX_GIF_BLOCKS = 1_000_000


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


class Damaged(Exception):
    """Raised by the readers: the header is invalid; the message says how."""


# ---------------------------------------------------------------- ISO base media (AVIF, HEIC)

_ALPHA_URNS = {b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha", b"urn:mpeg:hevc:2015:auxid:1"}
# (imir axis or None, irot angle) -> EXIF orientation. MIAF 7.3.6.7: rotation first, then
# mirror. imir axis 0 exchanges top and bottom, 1 left and right (ISO/IEC 23008-12:2022);
# the same table as Chromium's AVIF decoder.
_HEIF_ORIENTATIONS = {
    (None, 0): 1, (None, 1): 8, (None, 2): 3, (None, 3): 6,
    (0, 0): 4, (0, 1): 5, (0, 2): 2, (0, 3): 7,
    (1, 0): 2, (1, 1): 7, (1, 2): 4, (1, 3): 5,
}


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
            raise Damaged(f"a '{kind.decode('latin-1')}' box has an invalid size")
        yield kind, pos + header, pos + size
        pos += size
    raise Damaged("it has too many boxes")


def _child_boxes(view, start, end):
    """Like :func:`_iter_boxes`, but a box cut short is damage."""
    for kind, body, box_end in _iter_boxes(view, start, end):
        if box_end > end:
            raise Damaged("it ends in the middle of its header")
        yield kind, body, box_end


def read_heif(view, fmt):
    """AVIF or HEIC/HEIF: size, orientation and depth of the primary item, frames of a sequence."""
    meta = track = None
    for kind, body, box_end in _iter_boxes(view, 0, len(view)):
        if kind == b"meta":
            if box_end > len(view):
                raise Damaged("it ends in the middle of its header")
            meta = _read_heif_meta(view, body, box_end)
        elif kind == b"moov" and box_end <= len(view):
            try:
                track = _read_heif_track(view, body, box_end)
            except (Damaged, struct.error, IndexError):
                track = None  # only the frame count is lost; the image items may be fine
    if meta is None and track is None:
        raise Damaged("it has no readable image description ('meta' box)")

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
        raise Damaged(f"it declares an empty image ({width} × {height} px)")
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
        raise Damaged("it does not say which image is the main one (no 'pitm' box)")

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
        raise Damaged("it does not give the size of its main image (no 'ispe' property)")
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


def read_jpeg(view):
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
            raise Damaged("it has no image data")
        if marker == 0xDA:  # SOS: the image data starts
            if frame is None:
                raise Damaged("its image data starts before its size is given")
            break
        (length,) = struct.unpack_from(">H", view, pos)
        if length < 2:
            raise Damaged(f"a marker segment has an invalid length ({length})")
        if marker in _SOF_MARKERS and frame is None:
            frame = struct.unpack_from(">BHHB", view, pos + 2)
        elif marker == 0xE1 and orientation is None and bytes(view[pos + 2:pos + 8]) == b"Exif\0\0":
            orientation = _read_exif_orientation(view[pos + 8:pos + length])
        pos += length
    else:
        raise Damaged("it has too many segments before its image data")
    if frame is None:
        raise Damaged("it ends before its image size is given")
    if pos >= size:
        raise Damaged("it ends before its image data")
    precision, height, width, components = frame
    if width == 0 or height == 0:
        raise Damaged(f"it declares an empty image ({width} × {height} px)")
    if components not in _JPEG_MODES:
        raise Damaged(f"it declares {components} colour components")
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


def read_png(view):
    """IHDR gives size and mode; the chunks before the first IDAT give tRNS, acTL (APNG) and eXIf."""
    length, kind = struct.unpack_from(">I4s", view, 8)
    if kind != b"IHDR" or length != 13:
        raise Damaged("it does not start with its header chunk (IHDR)")
    width, height, depth, colour, _compression, _filter, _interlace = struct.unpack_from(">IIBBBBB", view, 16)
    if colour not in _PNG_COLOUR_TYPES or depth not in _PNG_COLOUR_TYPES[colour][1]:
        raise Damaged(f"its header declares an invalid colour type/bit depth ({colour}/{depth})")
    if not (1 <= width < 2**31 and 1 <= height < 2**31):
        raise Damaged(f"it declares an invalid size ({width} × {height} px)")
    mode = _PNG_COLOUR_TYPES[colour][0]
    has_alpha = colour in (4, 6)
    frames, orientation = 1, 1
    pos = 33
    for _ in range(_MAX_STEPS):
        length, kind = struct.unpack_from(">I4s", view, pos)
        if kind == b"IDAT":
            break
        if kind == b"IEND":
            raise Damaged("it has no image data")
        if length >= 2**31 or pos + 12 + length > len(view):
            raise Damaged(f"its '{kind.decode('latin-1')}' chunk is cut short or invalid")
        if kind == b"tRNS":
            has_alpha = True
        elif kind == b"acTL":
            (frames,) = struct.unpack_from(">I", view, pos + 8)
        elif kind == b"eXIf":
            orientation = _read_exif_orientation(view[pos + 8:pos + 8 + length])
        pos += 12 + length
    else:
        raise Damaged("it has too many chunks before its image data")
    return ImageInfo(format="PNG", width=width, height=height, frames=max(frames, 1), orientation=orientation,
                     mode=mode, bit_depth=depth, has_alpha=has_alpha)


# ---------------------------------------------------------------- GIF

def read_gif(view):
    """Logical screen descriptor, then every block (hopping over image data) to count the frames."""
    version, width, height, flags = struct.unpack_from("<6sHHB", view, 0)
    if version not in (b"GIF87a", b"GIF89a"):
        raise Damaged(f"its version {version[3:].decode('latin-1')!r} is unknown")
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
                    raise Damaged(f"it has an unknown block (0x{block:02X}) before its first image")
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
        raise Damaged("it ends before its first image")
    if width == 0 or height == 0:
        raise Damaged(f"it declares an empty image ({width} × {height} px)")
    return ImageInfo(format="GIF", width=width, height=height, frames=frames, mode="P", bit_depth=depth,
                     has_alpha=has_alpha)


# ---------------------------------------------------------------- WebP

def read_webp(view):
    """RIFF header and the first chunk: VP8 (lossy), VP8L (lossless) or VP8X (extended)."""
    (riff_size,) = struct.unpack_from("<I", view, 4)
    if len(view) < 8 + riff_size:
        # Chromium's demuxer refuses a WebP whose RIFF is incomplete.
        raise Damaged(f"it is cut short ({len(view)} of {8 + riff_size} bytes)")
    kind, _length = struct.unpack_from("<4sI", view, 12)
    frames, has_alpha = 1, False
    if kind == b"VP8 ":
        start_code, width, height = struct.unpack_from("<3sHH", view, 23)
        if start_code != b"\x9d\x01\x2a":
            raise Damaged("its lossy image header is invalid")
        width, height = width & 0x3FFF, height & 0x3FFF
    elif kind == b"VP8L":
        signature, bits = struct.unpack_from("<BI", view, 20)
        if signature != 0x2F or bits >> 29:
            raise Damaged("its lossless image header is invalid")
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
        raise Damaged(f"its first chunk ('{kind.decode('latin-1')}') is not an image")
    if width == 0 or height == 0:
        raise Damaged(f"it declares an empty image ({width} × {height} px)")
    return ImageInfo(format="WEBP", width=width, height=height, frames=frames, mode="RGBA" if has_alpha else "RGB",
                     has_alpha=has_alpha)


# ---------------------------------------------------------------- BMP and ICO

def read_bmp(view):
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
        raise Damaged(f"its header has an unknown size ({dib_size} bytes)")
    height = abs(height)  # negative: rows stored top-down
    if icon:
        height //= 2  # the height counts the colour and the transparency masks
    if width <= 0 or height == 0:
        raise Damaged(f"it declares an invalid size ({width} × {height} px)")
    if bpp not in (1, 2, 4, 8, 16, 24, 32, 64):
        raise Damaged(f"it declares {bpp} bits per pixel")
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


def read_ico(view):
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
        raise Damaged("its largest icon is cut short")
    if bytes(image[:8]) == b"\x89PNG\r\n\x1a\n":
        info = read_png(image)
    else:
        info = _read_dib(image, 0, fmt, icon=True)
    return ImageInfo(format=fmt, width=info.width, height=info.height, mode=info.mode, bit_depth=info.bit_depth,
                     has_alpha=info.has_alpha)
