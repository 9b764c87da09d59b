"""The model definitions (py/peel/models/): pins, MODNet's reference input, outputs as masks."""

import ast
import math

import numpy as np
import pytest

from peel.desktop import assets
from peel.inter_area import area_resize
from peel.errors import InvalidArgumentError, ModelOutputError
from peel.models import DEFAULT_MODEL, FAMILIES, MODEL_NAMES, MODELS, declaration, get_model, modnet


def opencv_area_weights(n_in, n_out):
    """Dense (n_out, n_in) weights of OpenCV's INTER_AREA, written from its definition in
    resize.cpp (computeResizeAreaTab when shrinking; two taps with fx = (d+1) - (s+1)/scale,
    wrapped to [0, 1), when enlarging), one output at a time in float64."""
    scale = 1.0 / (n_out / n_in)
    weights = np.zeros((n_out, n_in))
    for d in range(n_out):
        if scale >= 1:
            start = d * scale
            end = start + scale
            cell = min(scale, n_in - start)
            first, last = math.ceil(start), min(math.floor(end), n_in - 1)
            first = min(first, last)
            if first - start > 1e-3:
                weights[d, first - 1] += (first - start) / cell
            weights[d, first:last] += 1 / cell
            if end - last > 1e-3:
                weights[d, last] += min(end - last, 1.0, cell) / cell
        else:
            source = math.floor(d * scale)
            fraction = (d + 1) - (source + 1) / scale
            fraction = 0.0 if fraction <= 0 else fraction - math.floor(fraction)
            if source >= n_in - 1:
                source, fraction = n_in - 1, 0.0
            weights[d, source] += 1 - fraction
            weights[d, min(source + 1, n_in - 1)] += fraction
    return weights


@pytest.mark.parametrize("size_in,size_out", [((1134, 739), (768, 512)), ((513, 700), (512, 672)),
                                              ((300, 400), (512, 672)), ((100, 1000), (96, 992)),
                                              ((7, 9), (32, 64)), ((64, 64), (32, 32))])
def test_area_resize_is_opencvs_inter_area(size_in, size_out):
    rng = np.random.default_rng(sum(size_in))
    pixels = rng.integers(0, 256, (*size_in, 4), dtype=np.uint8)
    resized, weight = area_resize(pixels, size_out)
    rows, cols = opencv_area_weights(size_in[0], size_out[0]), opencv_area_weights(size_in[1], size_out[1])
    expected = np.einsum("ij,jkc,lk->ilc", rows, pixels.astype(np.float64), cols, optimize=True)
    assert resized.shape == (*size_out, 4) and resized.dtype == np.float32
    np.testing.assert_allclose(resized, expected, atol=2e-4)
    np.testing.assert_allclose(weight, np.outer(rows.sum(1), cols.sum(1)), atol=1e-6)


@pytest.mark.parametrize("size,expected", [
    ((512, 512), (512, 512)),    # long side >= 512 >= short side: kept (multiples of 32)
    ((1134, 739), (768, 512)),   # short side > 512: it becomes 512, the long side truncated
    ((3000, 4000), (512, 672)),  # 12 MP
    ((300, 400), (512, 672)),    # long side < 512: enlarged to a 512 short side
    ((600, 500), (576, 480)),    # kept, rounded down
    ((5, 5), (512, 512)),
    ((10, 100_000), (32, 2048)),  # guards: never under 32 px, never over MAX_SIDE
])
def test_modnet_input_shape_follows_the_reference_rule(size, expected):
    assert modnet.input_shape(*size) == (1, 3, *expected)


def test_modnet_input_is_rgb_in_minus_one_to_one_channels_first():
    rgba = np.zeros((600, 900, 4), np.uint8)
    rgba[..., 0] = 255  # red; alpha ignored
    tensor = modnet.prepare_input(rgba)
    assert tensor.shape == (1, 3, 512, 768) and tensor.dtype == np.float32
    np.testing.assert_allclose(tensor[0, 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(tensor[0, 1:], -1.0, atol=1e-6)


def test_matte_is_clipped_not_stretched_and_saliency_is_stretched():
    faint = np.full((1, 1, 4, 4), 0.2, np.float32)
    faint[0, 0, 0, 0] = 0.3
    np.testing.assert_allclose(get_model("modnet").to_mask(faint).max(), 0.3)
    assert get_model("u2netp").to_mask(faint).max() == 1.0
    with pytest.raises(ModelOutputError):
        get_model("modnet").to_mask(np.full((4, 4), np.nan, np.float32))


def test_registry():
    assert MODEL_NAMES == ("u2netp", "modnet") and DEFAULT_MODEL == "u2netp"
    with pytest.raises(InvalidArgumentError, match="model must be one of u2netp, modnet"):
        get_model("birefnet")


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_pins_are_complete(name):
    source = MODELS[name].file
    asset = assets.model_asset(name)
    assert len(asset.sha256) == 64 and len(asset.package.sha256) == 64 and source.bytes > 1_000_000
    assert asset.package.client in ("npm", "pip")
    assert MODELS[name].served.startswith("models/")


def test_definitions_import_only_the_stdlib_at_module_level():
    # The build (stdlib only) reads the declarations; numpy is imported inside the functions that need it.
    for module in (*FAMILIES, declaration):
        tree = ast.parse(open(module.__file__, encoding="utf-8").read())
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.level:
                assert node.module in ("errors", "declaration", None) or node.module.endswith("errors"), node.module
            assert not (isinstance(node, ast.Import) and any(a.name == "numpy" for a in node.names))


def test_modnet_runs_natively_on_a_portrait(fixture_image):
    from peel.desktop.native import OnnxInference
    from peel.preprocess import as_rgba

    path = assets.cache_path(modnet.MODNET.file.sha256)
    if not path.is_file():
        pytest.fail(f"modnet.onnx missing at {path}: run `python3 build.py build` first")
    rgba = as_rgba(np.array(fixture_image("astronaut")))
    mask = modnet.to_mask(OnnxInference(path, threads=1)(modnet.prepare_input(rgba)))
    assert mask.shape == (512, 512) and mask.dtype == np.float32
    assert mask[64:192, 192:256].mean() > 0.95  # the face
    assert mask[:60, 400:].mean() < 0.1  # the flag side of the background, top right


def test_auto_threshold_of_a_matte_keeps_faint_hair():
    from peel.settings import AUTO_THRESHOLDS, MATTE_AUTO_THRESHOLDS, Settings

    for refine in ("none", "guided", "matte"):
        assert Settings(refine=refine).threshold_range == AUTO_THRESHOLDS[refine]
        low, high = Settings(model="modnet", refine=refine).threshold_range
        assert (low, high) == MATTE_AUTO_THRESHOLDS[refine] and low <= 0.05  # bench/people.py


def test_cli_model_modnet_equals_the_api(tmp_path):
    from PIL import Image

    from peel.desktop import cli
    from peel.desktop.api import Remover
    from tests.conftest import FIXTURES

    path = assets.cache_path(modnet.MODNET.file.sha256)
    if not path.is_file():
        pytest.fail(f"modnet.onnx missing at {path}: run `python3 build.py build` first")
    source = FIXTURES / "astronaut.png"
    assert cli.main([str(source), "--model", "modnet", "--format", "mask", "--model-file", str(path),
                     "-o", str(tmp_path), "--quiet"]) == 0
    with Image.open(tmp_path / "astronaut-mask.png") as image:
        from_cli = np.asarray(image)
    from_api = np.asarray(Remover({"modnet": path}, threads=1).remove(source, model="modnet", format="mask"))
    np.testing.assert_array_equal(from_cli, from_api)
    u2netp = np.asarray(Remover(threads=1).remove(source, format="mask"))
    assert np.abs(from_api.astype(int) - u2netp).mean() > 1  # really another model
