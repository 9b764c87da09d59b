"""Take the README screenshots (docs/*.png) from the real app: .venv/bin/python bench/screenshots.py
(`... screenshots.py editor`: only the editor's two; `... screenshots.py phone-batch`: only the
phone's batch)."""
import io, os, sys, threading
from pathlib import Path
ROOT = Path(__file__).resolve().parent.parent
os.chdir(ROOT)
sys.path[:0] = [str(ROOT), str(ROOT / 'py')]
from buildtools.server import make_server
from buildtools.paths import DIST
from playwright.sync_api import sync_playwright, expect
from PIL import Image


def save_small(png, path):
    """A screenshot as a 256-colour PNG: the docs' images stay small (well under 150 KB)."""
    Image.open(io.BytesIO(png)).convert("RGB").quantize(256, dither=Image.Dither.NONE).save(path, optimize=True)


only = sys.argv[1:]
server = make_server(DIST, 0); threading.Thread(target=server.serve_forever, daemon=True).start()
url=f"http://127.0.0.1:{server.server_address[1]}/?backend=wasm"
files=[{"name":n.split("/")[-1],"mimeType":"image/png","buffer":open(n,"rb").read()} for n in ["tests/fixtures/astronaut.png","tests/fixtures/coffee.png"]]
with sync_playwright() as p:
    b=p.chromium.launch(executable_path=os.environ.get('PEEL_CHROMIUM', '/usr/bin/chromium'), args=["--no-sandbox","--disable-background-networking","--disable-component-update","--disable-sync"])
    if not only:
        pg=b.new_page(viewport={"width":1200,"height":900}); pg.goto(url)
        expect(pg.locator("[data-testid=app-status]")).to_have_attribute("data-ready","true",timeout=120000)
        pg.set_input_files("#file-input", files*3 + [{"name":"broken.jpg","mimeType":"image/jpeg","buffer":b"\xff\xd8\xff\xe0"+b"\0"*100}])
        expect(pg.locator("[data-testid=result][data-state=done]")).to_have_count(2, timeout=120000)
        pg.locator("section[aria-label=Results]").screenshot(path="docs/batch.png")
        expect(pg.locator("[data-testid=result]:not([data-state=done]):not([data-state=error])")).to_have_count(0, timeout=120000)
        pg.locator("[data-testid=clear-all]").click()
        pg.locator("#settings details:has([name=product]) summary").click()
        pg.locator("#settings [name=product]").check()
        pg.locator("#settings [name=product_shadow]").check()
        pg.locator("#settings [name=format]").select_option("jpeg")
        pg.set_input_files("#file-input", ["tests/fixtures/coffee.png"])
        expect(pg.locator("[data-testid=result][data-state=done]")).to_have_count(1, timeout=120000)
        pg.locator("main").screenshot(path="docs/product.png")
        pg.close()
    # A phone's batch with one error: the editor, and under it the strip's first row with the
    # broken file's reason over its dimmed photo, all on the first screen.
    if not only or only == ["phone-batch"]:
        context = b.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
        pg = context.new_page(); pg.goto(url)
        expect(pg.locator("[data-testid=app-status]")).to_have_attribute("data-ready", "true", timeout=120000)
        pg.set_input_files("#file-input", [{"name": "broken.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0" + b"\0" * 100},
                                           *files])
        expect(pg.locator("[data-testid=result][data-state=done]")).to_have_count(2, timeout=120000)
        pg.wait_for_timeout(300)
        save_small(pg.screenshot(), "docs/batch-phone.png")
        context.close()
    if only not in ([], ["editor"]):
        b.close(); sys.exit()
    # The editor, mid-edit: one erase stroke rendered, a second one being painted (desktop: mouse;
    # phone: touch), on the car of rembg's fixtures whose shadow u2netp keeps in part.
    car = "tests/fixtures/rembg/fixtures/car-1.jpg"
    for name, viewport, touch in (("editor-desktop", {"width": 1280, "height": 800}, False),
                                  ("editor-phone", {"width": 390, "height": 844}, True)):
        context = b.new_context(viewport=viewport, has_touch=touch, is_mobile=touch, device_scale_factor=2 if touch else 1)
        pg = context.new_page(); pg.goto(url)
        expect(pg.locator("[data-testid=app-status]")).to_have_attribute("data-ready", "true", timeout=120000)
        pg.set_input_files("#file-input", [car])
        expect(pg.locator("[data-testid=result][data-state=done]")).to_have_count(1, timeout=120000)
        editor = pg.locator("[data-testid=editor]")
        canvas = editor.locator("[data-testid=editor-canvas]").bounding_box()
        scale = min(canvas["width"] / 480, canvas["height"] / 360)
        at = lambda x, y: (canvas["x"] + (canvas["width"] - 480 * scale) / 2 + x * scale,  # noqa: E731
                           canvas["y"] + (canvas["height"] - 360 * scale) / 2 + y * scale)
        editor.locator("[data-testid=tool-erase]").click()
        editor.locator("input[name=brush_size]").fill(str(round(22 * scale)))
        cdp = context.new_cdp_session(pg) if touch else None
        def paint(points, finish=True):
            if touch:
                send = lambda kind, pts: cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [  # noqa: E731
                    {"x": x, "y": y, "id": 0} for x, y in pts]})
                send("touchStart", [at(*points[0])])
                for point in points[1:]:
                    send("touchMove", [at(*point)])
                if finish:
                    send("touchEnd", [])
            else:
                pg.mouse.move(*at(*points[0])); pg.mouse.down()
                for point in points[1:]:
                    pg.mouse.move(*at(*point), steps=6)
                if finish:
                    pg.mouse.up()
        paint([(45, 268), (120, 282), (200, 286)])
        expect(editor).not_to_have_attribute("data-busy", "true", timeout=120000)
        paint([(230, 288), (300, 288), (345, 284)], finish=False)  # the stroke being painted
        pg.wait_for_timeout(300)
        save_small(pg.screenshot(), f"docs/{name}.png")
        context.close()
    b.close()
