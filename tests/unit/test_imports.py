"""Keep the package's boundaries: pure core, one JS bridge, lazy onnxruntime."""

import ast
import doctest
import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "py" / "peel"
JS_MODULES = {"js", "pyodide", "pyodide_js"}
CORE_ALLOWED = set(sys.stdlib_module_names) | {"numpy", "PIL"}
#: The browser core (what the worker unpacks) and the desktop side (CPython only), as paths
#: relative to the package folder.
MODULES = sorted([*(path.name for path in PACKAGE.glob("*.py")),
                  *(f"models/{path.name}" for path in (PACKAGE / "models").glob("*.py"))])
DESKTOP_MODULES = sorted(path.relative_to(PACKAGE).as_posix() for path in (PACKAGE / "desktop").rglob("*.py"))
#: `peel bulk` (desktop/bulk/, the peel[ray] extra) alone may import these, and only lazily.
BULK_ONLY = {"ray", "pyarrow", "fsspec"}
# bridge.py is the one module allowed to import js/pyodide; everything else is core.
CORE_MODULES = [name for name in MODULES if name != "bridge.py"]


def imported_modules(tree):
    """Yield (top-level module name, node, is at module level) for every absolute import."""
    module_level = set(map(id, tree.body))
    # Imports inside `if`/`try` at module level still run at import time.
    for node in tree.body:
        if isinstance(node, (ast.If, ast.Try)):
            module_level.update(id(child) for child in ast.walk(node))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            yield name.split(".")[0], node, id(node) in module_level


def parse(name):
    return ast.parse((PACKAGE / name).read_text(encoding="utf-8"), filename=name)


def test_package_has_the_expected_modules():
    assert {"__init__.py", "errors.py", "preprocess.py", "mask.py", "composite.py", "bridge.py"} <= set(MODULES)
    assert {"desktop/__init__.py", "desktop/api.py", "desktop/cli.py", "desktop/native.py",
            "desktop/assets.py", "desktop/pipeline.py", "desktop/bulk/stage.py",
            "desktop/bulk/command.py"} <= set(DESKTOP_MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_core_never_imports_the_desktop_side(name):
    # The worker unpacks only the core: an import of peel.desktop would fail in the browser.
    for node in ast.walk(parse(name)):
        if isinstance(node, ast.ImportFrom):
            target = ("." * node.level) + (node.module or "")
            names = [alias.name for alias in node.names]
            assert not (target.startswith(("peel.desktop", ".desktop")) or (target == "." and "desktop" in names)), \
                f"{name}:{node.lineno} imports the desktop side"


@pytest.mark.parametrize("name", CORE_MODULES + DESKTOP_MODULES)
def test_only_bridge_touches_javascript(name):
    used = {module for module, _, _ in imported_modules(parse(name))} & JS_MODULES
    assert not used, f"{name} imports {used}; only bridge.py may talk to JavaScript"


@pytest.mark.parametrize("name", CORE_MODULES + DESKTOP_MODULES)
def test_core_imports_only_stdlib_numpy_pil(name):
    for module, node, at_module_level in imported_modules(parse(name)):
        if name == "desktop/native.py" and module == "onnxruntime":
            assert not at_module_level, "native.py must import onnxruntime lazily (line %d)" % node.lineno
            continue
        if name.startswith("desktop/bulk/") and module in BULK_ONLY:
            assert not at_module_level, f"{name}:{node.lineno} must import {module} lazily (peel works without it)"
            continue
        if name == "desktop/graph_edit.py" and module == "onnx":  # only `peel models --resize` needs it
            assert not at_module_level, "graph_edit.py must import onnx lazily (line %d)" % node.lineno
            continue
        assert module in CORE_ALLOWED, f"{name}:{node.lineno} imports {module}"


def test_package_imports_and_runs_without_onnxruntime():
    # As in Pyodide: `onnxruntime` cannot be imported at all.
    code = textwrap.dedent(f"""
        import sys
        sys.modules["onnxruntime"] = None
        sys.path.insert(0, {str(PACKAGE.parent)!r})
        import numpy as np
        import peel
        out = peel.remove_background(np.zeros((3, 5, 3), np.uint8),
                                     lambda t: np.arange(320 * 320, dtype=np.float32).reshape(1, 1, 320, 320))
        assert out.shape == (3, 5, 4)
        try:
            peel.OnnxInference("model.onnx")
        except ImportError:
            print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_public_api():
    import peel

    for name in peel.__all__:
        assert hasattr(peel, name), name
    assert isinstance(peel.__version__, str) and peel.__version__.count(".") == 2
    # The seam the browser glue calls around its asynchronous inference.
    from peel.desktop.pipeline import cut_out, prepare_input

    assert prepare_input is peel.prepare_input and cut_out is peel.cut_out


@pytest.mark.parametrize("name", [name[:-3] for name in CORE_MODULES + DESKTOP_MODULES
                                  if not name.endswith("__init__.py")])
def test_docstring_examples(name):
    module = importlib.import_module(f"peel.{name.replace('/', '.')}")
    result = doctest.testmod(module, extraglobs={"np": __import__("numpy")})
    assert result.failed == 0
