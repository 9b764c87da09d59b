"""Whatever people drop in ends as a correct result or a specific error, and the next image works."""

import io
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.helpers import add_files, card, download, png_image, wait_settled


def encode(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def scene(mode="RGB", size=(300, 200)):
    """A light background with a dark disc on the left third: easy to cut out, easy to orient."""
    image = Image.new("RGB", size, (235, 235, 228))
    from PIL import ImageDraw

    ImageDraw.Draw(image).ellipse([size[0] * 0.05, size[1] * 0.2, size[0] * 0.4, size[1] * 0.8], fill=(30, 60, 150))
    return image.convert(mode)


def with_orientation(n):
    exif = Image.Exif()
    exif[0x0112] = n
    return encode(scene(), "JPEG", exif=exif, quality=92)


def bomb_png(width=50_000, height=50_000):
    """A valid PNG of a few dozen bytes that declares width × height pixels."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b"")


def heic():
    ftyp = struct.pack(">I4s4sI", 24, b"ftyp", b"heic", 0) + b"mif1heic"
    return ftyp + b"\x00" * 200


def animated_gif():
    frames = [scene("P"), scene("P").rotate(10)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def sixteen_bit_png():
    rgb = np.asarray(scene()).astype(np.uint16) * 257
    return encode(Image.fromarray(rgb[..., 0], "I;16"), "PNG")


def transparent_png():
    rgba = np.asarray(scene("RGBA")).copy()
    rgba[:, 150:, 3] = 0  # the right half is already transparent
    return encode(Image.fromarray(rgba, "RGBA"), "PNG")


def palette_with_transparency():
    image = scene("P")
    return encode(image, "PNG", transparency=0)


GOOD = {  # name: (bytes, expected output size)
    **{f"orientation-{n}.jpg": (lambda n=n: with_orientation(n), (200, 300) if n >= 5 else (300, 200)) for n in range(1, 9)},
    "gray.png": (lambda: encode(scene("L"), "PNG"), (300, 200)),
    "gray-alpha.png": (lambda: encode(scene("LA"), "PNG"), (300, 200)),
    "palette-transparent.png": (palette_with_transparency, (300, 200)),
    "sixteen-bit.png": (sixteen_bit_png, (300, 200)),
    "cmyk.jpg": (lambda: encode(scene("CMYK"), "JPEG"), (300, 200)),
    "transparent.png": (transparent_png, (300, 200)),
    "animated.gif": (animated_gif, (300, 200)),
    "one-pixel.png": (lambda: encode(Image.new("RGB", (1, 1), (200, 10, 10)), "PNG"), (1, 1)),
    "one-by-10000.png": (lambda: encode(Image.new("RGB", (1, 10000), (20, 120, 10)), "PNG"), (1, 10000)),
    "webp.webp": (lambda: encode(scene(), "WEBP"), (300, 200)),
    "bmp.bmp": (lambda: encode(scene(), "BMP"), (300, 200)),
}

BAD = {  # name: (bytes, error code)
    "empty.jpg": (lambda: b"", "empty-file"),
    "document.pdf": (lambda: b"%PDF-1.7\n" + b"0" * 500, "not-an-image"),
    "notes.jpg": (lambda: b"Dear diary, today I renamed a text file.\n" * 10, "not-an-image"),
    "photo.heic": (heic, "unsupported-format"),
    "cut.jpg": (lambda: encode(scene(), "JPEG")[:300], "corrupt-image"),
    "huge.png": (lambda: bomb_png(), "too-large"),
}


def add_then_good(app, name, data):
    add_files(app, [{"name": name, "mimeType": "application/octet-stream", "buffer": data},
                    {"name": "good.png", "mimeType": "image/png", "buffer": open("tests/fixtures/coffee.png", "rb").read()}])
    wait_settled(app)
    expect(card(app, "good.png")).to_have_attribute("data-state", "done")


@pytest.mark.parametrize("name", GOOD)
def test_every_kind_of_image_comes_out_right(app, name):
    make, size = GOOD[name]
    add_then_good(app, name, make())
    result = card(app, name)
    expect(result).to_have_attribute("data-state", "done")
    image = png_image(download(app, result)[1])
    assert image.size == size and image.mode == "RGBA"
    alpha = np.asarray(image)[..., 3]
    if name.startswith("orientation-"):
        # The disc is on the left of the upright picture; EXIF says how it was stored.
        n = int(name.split("-")[1].split(".")[0])
        upright = {1: "left", 2: "right", 3: "right", 4: "left", 5: "top", 6: "top", 7: "bottom", 8: "bottom"}[n]
        h, w = alpha.shape
        halves = {"left": alpha[:, : w // 2], "right": alpha[:, w // 2:], "top": alpha[: h // 2], "bottom": alpha[h // 2:]}
        opposite = {"left": "right", "right": "left", "top": "bottom", "bottom": "top"}[upright]
        assert halves[upright].mean() > halves[opposite].mean() + 20, (n, {k: v.mean() for k, v in halves.items()})
    if name == "transparent.png":
        assert alpha[:, 150:].max() == 0  # the existing transparency is kept, not replaced
    if name == "animated.gif":
        expect(result.locator("[data-testid=note]")).to_contain_text("first frame")


@pytest.mark.parametrize("name", BAD)
def test_every_bad_file_gets_its_own_error_and_the_next_image_works(app, name):
    make, code = BAD[name]
    add_then_good(app, name, make())
    error = card(app, name).locator("[data-testid=error]")
    expect(error).to_have_attribute("data-code", code)
    assert len(error.inner_text()) > 30


def test_a_decompression_bomb_is_refused_quickly_without_allocating(app):
    before = app.evaluate("performance.memory.usedJSHeapSize")
    started = time.perf_counter()
    add_files(app, [{"name": "bomb.png", "mimeType": "image/png", "buffer": bomb_png()}])
    expect(card(app, "bomb.png")).to_have_attribute("data-state", "error")
    elapsed = time.perf_counter() - started
    error = card(app, "bomb.png").locator("[data-testid=error]")
    expect(error).to_contain_text("50000 × 50000")
    assert elapsed < 2.0, elapsed
    assert app.evaluate("performance.memory.usedJSHeapSize") - before < 50 * 2**20
