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


class _FormControls(HTMLParser):
    """The named controls of index.html's #settings form: {name: [(tag, attrs)]}, options included."""

    def __init__(self):
        super().__init__()
        self.in_form = False
        self.select = None
        self.controls = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "settings":
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if "data-choices" in attrs:  # filled with a radio per choice at start (settings-form.js)
            self.controls.setdefault(attrs["data-choices"], []).append(("choices", attrs))
        elif tag in ("input", "select") and name:
            self.controls.setdefault(name, []).append((tag, attrs))
            self.select = name if tag == "select" else None
        elif tag == "option" and self.select:
            self.controls[self.select].append((tag, attrs))

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self.select = None


def form_controls():
    parser = _FormControls()
    parser.feed((ROOT / "index.html").read_text())
    return parser.controls


SCHEMA = Settings.schema()


def not_settings():
    """The form's controls that readSettings skips: what a change applies to (scope), not a Settings field."""
    found = re.search(r"NOT_SETTINGS = new Set\(\[([^\]]*)\]\)", (ROOT / "js/page/settings-form.js").read_text())
    return set(re.findall(r"'(\w+)'", found.group(1)))


def test_the_page_form_has_a_control_for_every_setting_and_no_other():
    assert not_settings() == {"scope"}
    assert set(form_controls()) - not_settings() == set(SCHEMA)


@pytest.mark.parametrize("name", [name for name, entry in SCHEMA.items() if "choices" in entry and not any(
    tag == "choices" for tag, _ in form_controls()[name])])  # generated ones: tests/js/settings.test.js
def test_the_form_offers_exactly_the_schema_choices(name):
    offered = [attrs["value"] for tag, attrs in form_controls()[name] if tag == "option" or attrs.get("type") == "radio"]
    assert sorted(offered) == sorted(SCHEMA[name]["choices"])


def test_defaults_and_ranges_are_not_written_twice():
    # settings-form.js's applySchema gives them from the schema; a copy in the markup would drift.
    for name, controls in form_controls().items():
        for tag, attrs in controls:
            duplicated = {"min", "max", "checked", "selected"} & set(attrs)
            if tag == "input" and attrs.get("type") not in ("radio",):
                duplicated |= {"value"} & set(attrs)
            assert not duplicated, f"{name}: {duplicated} in index.html"


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
