"""Tests for buildtools/prepare_model.py: the upstream u2netp.onnx → served model transform."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper, shape_inference

ROOT = Path(__file__).resolve().parents[2]
# Tests run from the repository root without installing anything; make `buildtools` importable.
sys.path.insert(0, str(ROOT))

from buildtools import prepare_model as pm  # noqa: E402
from buildtools.paths import upstream_model  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
IMAGES = [FIXTURES / "astronaut.png", FIXTURES / "coffee.png"]
# What the shape computations are made of upstream; none may survive the folding.
SHAPE_OPS = {"Shape", "Gather", "Unsqueeze", "Cast", "Slice", "Constant"}


# --- helpers --------------------------------------------------------------------------------

def make_pool_resize_model(kernel, stride, pads):
    """A tiny opset-11 model shaped like one U²-Net step, with a symbolic input shape.

    ``y`` = MaxPool(x, ceil_mode=1) resized back to x's height and width, the sizes computed
    by Shape → Gather → Unsqueeze → Concat → Cast as PyTorch exports them; ``side`` is a second
    output that only a Relu feeds (prepare_model must drop both).
    """
    def const(name, array):
        return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(array))

    nodes = [
        helper.make_node("MaxPool", ["x"], ["pooled"], ceil_mode=1, kernel_shape=[kernel] * 2,
                         strides=[stride] * 2, pads=[pads] * 4),
        helper.make_node("Shape", ["x"], ["x_shape"]),
        const("two", np.array(2, np.int64)),
        const("three", np.array(3, np.int64)),
        helper.make_node("Gather", ["x_shape", "two"], ["h"], axis=0),
        helper.make_node("Gather", ["x_shape", "three"], ["w"], axis=0),
        helper.make_node("Unsqueeze", ["h"], ["h1"], axes=[0]),
        helper.make_node("Unsqueeze", ["w"], ["w1"], axes=[0]),
        helper.make_node("Concat", ["h1", "w1"], ["hw"], axis=0),
        helper.make_node("Cast", ["hw"], ["hw64"], to=TensorProto.INT64),
        helper.make_node("Shape", ["pooled"], ["pooled_shape"]),
        const("zero", np.array([0], np.int64)),
        const("end", np.array([2], np.int64)),
        helper.make_node("Slice", ["pooled_shape", "zero", "end", "zero"], ["nc"]),
        helper.make_node("Concat", ["nc", "hw64"], ["sizes"], axis=0),
        const("roi", np.array([], np.float32)),
        const("scales", np.array([], np.float32)),
        helper.make_node("Resize", ["pooled", "roi", "scales", "sizes"], ["y"], mode="linear",
                         coordinate_transformation_mode="pytorch_half_pixel"),
        helper.make_node("Relu", ["pooled"], ["side"]),
    ]
    graph = helper.make_graph(
        nodes, "pool_resize",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2, "h", "w"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("side", TensorProto.FLOAT, None)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)], ir_version=6)


def run(model, x, output):
    """Run ``model`` under native onnxruntime and return the named output."""
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run([output], {"x": x})[0]


def op_types(model):
    return {node.op_type for node in model.graph.node}


def ceil_mode_nodes(model):
    return [node.name or node.output[0] for node in model.graph.node
            if any(a.name == "ceil_mode" for a in node.attribute)]


def non_static_tensors(model):
    """Names of tensors whose shape full ONNX shape inference does not fix."""
    inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True,
                                            data_prop=True).graph
    infos = [*inferred.input, *inferred.value_info, *inferred.output]
    static = {info.name for info in infos
              if info.type.tensor_type.HasField("shape")
              and all(d.HasField("dim_value") for d in info.type.tensor_type.shape.dim)}
    produced = {name for node in inferred.node for name in node.output}
    return sorted(produced - static)


# --- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def upstream_path():
    path = upstream_model()
    if not path.is_file():
        pytest.fail(f"upstream model not cached at {path}: run `python3 build.py build` first",
                    pytrace=False)
    return path


@pytest.fixture(scope="module")
def upstream(upstream_path):
    return onnx.load(str(upstream_path))


@pytest.fixture(scope="module")
def derived(upstream):
    return pm.prepare_model(upstream)


@pytest.fixture(scope="module")
def derived_path(derived, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "u2netp-320.onnx"
    onnx.save(derived, str(path))
    return path


# --- (a) synthetic model --------------------------------------------------------------------

@pytest.mark.parametrize("height, width", [(7, 9), (5, 5), (6, 11), (8, 8)])
@pytest.mark.parametrize("kernel, stride, pads", [(2, 2, 0), (3, 2, 0), (3, 2, 1)])
def test_synthetic_model_matches_and_loses_shape_ops(height, width, kernel, stride, pads):
    model = make_pool_resize_model(kernel, stride, pads)
    x = np.random.default_rng(height * width).standard_normal((1, 2, height, width),
                                                              dtype=np.float32)

    derived = pm.prepare_model(model, input_shape=(1, 2, height, width), outputs=("y",))

    assert ceil_mode_nodes(derived) == []
    assert op_types(derived) == {"MaxPool", "Resize"}
    assert [o.name for o in derived.graph.output] == ["y"]
    assert non_static_tensors(derived) == []
    expected = run(model, x, "y")
    actual = run(derived, x, "y")
    assert actual.shape == expected.shape == (1, 2, height, width)
    assert actual.dtype == np.float32
    np.testing.assert_array_equal(actual, expected)


def test_synthetic_pool_gets_extra_end_padding():
    derived = pm.prepare_model(make_pool_resize_model(2, 2, 0), input_shape=(1, 2, 7, 9),
                               outputs=("y",))
    (pool,) = [n for n in derived.graph.node if n.op_type == "MaxPool"]
    pads = next(helper.get_attribute_value(a) for a in pool.attribute if a.name == "pads")
    # 7 → 4 windows of 2 needs one padded row; 9 → 5 windows needs one padded column.
    assert pads == [0, 0, 1, 1]


@pytest.mark.parametrize("size, kernel, stride, pad_begin, pad_end, extra", [
    (7, 2, 2, 0, 0, 1),
    (320, 2, 2, 0, 0, 0),
    (5, 3, 2, 0, 0, 0),
    (6, 3, 2, 1, 1, 1),
    (10, 3, 3, 0, 0, 2),
])
def test_ceil_mode_end_padding_keeps_output_size(size, kernel, stride, pad_begin, pad_end, extra):
    got = pm.ceil_mode_end_padding(size, kernel, stride, 1, pad_begin, pad_end)
    ceil_size = -(-(size + pad_begin + pad_end - kernel) // stride) + 1
    floor_size = (size + pad_begin + pad_end + got - kernel) // stride + 1
    assert got == extra
    assert floor_size == ceil_size


def test_ceil_mode_end_padding_rejects_pad_as_large_as_kernel():
    # kernel 1, stride 3 over 5: ceil mode would add a window lying wholly in padding.
    with pytest.raises(ValueError, match="not smaller than the kernel"):
        pm.ceil_mode_end_padding(5, kernel=1, stride=3)


def test_prepare_model_validates_arguments():
    model = make_pool_resize_model(2, 2, 0)
    with pytest.raises(TypeError, match="model"):
        pm.prepare_model(model.SerializeToString())
    with pytest.raises(ValueError, match="outputs"):
        pm.prepare_model(model, input_shape=(1, 2, 7, 9), outputs=("nope",))
    with pytest.raises(ValueError, match="input_shape"):
        pm.prepare_model(model, input_shape=(1, 2, 0, 9), outputs=("y",))


# --- (b) the real upstream model ------------------------------------------------------------

def test_upstream_is_unchanged(upstream_path, upstream, derived):
    assert upstream.SerializeToString() == onnx.load(str(upstream_path)).SerializeToString()


def test_derived_has_no_shape_ops_or_ceil_mode(upstream, derived):
    assert "Shape" in op_types(upstream) and ceil_mode_nodes(upstream)  # the test means something
    assert op_types(derived) & SHAPE_OPS == set()
    assert ceil_mode_nodes(derived) == []
    assert len(derived.graph.node) < len(upstream.graph.node)


def test_derived_resizes_have_constant_inputs(derived):
    initializers = {t.name: numpy_helper.to_array(t) for t in derived.graph.initializer}
    resizes = [n for n in derived.graph.node if n.op_type == "Resize"]
    assert len(resizes) == 38
    for node in resizes:
        assert all(name in initializers for name in node.input[1:]), node.input
        sizes = initializers[node.input[3]]
        assert sizes.dtype == np.int64 and sizes.shape == (4,) and np.all(sizes > 0)


def test_derived_has_no_foldable_node(derived):
    initializers = {t.name for t in derived.graph.initializer}
    foldable = [n.output[0] for n in derived.graph.node
                if all(name in initializers for name in n.input if name)]
    assert foldable == []


def test_derived_is_static_and_valid(derived):
    onnx.checker.check_model(derived, full_check=True)
    assert [i.name for i in derived.graph.input] == ["input.1"]
    assert [o.name for o in derived.graph.output] == [pm.OUTPUT]
    dims = derived.graph.output[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims] == [1, 1, 320, 320]
    assert non_static_tensors(derived) == []


@pytest.mark.parametrize("image", IMAGES, ids=lambda p: p.stem)
def test_derived_matches_upstream(upstream_path, derived_path, image):
    assert pm.verify(upstream_path, derived_path, [image]) <= pm.MAX_ABS_DIFF


def test_prepare_tensor_is_rembg_input():
    tensor = pm.prepare_tensor(IMAGES[0])
    assert tensor.shape == (1, 3, 320, 320)
    assert tensor.dtype == np.float32
    # (x / max - mean) / std with x / max in [0, 1].
    low = (0 - pm.MEAN) / pm.STD
    high = (1 - pm.MEAN) / pm.STD
    for channel in range(3):
        assert low[channel] - 1e-6 <= tensor[0, channel].min() < tensor[0, channel].max()
        assert tensor[0, channel].max() <= high[channel] + 1e-6


# --- (c) determinism and the command line ---------------------------------------------------

def test_prepare_model_is_deterministic(upstream, derived):
    assert pm.prepare_model(upstream).SerializeToString() == derived.SerializeToString()


def test_cli_writes_the_same_bytes_in_a_fresh_process(upstream_path, derived, tmp_path):
    out = tmp_path / "served" / "u2netp-320.onnx"
    # A different hash seed catches any output that depends on set or dict ordering.
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "buildtools/prepare_model.py", str(upstream_path), str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True)

    summary = json.loads(result.stdout)
    assert out.read_bytes() == derived.SerializeToString()
    assert summary["upstream_sha256"] == upstream_path.name
    assert summary["derived_sha256"] == pm.sha256(out.read_bytes())
    assert 0 <= summary["max_abs_diff"] <= pm.MAX_ABS_DIFF
    assert summary["nodes_after"] == len(derived.graph.node) < summary["nodes_before"]
    assert list(out.parent.iterdir()) == [out]  # no temporary file left behind


def test_cli_fails_and_writes_nothing_when_outputs_differ(upstream_path, tmp_path,
                                                          monkeypatch, capsys):
    out = tmp_path / "u2netp-320.onnx"
    monkeypatch.setattr(pm, "verify", lambda *args: 0.5)

    status = pm.main([str(upstream_path), str(out), "--images", str(IMAGES[0])])

    assert status != 0
    assert "differs from upstream by 0.5" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
