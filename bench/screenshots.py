"""Take the README screenshots (docs/*.png) from the real app: .venv/bin/python bench/screenshots.py"""
import os, sys, threading
from pathlib import Path
ROOT = Path(__file__).resolve().parent.parent
os.chdir(ROOT)
sys.path[:0] = [str(ROOT), str(ROOT / 'py')]
from buildtools.server import make_server
from buildtools.paths import DIST
from playwright.sync_api import sync_playwright, expect
server = make_server(DIST, 0); threading.Thread(target=server.serve_forever, daemon=True).start()
url=f"http://127.0.0.1:{server.server_address[1]}/?backend=wasm"
files=[{"name":n.split("/")[-1],"mimeType":"image/png","buffer":open(n,"rb").read()} for n in ["tests/fixtures/astronaut.png","tests/fixtures/coffee.png"]]
with sync_playwright() as p:
    b=p.chromium.launch(executable_path=os.environ.get('PEEL_CHROMIUM', '/usr/bin/chromium'), args=["--no-sandbox","--disable-background-networking","--disable-component-update","--disable-sync"])
    pg=b.new_page(viewport={"width":1200,"height":900}); pg.goto(url)
    expect(pg.locator("[data-testid=app-status]")).to_have_attribute("data-ready","true",timeout=120000)
    pg.set_input_files("#file-input", files*3 + [{"name":"broken.jpg","mimeType":"image/jpeg","buffer":b"\xff\xd8\xff\xe0"+b"\0"*100}])
    expect(pg.locator("[data-testid=result][data-state=done]")).to_have_count(2, timeout=120000)
    pg.locator("section[aria-label=Results]").screenshot(path="docs/batch.png")
    expect(pg.locator("[data-testid=result]:not([data-state=done]):not([data-state=error])")).to_have_count(0, timeout=120000)
    pg.locator("[data-testid=clear-all]").click()
    pg.locator("#settings [name=product]").check()
    pg.locator("#settings [name=product_shadow]").check()
    pg.locator("#settings [name=format]").select_option("jpeg")
    pg.set_input_files("#file-input", ["tests/fixtures/coffee.png"])
    expect(pg.locator("[data-testid=result][data-state=done]")).to_have_count(1, timeout=120000)
    pg.locator("main").screenshot(path="docs/product.png")
    b.close()
