"""One settings schema: the page's form, js/page/command-line.js and the `peel` flags share names and
defaults, and a copied command line gives back the page's settings."""

import json
import re
import shlex
import shutil
import subprocess
from dataclasses import fields
from html.parser import HTMLParser

import pytest

from peel.desktop import cli
from peel.settings import Settings
from tests.conftest import ROOT

DEFAULTS = Settings().to_dict()


class _FormDefaults(HTMLParser):
    """Default values of the named controls of index.html's #settings form, as readSettings reads them."""

    def __init__(self):
        super().__init__()
        self.in_form = False
        self.select = None
        self.values = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "settings":
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind == "radio":
                if "checked" in attrs:
                    self.values[name] = attrs["value"]
            elif kind == "checkbox":
                self.values[name] = "checked" in attrs
            elif kind in ("range", "number"):
                self.values[name] = float(attrs["value"])
            else:
                self.values[name] = attrs["value"]
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs["value"]

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self.select = None


def test_the_page_form_has_every_setting_with_the_python_default():
    parser = _FormDefaults()
    parser.feed((ROOT / "index.html").read_text())
    assert set(parser.values) == set(DEFAULTS)
    for name, value in parser.values.items():
        assert value == DEFAULTS[name], name


def js_defaults():
    source = (ROOT / "js" / "page" / "command-line.js").read_text()
    body = re.search(r"DEFAULTS = Object\.freeze\(\{(.*?)\}\);", source, re.S)[1]
    entries = re.findall(r"^\s*(\w+): (.+?),?$", body, re.M)
    return {name: json.loads(value.replace("'", '"')) for name, value in entries}


def test_command_line_js_has_the_python_defaults():
    assert js_defaults() == DEFAULTS


def parse(command):
    """Settings and background image of a `peel ...` command, as the CLI reads them."""
    words = shlex.split(command)
    assert words[0] == "peel"
    args = cli.build_parser().parse_args([*words[1:], "in.png"])
    options = {f.name: getattr(args, f.name) for f in fields(Settings) if getattr(args, f.name) is not None}
    return Settings.from_dict(options), args.background_image


CASES = [
    ({}, "peel"),
    (dict(DEFAULTS), "peel"),
    ({"feather": 3, "format": "png"}, "peel --feather 3"),
    ({"format": "jpeg", "quality": 0.8, "background": "color", "background_color": "#ff0000"},
     "peel --format jpeg --quality 0.8 --background color --background-color '#ff0000'"),
    ({"product": True, "product_size": 1600, "product_aspect": "4:5", "product_shadow": True,
      "product_shadow_strength": 0.35, "product_margin": 0.05},
     "peel --product --product-size 1600 --product-aspect 4:5 --product-margin 0.05 --product-shadow "
     "--product-shadow-strength 0.35"),
    ({"background": "image"}, "peel --background image --background-image \"it's mine.jpg\""),
    ({"background": "blur", "background_blur": 7, "format": "mask"}, "peel --format mask --background blur --background-blur 7"),
]


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_copied_command_gives_back_the_settings():
    script = ("import { commandLine } from './js/page/command-line.js';"
              f"const cases = {json.dumps([case for case, _ in CASES])};"
              "console.log(JSON.stringify(cases.map((s) => commandLine(s, { backgroundImage: \"it's mine.jpg\" }))));")
    result = subprocess.run(["node", "--input-type=module", "-e", script], cwd=ROOT, capture_output=True, text=True,
                            check=True, timeout=30)
    commands = json.loads(result.stdout)
    for (settings, expected), command in zip(CASES, commands):
        assert shlex.split(command) == shlex.split(expected)
        parsed, background_image = parse(command)
        assert parsed == Settings.from_dict(settings)
        assert background_image == ("it's mine.jpg" if settings.get("background") == "image" else None)
