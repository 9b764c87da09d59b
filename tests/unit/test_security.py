"""Security hygiene that reading the source can prove."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JS_FILES = sorted((ROOT / "js").rglob("*.js")) + [ROOT / "sw.js"]


@pytest.mark.parametrize("path", JS_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_html_is_built_from_strings(path):
    source = path.read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source, f"{path.name} uses {sink}"


def test_index_has_no_inline_script_or_style_and_no_third_party_url():
    html = (ROOT / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert " style=" not in html and "<style" not in html
    # The credits link to the models' home pages: plain navigations the user chooses, no requests.
    for credit in ("https://github.com/xuebinqin/U-2-Net", "https://github.com/ZHKKKe/MODNet"):
        html = html.replace(f'href="{credit}"', "")
    assert not re.search(r"""(src|href)=["']https?://""", html)

