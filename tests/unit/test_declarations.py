"""Each model and each setting is declared once, in py/peel: the page and the worker read the
declarations (js/shared/contract.js) instead of naming a model or its size again."""

import math
import re
from pathlib import Path

import pytest

from peel.models import MODELS, declaration
from peel.preprocess import MODEL_SIZE
from peel.settings import FIELD_HELP, Settings, _CHOICES, _RANGES

ROOT = Path(__file__).resolve().parents[2]
#: The generated contract is where the declarations go; everything else must read it.
GENERATED = ROOT / "js" / "shared" / "contract.js"
PAGE_FILES = [ROOT / "index.html", ROOT / "sw.js",
              *(path for path in sorted((ROOT / "js").rglob("*.js")) if path != GENERATED)]


def size_spellings(size):
    """How a file size may be written in prose: 25.9 MB, 26 MB, 24.7 MiB, 25 MB..."""
    megabytes, mebibytes = size / 1e6, size / 2**20
    numbers = {f"{megabytes:.1f}", f"{round(megabytes)}", f"{math.floor(megabytes * 10) / 10:.1f}",
               f"{mebibytes:.1f}", f"{round(mebibytes)}", f"{math.floor(megabytes)}"}
    return [re.compile(rf"(?<![\d.]){re.escape(number)}\s*Mi?B\b") for number in numbers]


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_no_page_or_worker_file_names_a_model_or_its_size(path):
    text = path.read_text()
    for model in MODELS.values():
        assert not re.search(rf"\b{re.escape(model.name)}\b", text), f"{model.name} named in {path.name}"
        assert model.served not in text, f"{model.served} named in {path.name}"
        for spelling in size_spellings(model.file.bytes):
            assert not spelling.search(text), f"{model.name}'s size ({spelling.pattern}) in {path.name}"


def test_the_check_finds_what_it_looks_for():
    assert any(spelling.search("the MODNet people model (26 MB)") for spelling in size_spellings(25_888_640))
    assert not any(spelling.search("Pyodide (about 17 MB)") for spelling in size_spellings(25_888_640))


def test_every_model_declaration_is_complete():
    for model in MODELS.values():
        assert isinstance(model, declaration.Model)
        assert model.label and model.title and model.called and model.description and model.licence
        assert model.origin.startswith("https://")
        assert model.processing.input_shape(100, 200, model.input_size)[:2] == (1, 3)


def test_the_u2net_family_size_is_the_preprocessing_size():
    assert MODELS["u2netp"].input_size == MODEL_SIZE


def test_the_settings_tables_are_derived_from_the_one_declaration():
    schema = Settings.schema()
    assert set(FIELD_HELP) == set(schema)
    assert {name: list(choices) for name, choices in _CHOICES.items()} == {
        name: entry["choices"] for name, entry in schema.items() if "choices" in entry}
    assert _RANGES == {name: (entry["min"], entry["max"]) for name, entry in schema.items() if "min" in entry}
    # Every number says what it counts, so the page shows it in its unit.
    assert all(entry.get("unit") in ("fraction", "px") for entry in schema.values() if "min" in entry)
    assert "u2netp" in FIELD_HELP["model"] and "modnet" in FIELD_HELP["model"]
