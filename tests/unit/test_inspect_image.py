"""inspect_image: formats, sizes, orientation, frames, limits and every kind of bad file.

Every input is made here, with Pillow or byte by byte (ISO boxes for AVIF/HEIC, which
Pillow 10.2 cannot write). Where Pillow can read the file, it is the oracle for size,
frames and mode.
"""

import io
import re
import struct
import time
import tracemalloc
import zipfile
import zlib
from array import array

import numpy as np
import pytest
from PIL import Image, ImageOps

from peel import errors
from peel.errors import (ArgumentTypeError, CorruptImageError, EmptyFileError, ImageTooLargeError,
                         InvalidArgumentError, InvalidImageError, NotAnImageError, PeelError, UnsupportedFormatError)
from peel.header import DEFAULT_MAX_PIXELS, SUPPORTED_FORMATS, ImageInfo, describe_animation, inspect_image

# ---------------------------------------------------------------- builders


def encode(image, fmt, **params):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def picture(size=(40, 30), mode="RGB", seed=0):
    """Noise in ``mode``; RGBA noise has alpha from 0 to 255."""
    width, height = size
    rgba = np.random.default_rng(seed).integers(0, 256, (height, width, 4), dtype=np.uint8)
    return Image.fromarray(rgba, "RGBA").convert(mode)


def frames_of(count, size=(40, 30), mode="RGB"):
    return [picture(size, mode, seed=index) for index in range(count)]


def png_chunk(kind, data=b""):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_png(width, height, *, depth=8, colour=2, before=(), after=(), idat=None):
    """A PNG with a valid IHDR and CRCs; the IDAT is tiny unless given (header tests only)."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    idat = zlib.compress(bytes(16)) if idat is None else idat
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + b"".join(before) + png_chunk(b"IDAT", idat)
            + b"".join(after) + png_chunk(b"IEND"))


def exif_block(orientation, order="<", kind=3):
    """A minimal Exif TIFF block with the Orientation tag in IFD0."""
    magic = b"II" if order == "<" else b"MM"
    value = struct.pack(order + ("I" if kind == 4 else "HH"), orientation, *(() if kind == 4 else (0,)))
    return magic + struct.pack(order + "HIH", 42, 8, 1) + struct.pack(order + "HHI", 0x0112, kind, 1) + value \
        + struct.pack(order + "I", 0)


def patch_jpeg_size(jpeg, width, height):
    """Rewrite the SOF0 size of a baseline JPEG made by Pillow (the pixels stay as they are)."""
    sof = jpeg.index(b"\xff\xc0")
    return jpeg[:sof + 5] + struct.pack(">HH", height, width) + jpeg[sof + 9:]


def box(kind, *payload):
    data = b"".join(payload)
    return struct.pack(">I4s", 8 + len(data), kind) + data


def full_box(kind, version, flags, *payload):
    return box(kind, struct.pack(">I", version << 24 | flags), *payload)


def ispe(width, height):
    return full_box(b"ispe", 0, 0, struct.pack(">II", width, height))


def av1c(high=0, twelve=0, mono=0):
    return box(b"av1C", bytes([0x81, 0x00, high << 6 | twelve << 5 | mono << 4 | 0x0C, 0x00]))


def pixi(channels, bits):
    return full_box(b"pixi", 0, 0, bytes([channels] + [bits] * channels))


def auxc(urn=b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha"):
    return full_box(b"auxC", 0, 0, urn + b"\0")


def track(handler=b"pict", frames=1, width=64, height=48, tkhd_version=0):
    times = bytes(20 if tkhd_version == 0 else 32)
    size = struct.pack(">II", width << 16, height << 16)  # 16.16 fixed point
    tkhd = full_box(b"tkhd", tkhd_version, 3, times, bytes(16), bytes(36), size)
    hdlr = full_box(b"hdlr", 0, 0, bytes(4), handler, bytes(12), b"\0")
    stsz = full_box(b"stsz", 0, 0, struct.pack(">II", 0, frames))
    return box(b"trak", tkhd, box(b"mdia", hdlr, box(b"minf", box(b"stbl", stsz))))


def heif(brands=(b"avif", b"mif1", b"miaf"), items=((1, b"av01"),), properties=None, associations=None, primary=1,
         tracks=(), meta=True, ipma_version=0, ipma_flags=0):
    """An AVIF/HEIF file: ftyp, meta (hdlr, pitm, iinf, iprp), optional moov, a dummy mdat."""
    properties = [ispe(64, 48), av1c()] if properties is None else properties
    associations = {1: [1, 2]} if associations is None else associations
    ftyp = box(b"ftyp", brands[0], bytes(4), *brands)
    parts = [ftyp]
    if meta:
        hdlr = full_box(b"hdlr", 0, 0, bytes(4), b"pict", bytes(12), b"\0")
        pitm = full_box(b"pitm", 0, 0, struct.pack(">H", primary))
        infes = [full_box(b"infe", 2, 0, struct.pack(">HH4s", item, 0, kind), b"\0") for item, kind in items]
        iinf = full_box(b"iinf", 0, 0, struct.pack(">H", len(infes)), *infes)
        entries = []
        for item, indices in associations.items():
            entry = struct.pack(">H" if ipma_version == 0 else ">I", item) + bytes([len(indices)])
            for index in indices:  # essential bit set, to check it is masked off
                entry += struct.pack(">H", 0x8000 | index) if ipma_flags & 1 else bytes([0x80 | index])
            entries.append(entry)
        ipma = full_box(b"ipma", ipma_version, ipma_flags, struct.pack(">I", len(entries)), *entries)
        iprp = box(b"iprp", box(b"ipco", *properties), ipma)
        parts.append(full_box(b"meta", 0, 0, hdlr, pitm, iinf, iprp))
    if tracks:
        parts.append(box(b"moov", *tracks))
    parts.append(box(b"mdat", bytes(64)))
    return b"".join(parts)


def bmp_v5_rgba(width=3, height=2):
    """A 32-bit BI_BITFIELDS BMP with a BITMAPV5HEADER and an alpha mask (Pillow writes none)."""
    pixels = bytes(range(width * height * 4))
    header = struct.pack("<IiiHHIIiiII", 124, width, height, 1, 32, 3, len(pixels), 2835, 2835, 0, 0)
    header += struct.pack("<IIII", 0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000) + b"BGRs" + bytes(124 - 56)
    offset = 14 + len(header)
    return b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + header + pixels


# ---------------------------------------------------------------- files Pillow can read

RGBA = picture(mode="RGBA")
RGB = picture()
APNG_FRAMES = frames_of(3)
GIF_FRAMES = frames_of(4, mode="P")

# name -> (bytes factory, expected fields beyond what Pillow tells)
CASES = {
    "jpeg-baseline": (lambda: encode(RGB, "JPEG"), dict(mode="RGB", bit_depth=8)),
    "jpeg-progressive": (lambda: encode(RGB, "JPEG", progressive=True), dict(mode="RGB")),
    "jpeg-cmyk": (lambda: encode(RGB.convert("CMYK"), "JPEG"), dict(mode="CMYK")),
    "jpeg-grey": (lambda: encode(RGB.convert("L"), "JPEG"), dict(mode="L")),
    "jpeg-1x1": (lambda: encode(picture((1, 1)), "JPEG"), dict(width=1, height=1)),
    "jpeg-1x10000": (lambda: encode(picture((1, 10000)), "JPEG"), dict(width=1, height=10000)),
    "jpeg-10000x1": (lambda: encode(picture((10000, 1)), "JPEG"), dict(width=10000, height=1)),
    "png-rgb": (lambda: encode(RGB, "PNG"), dict(mode="RGB", bit_depth=8, has_alpha=False)),
    "png-rgba": (lambda: encode(RGBA, "PNG"), dict(mode="RGBA", has_alpha=True)),
    "png-grey": (lambda: encode(RGB.convert("L"), "PNG"), dict(mode="L", bit_depth=8)),
    "png-1bit": (lambda: encode(RGB.convert("1"), "PNG"), dict(mode="L", bit_depth=1)),
    "png-grey16": (lambda: encode(Image.fromarray(np.arange(1200, dtype=np.uint16).reshape(30, 40) * 50), "PNG"),
                   dict(mode="L", bit_depth=16)),
    "png-grey-alpha": (lambda: encode(RGBA.convert("LA"), "PNG"), dict(mode="LA", has_alpha=True)),
    "png-palette-trns": (lambda: encode(RGB.convert("P"), "PNG", transparency=0),
                         dict(mode="P", has_alpha=True)),
    "png-palette": (lambda: encode(RGB.convert("P"), "PNG"), dict(mode="P", has_alpha=False)),
    "png-grey-trns": (lambda: encode(RGB.convert("L"), "PNG", transparency=7), dict(mode="L", has_alpha=True)),
    "png-1x1": (lambda: encode(picture((1, 1)), "PNG"), dict(width=1, height=1)),
    "png-1x10000": (lambda: encode(picture((1, 10000)), "PNG"), dict(width=1, height=10000)),
    "apng": (lambda: encode(APNG_FRAMES[0], "PNG", save_all=True, append_images=APNG_FRAMES[1:]), dict(frames=3)),
    "gif": (lambda: encode(RGB, "GIF"), dict(mode="P", frames=1, bit_depth=8)),
    "gif-animated": (lambda: encode(GIF_FRAMES[0], "GIF", save_all=True, append_images=GIF_FRAMES[1:], duration=50),
                     dict(frames=4)),
    "gif-transparent": (lambda: encode(RGB.convert("P"), "GIF", transparency=3, optimize=False),
                        dict(has_alpha=True)),
    "gif-1x10000": (lambda: encode(picture((1, 10000)), "GIF"), dict(width=1, height=10000)),
    "webp-lossy": (lambda: encode(RGB, "WEBP"), dict(mode="RGB", has_alpha=False)),
    "webp-lossless": (lambda: encode(RGB, "WEBP", lossless=True), dict(mode="RGB", has_alpha=False)),
    "webp-lossy-alpha": (lambda: encode(RGBA, "WEBP"), dict(mode="RGBA", has_alpha=True)),
    "webp-lossless-alpha": (lambda: encode(RGBA, "WEBP", lossless=True), dict(mode="RGBA", has_alpha=True)),
    "webp-animated": (lambda: encode(APNG_FRAMES[0], "WEBP", save_all=True, append_images=APNG_FRAMES[1:]),
                      dict(frames=3)),
    "webp-1x1": (lambda: encode(picture((1, 1)), "WEBP"), dict(width=1, height=1)),
    "webp-1x10000": (lambda: encode(picture((1, 10000)), "WEBP"), dict(width=1, height=10000)),
    "bmp-rgb": (lambda: encode(RGB, "BMP"), dict(mode="RGB", bit_depth=8)),
    "bmp-palette": (lambda: encode(RGB.convert("P"), "BMP"), dict(mode="P", bit_depth=8)),
    "bmp-1bit": (lambda: encode(RGB.convert("1"), "BMP"), dict(mode="P", bit_depth=1)),
    "bmp-v5-alpha": (bmp_v5_rgba, dict(mode="RGBA", has_alpha=True, width=3, height=2)),
    "bmp-1x10000": (lambda: encode(picture((1, 10000)), "BMP"), dict(width=1, height=10000)),
    "ico": (lambda: encode(picture((256, 256), "RGBA"), "ICO", sizes=[(16, 16), (48, 48), (256, 256)]),
            dict(width=256, height=256, has_alpha=True)),
    "ico-bmp": (lambda: encode(picture((64, 64), "RGBA"), "ICO", sizes=[(32, 32), (64, 64)], bitmap_format="bmp"),
                dict(width=64, height=64, has_alpha=True)),
}


def pillow_facts(data):
    """What Pillow says about the same file: format, size, frames, mode in our vocabulary, alpha."""
    with Image.open(io.BytesIO(data)) as image:
        mode = image.mode
        if image.format == "BMP" and mode in ("1", "L"):
            mode = "P"  # Pillow turns grey palettes into L/1; the file stores a palette
        mode = {"1": "L", "I": "L", "I;16": "L", "I;16B": "L", "PA": "P"}.get(mode, mode)
        has_alpha = "A" in image.mode or "transparency" in image.info
        return dict(format=image.format, width=image.width, height=image.height,
                    frames=getattr(image, "n_frames", 1), has_alpha=has_alpha,
                    **({} if image.format in ("ICO", "GIF") else {"mode": mode}))


@pytest.mark.parametrize("name", CASES)
def test_agrees_with_pillow(name):
    factory, expected = CASES[name]
    data = factory()
    info = inspect_image(data)
    assert isinstance(info, ImageInfo)
    facts = pillow_facts(data)
    assert {key: getattr(info, key) for key in facts} == facts
    assert {key: getattr(info, key) for key in expected} == expected
    assert info.orientation == 1
    assert (info.display_width, info.display_height) == (info.width, info.height)
    assert info.format in SUPPORTED_FORMATS


@pytest.mark.parametrize("name", ["png-rgb", "jpeg-baseline", "gif-animated", "webp-animated"])
@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview, lambda data: np.frombuffer(data, np.uint8)],
                         ids=["bytes", "bytearray", "memoryview", "ndarray"])
def test_bytes_like_inputs_agree(name, wrap):
    data = CASES[name][0]()
    assert inspect_image(wrap(data)) == inspect_image(data)


def test_memoryview_slice_of_a_larger_buffer():
    data = encode(RGB, "PNG")
    buffer = bytearray(b"junk" + data + b"more")
    assert inspect_image(memoryview(buffer)[4:4 + len(data)]) == inspect_image(data)


def test_memoryview_of_wider_items_is_read_as_bytes():
    data = encode(RGB, "PNG")
    data += bytes(-len(data) % 4)  # trailing bytes after IEND are ignored
    words = memoryview(array("I", data))
    assert words.format == "I"
    assert inspect_image(words) == inspect_image(data)


# ---------------------------------------------------------------- orientation

@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_exif_orientation(fmt, orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(RGB, fmt, exif=exif.tobytes())
    info = inspect_image(data)
    assert info.orientation == orientation
    assert (info.width, info.height) == (40, 30)  # stored
    swapped = orientation >= 5
    assert (info.display_width, info.display_height) == ((30, 40) if swapped else (40, 30))
    # Oracle: Pillow applying the same tag.
    with Image.open(io.BytesIO(data)) as image:
        assert ImageOps.exif_transpose(image).size == (info.display_width, info.display_height)


@pytest.mark.parametrize("order", ["<", ">"], ids=["little-endian", "big-endian"])
@pytest.mark.parametrize("kind", [3, 4], ids=["SHORT", "LONG"])
def test_handmade_exif_orientation(order, kind):
    jpeg = encode(RGB, "JPEG")
    app1 = b"Exif\0\0" + exif_block(6, order, kind)
    data = jpeg[:2] + b"\xff\xe1" + struct.pack(">H", 2 + len(app1)) + app1 + jpeg[2:]
    assert inspect_image(data).orientation == 6


@pytest.mark.parametrize("block", [b"", b"XX", exif_block(9), exif_block(0), b"II*\0\xff\xff\xff\xff",
                                   exif_block(6)[:-10]], ids=["empty", "bad-order", "nine", "zero", "bad-ifd", "cut"])
def test_invalid_exif_means_no_orientation(block):
    jpeg = encode(RGB, "JPEG")
    app1 = b"Exif\0\0" + block
    data = jpeg[:2] + b"\xff\xe1" + struct.pack(">H", 2 + len(app1)) + app1 + jpeg[2:]
    assert inspect_image(data).orientation == 1


def test_png_exif_after_the_image_data_is_ignored():
    # Chromium reads eXIf only before the first IDAT (and Firefox not at all).
    data = make_png(4, 3, after=[png_chunk(b"eXIf", exif_block(6))])
    assert inspect_image(data).orientation == 1
    before = make_png(4, 3, before=[png_chunk(b"eXIf", exif_block(6))])
    assert inspect_image(before).orientation == 6


def test_webp_exif_is_ignored_like_chromium():
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(RGB, "WEBP", exif=exif.tobytes())
    with Image.open(io.BytesIO(data)) as image:
        assert image.getexif()[0x0112] == 6  # it is in the file...
    info = inspect_image(data)
    assert info.orientation == 1  # ...but Chromium's WebP decoder does not apply it
    assert (info.display_width, info.display_height) == (40, 30)


# ---------------------------------------------------------------- AVIF and HEIC (hand-made ISO boxes)

def test_avif_size_and_depth():
    info = inspect_image(heif(properties=[ispe(640, 480), av1c()]))
    assert info == ImageInfo(format="AVIF", width=640, height=480, mode="RGB", bit_depth=8)


@pytest.mark.parametrize(("flags", "depth", "mode"),
                         [(dict(high=1), 10, "RGB"), (dict(high=1, twelve=1), 12, "RGB"), (dict(mono=1), 8, "L")])
def test_avif_av1c_depth_and_monochrome(flags, depth, mode):
    info = inspect_image(heif(properties=[ispe(8, 8), av1c(**flags)]))
    assert (info.bit_depth, info.mode) == (depth, mode)


def test_avif_pixi_without_av1c():
    info = inspect_image(heif(properties=[ispe(8, 8), pixi(1, 10)]))
    assert (info.mode, info.bit_depth) == ("L", 10)


def test_avif_alpha_auxiliary_image():
    properties = [ispe(8, 8), av1c(), auxc()]
    info = inspect_image(heif(items=((1, b"av01"), (2, b"av01")), properties=properties,
                              associations={1: [1, 2], 2: [1, 2, 3]}))
    assert info.has_alpha and info.mode == "RGBA"


@pytest.mark.parametrize(("ipma_version", "ipma_flags"), [(0, 0), (1, 0), (0, 1), (1, 1)])
def test_avif_ipma_variants(ipma_version, ipma_flags):
    info = inspect_image(heif(properties=[ispe(33, 22), av1c()], ipma_version=ipma_version, ipma_flags=ipma_flags))
    assert (info.width, info.height) == (33, 22)


def test_avif_grid_uses_the_primary_items_size_not_a_tiles():
    # Like HEIC photos: the primary item is a grid of tiles, each tile has its own ispe.
    items = ((1, b"grid"), (2, b"av01"), (3, b"av01"))
    properties = [ispe(512, 512), av1c(), ispe(1024, 512)]
    data = heif(items=items, properties=properties, associations={2: [1, 2], 3: [1, 2], 1: [3]})
    assert (inspect_image(data).width, inspect_image(data).height) == (1024, 512)


# (irot angle, imir axis) for every EXIF orientation; imir axis 0 exchanges top and bottom.
def display_of(array2d, angle, axis):
    """Stored pixels -> displayed: rotate anticlockwise by angle×90°, then mirror (MIAF 7.3.6.7)."""
    rotated = np.rot90(array2d, k=angle)
    return rotated if axis is None else (np.flipud(rotated) if axis == 0 else np.fliplr(rotated))


EXIF_TRANSPOSE = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                  4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270,
                  7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}


@pytest.mark.parametrize("angle", range(4))
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_avif_irot_imir_give_the_matching_exif_orientation(angle, axis):
    properties = [ispe(30, 20), av1c(), box(b"irot", bytes([angle]))]
    indices = [1, 2, 3]
    if axis is not None:
        properties.append(box(b"imir", bytes([axis])))
        indices.append(4)
    info = inspect_image(heif(properties=properties, associations={1: indices}))
    # Oracle: the orientation reported must transform the stored pixels exactly as irot+imir do.
    stored = np.arange(6, dtype=np.uint8).reshape(2, 3)
    method = EXIF_TRANSPOSE[info.orientation]
    image = Image.fromarray(stored)
    exif_result = np.asarray(image if method is None else image.transpose(method))
    np.testing.assert_array_equal(exif_result, display_of(stored, angle, axis))
    expected_size = (20, 30) if angle % 2 else (30, 20)
    assert (info.display_width, info.display_height) == expected_size


@pytest.mark.parametrize("tkhd_version", [0, 1])
def test_avif_sequence_counts_frames(tkhd_version):
    data = heif(brands=(b"avis", b"avif", b"msf1", b"mif1"),
                tracks=[track(b"pict", frames=24, width=64, height=48, tkhd_version=tkhd_version)])
    info = inspect_image(data)
    assert (info.format, info.frames, info.width, info.height) == ("AVIF", 24, 64, 48)
    assert describe_animation(info) == "Animated image (24 frames): the first frame was used."


@pytest.mark.parametrize("tkhd_version", [0, 1])
def test_avif_sequence_without_items_uses_the_track(tkhd_version):
    data = heif(brands=(b"avis", b"msf1", b"iso8"), meta=False,
                tracks=[track(b"pict", 10, 320, 240, tkhd_version), track(b"auxv", 10, 320, 240, tkhd_version)])
    info = inspect_image(data)
    assert (info.format, info.width, info.height, info.frames, info.has_alpha) == ("AVIF", 320, 240, 10, True)


def test_generic_heif_brand_decided_by_the_codec():
    assert inspect_image(heif(brands=(b"mif1", b"miaf"))).format == "AVIF"
    with pytest.raises(UnsupportedFormatError) as caught:
        inspect_image(heif(brands=(b"mif1", b"miaf"), items=((1, b"hvc1"),), properties=[ispe(8, 8)],
                           associations={1: [1]}))
    assert caught.value.format == "HEIC"


HEIC_BRANDS = [(b"heic", b"mif1", b"heic"), (b"heix", b"mif1"), (b"mif1", b"heic"), (b"heim", b"mif1"),
               (b"hevc", b"msf1")]


@pytest.mark.parametrize("brands", HEIC_BRANDS, ids=lambda brands: "+".join(b.decode() for b in brands))
def test_heic_is_unsupported_with_its_size(brands):
    # An iPhone photo: a grid of HEVC tiles, rotated 90° clockwise.
    items = ((1, b"grid"), (2, b"hvc1"), (3, b"hvc1"))
    properties = [ispe(512, 512), box(b"hvcC", bytes(23)), ispe(4032, 3024), box(b"irot", b"\x03")]
    data = heif(brands=brands, items=items, properties=properties, associations={2: [1, 2], 3: [1, 2], 1: [3, 4]})
    with pytest.raises(UnsupportedFormatError) as caught:
        inspect_image(data)
    error = caught.value
    assert error.code == "unsupported-format" and error.format == "HEIC"
    assert "your browser can't decode HEIC photos" in error.message
    assert "Export it as JPEG" in error.message
    assert "Settings › Camera › Formats › Most Compatible" in error.message
    info = error.info
    assert (info.format, info.width, info.height, info.orientation) == ("HEIC", 4032, 3024, 6)
    assert (info.display_width, info.display_height) == (3024, 4032)


def test_heic_that_cannot_be_parsed_is_still_unsupported():
    data = box(b"ftyp", b"heic", bytes(4), b"mif1", b"heic") + b"\0\0\1\0meta"  # a box cut short
    with pytest.raises(UnsupportedFormatError) as caught:
        inspect_image(data)
    assert caught.value.format == "HEIC" and caught.value.info is None


def test_heic_is_refused_even_when_too_large():
    data = heif(brands=(b"heic", b"mif1"), items=((1, b"hvc1"),), properties=[ispe(50000, 50000)],
                associations={1: [1]})
    with pytest.raises(UnsupportedFormatError):  # the format is the first thing to fix
        inspect_image(data)


@pytest.mark.parametrize(("data", "detail"), [
    (heif(properties=[av1c()], associations={1: [1]}), "no 'ispe' property"),
    (heif(primary=9), "no 'ispe' property"),
    (heif(properties=[ispe(0, 10), av1c()]), "empty image"),
    (box(b"ftyp", b"avif", bytes(4), b"avif") + box(b"mdat", bytes(8)), "no readable image description"),
    (heif()[:60], "ends in the middle of its header"),
    (box(b"ftyp", b"avif", bytes(4), b"avif") + struct.pack(">I4s", 4, b"meta"), "invalid size"),
], ids=["no-ispe", "primary-without-properties", "zero-size", "no-meta", "cut", "bad-box-size"])
def test_damaged_avif(data, detail):
    with pytest.raises(CorruptImageError, match=re.escape(detail)) as caught:
        inspect_image(data)
    assert caught.value.format == "AVIF"


# ---------------------------------------------------------------- other details

def test_png_16bit_rgba_header():
    info = inspect_image(make_png(5, 4, depth=16, colour=6))
    assert (info.mode, info.bit_depth, info.has_alpha) == ("RGBA", 16, True)


def test_jpeg_12bit_precision_is_reported():
    jpeg = encode(RGB, "JPEG")
    sof = jpeg.index(b"\xff\xc0")
    assert inspect_image(jpeg[:sof + 4] + b"\x0c" + jpeg[sof + 5:]).bit_depth == 12


def test_jpeg_fill_and_stray_bytes_between_segments():
    jpeg = encode(RGB, "JPEG")
    sof = jpeg.index(b"\xff\xc0")
    data = jpeg[:sof] + b"\x00\x12\xff\x00\xff\xff\xff" + jpeg[sof:]  # stray bytes, a stuffed 0xFF, fill
    assert (inspect_image(data).width, inspect_image(data).height) == (40, 30)


def test_gif_first_frame_larger_than_the_screen_grows_it():
    gif = bytearray(encode(RGB, "GIF"))
    gif[6:10] = struct.pack("<HH", 10, 10)  # logical screen 10×10, frame 40×30
    info = inspect_image(bytes(gif))
    assert (info.width, info.height) == (40, 30)


def test_gif_cut_after_its_first_frame_is_not_an_error():
    data = encode(GIF_FRAMES[0], "GIF", save_all=True, append_images=GIF_FRAMES[1:])
    info = inspect_image(data[:len(data) * 6 // 10])  # inside the third of four similar frames
    assert info.frames == 3


def test_bmp_top_down_and_os2_headers():
    bmp = bytearray(encode(RGB, "BMP"))
    bmp[22:26] = struct.pack("<i", -30)  # negative height: rows stored top-down
    assert inspect_image(bytes(bmp)).height == 30
    core = struct.pack("<IHHHH", 12, 7, 5, 1, 24)
    os2 = b"BM" + struct.pack("<IHHI", 26 + 7 * 5 * 3, 0, 0, 26) + core + bytes(7 * 5 * 3)
    assert inspect_image(os2) == ImageInfo(format="BMP", width=7, height=5, mode="RGB", bit_depth=8)


def test_cur_is_read_like_ico():
    ico = encode(picture((32, 32), "RGBA"), "ICO", sizes=[(32, 32)])
    cur = ico[:2] + b"\x02\x00" + ico[4:]
    info = inspect_image(cur)
    assert (info.format, info.width, info.height) == ("CUR", 32, 32)


# ---------------------------------------------------------------- decompression bombs and the limit

def bombs():
    """Small files declaring huge sizes, one per format (nothing big is ever allocated)."""
    jpeg = patch_jpeg_size(encode(RGB, "JPEG"), 65000, 65000)
    gif = bytearray(encode(RGB, "GIF"))
    gif[6:10] = struct.pack("<HH", 65535, 65535)
    vp8x = b"VP8X" + struct.pack("<I", 10) + bytes(4) + (16383).to_bytes(3, "little") * 2
    vp8l_bits = 16383 | 16383 << 14
    vp8l = b"VP8L" + struct.pack("<I", 5) + b"\x2f" + struct.pack("<I", vp8l_bits)
    bmp = bytearray(encode(RGB, "BMP"))
    bmp[18:26] = struct.pack("<ii", 50000, 50000)
    icon_png = make_png(60000, 60000)  # the directory can only say 256: the embedded PNG tells
    return {
        "png": (make_png(50000, 50000), (50000, 50000)),
        "jpeg": (jpeg, (65000, 65000)),
        "gif": (bytes(gif), (65535, 65535)),
        "webp-vp8x": (b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x, (16384, 16384)),
        "webp-vp8l": (b"RIFF" + struct.pack("<I", 4 + len(vp8l)) + b"WEBP" + vp8l, (16384, 16384)),
        "bmp": (bytes(bmp), (50000, 50000)),
        "avif": (heif(properties=[ispe(50000, 50000), av1c()]), (50000, 50000)),
        "ico-png": (b"\0\0\1\0\1\0" + struct.pack("<BBBBHHII", 0, 0, 0, 0, 1, 32, len(icon_png), 22) + icon_png,
                    (60000, 60000)),
    }


BOMBS = bombs()


@pytest.mark.parametrize("name", BOMBS)
def test_bombs_are_refused_fast_without_allocating(name):
    data, size = BOMBS[name]
    assert len(data) < 5000
    tracemalloc.start()
    try:
        started = time.perf_counter()
        with pytest.raises(ImageTooLargeError) as caught:
            inspect_image(data)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 0.05, f"{elapsed * 1000:.1f} ms"
    assert peak < 1_000_000, f"{peak} bytes"
    error = caught.value
    assert (error.width, error.height) == size
    assert error.max_pixels == DEFAULT_MAX_PIXELS and error.code == "too-large"


def test_bomb_png_message_and_timing(capsys):
    data = make_png(50000, 50000)
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        with pytest.raises(ImageTooLargeError) as caught:
            inspect_image(data)
        timings.append(time.perf_counter() - started)
    with capsys.disabled():
        print(f"\nbomb PNG ({len(data)} bytes, 50000 × 50000) refused in {min(timings) * 1e6:.0f} µs (best of 20)")
    assert max(timings) < 0.05
    assert caught.value.message == (
        "This image is 50000 × 50000 px = 2500 megapixels, more than the 40 megapixels Peel handles here. "
        "Resize it to at most 40 megapixels (for example 6324 × 6324 px) and add it again.")


@pytest.mark.parametrize(("width", "height"), [(1, 1), (4, 3), (1, 10000), (10000, 1), (1000, 1000), (8000, 5000),
                                             (65535, 65535)])
def test_limit_boundary(width, height):
    limit = width * height
    data = make_png(width, height)
    assert inspect_image(data, max_pixels=limit).pixels == limit  # exactly at the limit: accepted
    if limit > 1:
        with pytest.raises(ImageTooLargeError) as caught:  # one pixel over: refused
            inspect_image(data, max_pixels=limit - 1)
        assert caught.value.max_pixels == limit - 1
    assert inspect_image(make_png(1, 1), max_pixels=1).pixels == 1
    with pytest.raises(ImageTooLargeError):
        inspect_image(make_png(2, 1), max_pixels=1)


def test_default_limit_is_40_megapixels():
    assert DEFAULT_MAX_PIXELS == 40_000_000
    assert inspect_image(make_png(8000, 5000)).pixels == 40_000_000
    with pytest.raises(ImageTooLargeError, match=r"8001 × 5000 px = 40\.01 megapixels, more than the 40 megapixels"):
        inspect_image(make_png(8001, 5000))


def test_too_large_message_tells_the_numbers_apart():
    with pytest.raises(ImageTooLargeError) as caught:
        inspect_image(make_png(40_000_001, 1))
    assert "= 40.000001 megapixels, more than the 40 megapixels" in caught.value.message
    match = re.search(r"for example (\d+) × (\d+) px", caught.value.message)
    assert int(match[1]) * int(match[2]) <= DEFAULT_MAX_PIXELS


def test_too_large_uses_the_displayed_orientation():
    exif = Image.Exif()
    exif[0x0112] = 6
    data = patch_jpeg_size(encode(RGB, "JPEG", exif=exif.tobytes()), 12000, 6000)
    with pytest.raises(ImageTooLargeError) as caught:
        inspect_image(data)
    error = caught.value
    assert (error.width, error.height) == (6000, 12000)
    assert error.message.startswith("This image is 6000 × 12000 px = 72 megapixels")
    assert error.info.orientation == 6 and (error.info.width, error.info.height) == (12000, 6000)
    fit = re.search(r"for example (\d+) × (\d+) px", error.message)
    assert int(fit[1]) < int(fit[2])  # still portrait


def test_custom_limit_in_the_message():
    with pytest.raises(ImageTooLargeError, match="more than the 0.5 megapixels Peel handles here"):
        inspect_image(make_png(1000, 1000), max_pixels=500_000)


# ---------------------------------------------------------------- truncated and corrupt

def cuts():
    png = encode(RGB, "PNG")
    jpeg = encode(RGB, "JPEG")
    gif = encode(RGB, "GIF")
    webp = encode(RGB, "WEBP")
    bmp = encode(RGB, "BMP")
    ico = encode(picture((48, 48), "RGBA"), "ICO", sizes=[(48, 48)])
    avif = heif()
    sos = jpeg.index(b"\xff\xda")
    first_image = gif.index(b"\x2c", 13 + 3 * 256)
    return {
        "png": (png, [2, 4, 8, 12, 20, 32, 37]),
        "jpeg": (jpeg, [2, 3, 5, 30, 100, sos + 1, sos + 2]),
        "gif": (gif, [4, 6, 10, 12, 13, 300, first_image, first_image + 5]),
        "webp": (webp, [12, 16, 20, 29, len(webp) // 2, len(webp) - 1]),
        "bmp": (bmp, [2, 10, 17, 20]),
        "ico": (ico, [7, 12, 22, 40]),
        "avif": (avif, [20, 40, 80, len(avif) - 100]),
    }


CUTS = cuts()
FORMAT_OF = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP", "bmp": "BMP", "ico": "ICO", "avif": "AVIF"}


@pytest.mark.parametrize(("name", "cut"), [(name, cut) for name, (_, positions) in CUTS.items() for cut in positions])
def test_cut_inside_the_header_is_corrupt(name, cut):
    data, _ = CUTS[name]
    assert cut < len(data)
    with pytest.raises(CorruptImageError) as caught:
        inspect_image(data[:cut])
    error = caught.value
    assert error.code == "corrupt-image" and error.format == FORMAT_OF[name]
    assert "damaged or incomplete" in error.message and "get the file again" in error.message


@pytest.mark.parametrize("name", ["png", "jpeg", "gif"])
def test_cut_inside_the_pixel_data_passes(name):
    # Only the header is read: a file cut in its pixel data is the browser decoder's to report.
    data, _ = CUTS[name]
    assert inspect_image(data[:len(data) - 20]) == inspect_image(data)


@pytest.mark.parametrize(("data", "fmt", "detail"), [
    (make_png(0, 10), "PNG", "invalid size"),
    (make_png(10, 10, depth=16, colour=3), "PNG", "invalid colour type/bit depth (3/16)"),
    (b"\x89PNG\r\n\x1a\n" + png_chunk(b"tEXt", b"hi") + png_chunk(b"IHDR", bytes(13)), "PNG", "header chunk (IHDR)"),
    (make_png(4, 4)[:33] + png_chunk(b"IEND"), "PNG", "has no image data"),
    (patch_jpeg_size(encode(RGB, "JPEG"), 0, 30), "JPEG", "empty image (0 × 30 px)"),
    (b"\xff\xd8\xff\xda\x00\x02", "JPEG", "image data starts before its size is given"),
    (b"\xff\xd8\xff\xe0\x00\x01", "JPEG", "invalid length (1)"),
    (encode(RGB, "JPEG").replace(b"\xff\xc0", b"\xff\xd9", 1), "JPEG", "has no image data"),
    (b"GIF89a" + struct.pack("<HHBBB", 4, 4, 0, 0, 0) + b"\x3b", "GIF", "ends before its first image"),
    (b"GIF89a" + struct.pack("<HHBBB", 4, 4, 0, 0, 0) + b"\x99", "GIF", "unknown block (0x99)"),
    (b"GIF85a" + bytes(20), "GIF", "version '85a' is unknown"),
    (b"RIFF" + struct.pack("<I", 26) + b"WEBPVP8 " + bytes(18), "WEBP", "lossy image header is invalid"),
    (b"RIFF" + struct.pack("<I", 18) + b"WEBPABCD" + bytes(10), "WEBP", "first chunk ('ABCD') is not an image"),
    (b"BM" + bytes(12) + struct.pack("<IiiHH", 40, 10, 10, 1, 7) + bytes(30), "BMP", "7 bits per pixel"),
], ids=["png-zero-width", "png-bad-depth", "png-no-ihdr", "png-no-idat", "jpeg-zero-width", "jpeg-sos-first",
        "jpeg-bad-length", "jpeg-eoi-first", "gif-no-image", "gif-bad-block", "gif-version", "webp-vp8",
        "webp-chunk", "bmp-bpp"])
def test_invalid_headers_are_corrupt(data, fmt, detail):
    with pytest.raises(CorruptImageError, match=re.escape(detail)) as caught:
        inspect_image(data)
    assert caught.value.format == fmt


# ---------------------------------------------------------------- empty, not an image, unsupported

@pytest.mark.parametrize("data", [b"", bytearray(), memoryview(b"")], ids=["bytes", "bytearray", "memoryview"])
def test_empty_file(data):
    with pytest.raises(EmptyFileError) as caught:
        inspect_image(data)
    assert caught.value.code == "empty-file"
    assert caught.value.message.startswith("The file is empty (0 bytes)")
    assert "get the file again" in caught.value.message


def zip_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.png", encode(RGB, "PNG"))
    return buffer.getvalue()


NOT_IMAGES = {
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "pdf", "a PDF document"),
    "pdf-after-junk": (b"\x00\x01garbage\n%PDF-1.4\n", "pdf", "a PDF document"),
    "postscript": (b"%!PS-Adobe-3.0 EPSF-3.0\n", "postscript", "a PostScript document"),
    "zip": (zip_bytes(), "zip", "a ZIP archive"),
    "gzip": (b"\x1f\x8b\x08\x00" + bytes(20), "archive", "a compressed archive"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "svg", "an SVG vector drawing"),
    "svg-xml": (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- x -->\n<svg xmlns="http://www.w3.org/2000/svg"/>',
                "svg", "an SVG vector drawing"),
    "html": (b"<!DOCTYPE html><html><body><img src=photo.jpg></body></html>", "html", "a web page (HTML)"),
    "xml": (b'<?xml version="1.0"?><feed/>', "xml", "an XML document"),
    "text": ("Bonjour, ceci n'est pas une image — juste du texte.\n".encode(), "text", "a text file"),
    "json": (b'{"width": 100, "height": 100}', "text", "a text file"),
    "utf16-text": ("hello".encode("utf-16"), "text", "a text file"),
    "mp4": (box(b"ftyp", b"isom", bytes(4), b"isom", b"mp41") + box(b"mdat", bytes(8)), "video", "a video"),
    "quicktime": (box(b"ftyp", b"qt  ", bytes(4), b"qt  ") + box(b"moov"), "video", "a video"),
    "m4a": (box(b"ftyp", b"M4A ", bytes(4), b"M4A ", b"isom"), "audio", "an audio file"),
    "webm": (b"\x1a\x45\xdf\xa3" + bytes(20), "video", "a video"),
    "avi": (b"RIFF" + struct.pack("<I", 100) + b"AVI LIST", "video", "a video"),
    "wav": (b"RIFF" + struct.pack("<I", 100) + b"WAVEfmt ", "audio", "an audio file"),
    "mp3": (b"ID3\x04\x00" + bytes(20), "audio", "an audio file"),
    "random": (np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes(), None, None),
    "one-byte": (b"\x00", None, None),
    "bm-text": (b"BMW 320i, 1987, red, good condition", "text", "a text file"),  # 'BM' is not enough for BMP
    "bm-binary": (b"BM" + bytes(40), None, None),
}


@pytest.mark.parametrize("name", NOT_IMAGES)
def test_not_an_image(name):
    data, kind, phrase = NOT_IMAGES[name]
    with pytest.raises(NotAnImageError) as caught:
        inspect_image(data)
    error = caught.value
    assert error.code == "not-an-image" and error.kind == kind
    if kind is None:
        assert error.message.startswith("This file is not an image Peel can read")
        assert "save it as PNG or JPEG" in error.message
    else:
        assert error.message.startswith(f"This is {phrase}")
        assert ", not an image. " in error.message


def test_pdf_message():
    with pytest.raises(NotAnImageError) as caught:
        inspect_image(NOT_IMAGES["pdf"][0])
    assert caught.value.message == ("This is a PDF document, not an image. Export the page you want as PNG or JPEG "
                                    "(or take a screenshot of it), then add that.")


UNSUPPORTED = {
    "tiff": (lambda: encode(RGB, "TIFF"), "TIFF", "browsers can't decode TIFF"),
    "tiff-big-endian": (lambda: b"MM\0*" + bytes(20), "TIFF", "camera RAW"),
    "psd": (lambda: b"8BPS\x00\x01" + bytes(40), "PSD", "Photoshop document"),
    "jpeg-xl-codestream": (lambda: b"\xff\x0a\xfa\x7f" + bytes(20), "JPEG XL", "JPEG XL"),
    "jpeg-xl-container": (lambda: b"\0\0\0\x0cJXL \r\n\x87\n" + bytes(20), "JPEG XL", "JPEG XL"),
    "jpeg-2000": (lambda: b"\0\0\0\x0cjP  \r\n\x87\n" + bytes(20), "JPEG 2000", "JPEG 2000"),
    "canon-cr3": (lambda: box(b"ftyp", b"crx ", bytes(4), b"crx ", b"isom"), "CR3", "camera RAW"),
}


@pytest.mark.parametrize("name", UNSUPPORTED)
def test_unsupported_formats(name):
    factory, fmt, words = UNSUPPORTED[name]
    with pytest.raises(UnsupportedFormatError) as caught:
        inspect_image(factory())
    error = caught.value
    assert error.code == "unsupported-format" and error.format == fmt
    assert words in error.message
    assert re.search(r"(Save|Export) it as (JPEG|PNG)", error.message)


@pytest.mark.parametrize(("data", "fmt"), [(b"\x89PNG", "PNG"), (b"\xff\xd8", "JPEG")])
def test_signature_prefix_alone_is_a_cut_file_not_garbage(data, fmt):
    with pytest.raises(CorruptImageError) as caught:
        inspect_image(data)
    assert caught.value.format == fmt


@pytest.mark.parametrize("data", [b"G", b"GI", b"GIF", b"\x89"])
def test_a_few_bytes_of_text_are_not_a_cut_image(data):
    with pytest.raises(NotAnImageError):
        inspect_image(data)


def test_huge_ftyp_size_is_cheap():
    data = struct.pack(">I4s4sI", 0xFFFFFFF0, b"ftyp", b"isom", 0) + b"mp41" * 2_000_000
    started = time.perf_counter()
    with pytest.raises(NotAnImageError):
        inspect_image(data)
    assert time.perf_counter() - started < 0.05


def test_damaged_track_does_not_spoil_good_items():
    broken_moov = struct.pack(">I4s", 8 + 12, b"trak") + struct.pack(">I4s", 2, b"tkhd") + bytes(4)
    data = heif(brands=(b"avis", b"avif"), tracks=[broken_moov])
    info = inspect_image(data)
    assert (info.format, info.width, info.height, info.frames) == ("AVIF", 64, 48, 1)


# ---------------------------------------------------------------- arguments

@pytest.mark.parametrize("data", ["a string", None, 42, [0xFF, 0xD8], 3.5], ids=type)
def test_data_must_be_bytes_like(data):
    with pytest.raises(ArgumentTypeError, match="data must be bytes"):
        inspect_image(data)


def test_data_must_be_contiguous():
    strided = memoryview(bytearray(encode(RGB, "PNG")))[::2]
    with pytest.raises(InvalidArgumentError, match="contiguous"):
        inspect_image(strided)


@pytest.mark.parametrize(("max_pixels", "error"), [(0, InvalidArgumentError), (-5, InvalidArgumentError),
                                                   (1.5e7, ArgumentTypeError), (True, ArgumentTypeError),
                                                   ("40000000", ArgumentTypeError), (None, ArgumentTypeError)])
def test_max_pixels_must_be_a_positive_int(max_pixels, error):
    with pytest.raises(error, match="max_pixels"):
        inspect_image(encode(RGB, "PNG"), max_pixels=max_pixels)


@pytest.mark.parametrize("max_pixels", [np.int64(1200), np.uint32(1200), 1200])
def test_max_pixels_accepts_any_integer(max_pixels):
    assert inspect_image(encode(RGB, "PNG"), max_pixels=max_pixels).pixels == 1200


def test_max_pixels_is_keyword_only():
    with pytest.raises(TypeError):
        inspect_image(encode(RGB, "PNG"), 100)


# ---------------------------------------------------------------- ImageInfo and describe_animation

def test_image_info_is_frozen_and_comparable():
    info = inspect_image(encode(RGB, "PNG"))
    with pytest.raises(AttributeError):
        info.width = 3
    assert info == ImageInfo(format="PNG", width=40, height=30, mode="RGB", bit_depth=8)
    assert info.pixels == 1200 and not info.animated


@pytest.mark.parametrize("name", ["gif-animated", "webp-animated", "apng"])
def test_describe_animation(name):
    info = inspect_image(CASES[name][0]())
    assert info.animated
    assert describe_animation(info) == f"Animated image ({info.frames} frames): the first frame was used."


@pytest.mark.parametrize("name", ["gif", "png-rgb", "webp-lossy", "jpeg-baseline"])
def test_describe_animation_of_a_still_image(name):
    assert describe_animation(inspect_image(CASES[name][0]())) is None


def test_describe_animation_needs_an_image_info():
    with pytest.raises(ArgumentTypeError, match="info must be an ImageInfo"):
        describe_animation({"frames": 3})


# ---------------------------------------------------------------- error classes

NEW_ERRORS = {EmptyFileError: "empty-file", NotAnImageError: "not-an-image",
              UnsupportedFormatError: "unsupported-format", CorruptImageError: "corrupt-image",
              ImageTooLargeError: "too-large"}


@pytest.mark.parametrize(("cls", "code"), NEW_ERRORS.items(), ids=lambda value: getattr(value, "__name__", value))
def test_error_classes(cls, code):
    assert cls.code == code
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", code)
    assert issubclass(cls, InvalidImageError) and issubclass(cls, PeelError) and issubclass(cls, ValueError)
    assert cls.__name__ in errors.__all__
    kwargs = {UnsupportedFormatError: dict(format="HEIC"), CorruptImageError: dict(format="PNG"),
              ImageTooLargeError: dict(width=2, height=3, max_pixels=5)}.get(cls, {})
    error = cls("what happened; what to do", **kwargs)
    assert error.code == code and error.message == str(error) == "what happened; what to do"


def test_codes_are_unique():
    codes = [cls.code for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, PeelError)]
    assert len(set(NEW_ERRORS.values()) & set(codes)) == len(NEW_ERRORS)
    new = [code for code in codes if code in NEW_ERRORS.values()]
    assert len(new) == len(set(new))


# ---------------------------------------------------------------- speed on big files

@pytest.fixture(scope="module")
def big_jpeg():
    """A real ~20 MB JPEG (noise at quality 95, no chroma subsampling)."""
    noise = np.random.default_rng(0).integers(0, 256, (2800, 3000, 3), dtype=np.uint8)
    return encode(Image.fromarray(noise), "JPEG", quality=95, subsampling=0)


def test_20mb_jpeg_header_is_read_fast(big_jpeg, capsys):
    assert len(big_jpeg) > 19_000_000
    timings = []
    for wrap in (bytes, memoryview, bytearray) * 5:
        data = wrap(big_jpeg)
        started = time.perf_counter()
        info = inspect_image(data)
        timings.append(time.perf_counter() - started)
    with capsys.disabled():
        print(f"\n{len(big_jpeg) / 1e6:.1f} MB JPEG header read in {min(timings) * 1e6:.0f} µs (best of 15), "
              f"worst {max(timings) * 1e6:.0f} µs")
    assert (info.width, info.height) == (3000, 2800)
    assert max(timings) < 0.05


def gif_flood():
    return (b"GIF89a" + struct.pack("<HHBBB", 10, 10, 0, 0, 0) + b"\x2c" + struct.pack("<HHHHB", 0, 0, 10, 10, 0)
            + b"\x02" + b"\x01\x55" * 10_000_000)


def webp_flood():
    body = (b"VP8X" + struct.pack("<I", 10) + bytes([0x02, 0, 0, 0]) + (9).to_bytes(3, "little") * 2
            + b"XXXX\0\0\0\0" * 2_500_000)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


# ~20 MB files made of millions of tiny segments/chunks/blocks: every walk must stay bounded.
FLOODS = {
    "jpeg-comments": lambda: b"\xff\xd8" + b"\xff\xfe\x00\x02" * 5_000_000,
    "jpeg-no-marker": lambda: b"\xff\xd8\xff\xe0\x00\x10" + bytes(20_000_000),
    "jpeg-fill": lambda: b"\xff\xd8" + b"\xff" * 20_000_000,
    "jpeg-stuffed": lambda: b"\xff\xd8" + b"\xff\x00" * 10_000_000,
    "png-chunks": lambda: make_png(10, 10, before=[png_chunk(b"tEXt")] * 1_700_000),
    "gif-sub-blocks": gif_flood,
    "webp-chunks": webp_flood,
    "isobmff-boxes": lambda: box(b"ftyp", b"avif", bytes(4), b"mif1") + struct.pack(">I4s", 8, b"free") * 2_500_000,
}


@pytest.mark.parametrize("name", FLOODS)
def test_crafted_floods_take_bounded_time(name):
    data = FLOODS[name]()
    started = time.perf_counter()
    try:
        inspect_image(data)
    except PeelError:
        pass
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"{name}: {elapsed:.2f} s"
