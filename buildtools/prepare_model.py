"""Derive the served model from the pinned upstream u2netp.onnx (see docs/assets.md).

The upstream graph computes every Resize target size at run time (Shape → Gather → Unsqueeze →
Concat → Cast chains) and pools with ``ceil_mode=1``, which onnxruntime-web's WebGPU MaxPool
rejects. The app always feeds one 320×320 image, so everything shape-dependent can be decided
here, once, at build time:

1. fix the input to 1×3×320×320 and keep only the output the app reads (``1959``);
2. fold the shape computations into initializers (so every Resize has constant sizes);
3. express ``ceil_mode=1`` as ``ceil_mode=0`` plus explicit end padding.

The transform is deterministic (same bytes every run), and :func:`verify` checks that the derived
model gives the same mask as the upstream one under native onnxruntime.

Usage (from the repository root)::

    .venv/bin/python buildtools/prepare_model.py UPSTREAM.onnx OUT.onnx [--images a.png b.png]
"""

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper, shape_inference
from onnx.reference import ReferenceEvaluator
from PIL import Image

#: The one input shape the app uses: a batch of one 320×320 RGB tensor.
INPUT_SHAPE = (1, 3, 320, 320)
#: The fused saliency map; the six side outputs are only used for training.
OUTPUT = "1959"
#: Largest difference in output ``1959`` that the derived model may show against upstream.
MAX_ABS_DIFF = 1e-4
#: Real photographs to verify with (the same fixtures the unit tests use).
DEFAULT_IMAGES = tuple(
    Path(__file__).resolve().parent.parent / "tests" / "fixtures" / name
    for name in ("astronaut.png", "coffee.png")
)
#: rembg's normalisation for u2net models (ImageNet statistics).
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)

# Folding these would freeze one random draw into the model.
_RANDOM_OPS = frozenset(
    {"RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Multinomial",
     "Bernoulli"}
)


def prepare_model(model, input_shape=INPUT_SHAPE, outputs=(OUTPUT,)):
    """Return a static-shape copy of ``model`` that runs on onnxruntime-web's WebGPU backend.

    Parameters
    ----------
    model : onnx.ModelProto
        A model with exactly one graph input and no control flow. It is not modified.
    input_shape : tuple of int
        The static shape to give the input.
    outputs : sequence of str
        Names of the graph outputs to keep, in order; nodes feeding only the others are dropped.

    Returns
    -------
    onnx.ModelProto
        A model with no ``Shape`` nodes, no subgraph made only of constants, no
        ``ceil_mode=1`` MaxPool, and static shapes for every tensor under ONNX shape inference.
    """
    if not isinstance(model, onnx.ModelProto):
        raise TypeError(f"model must be an onnx.ModelProto, not {type(model).__name__}")
    reject_control_flow(model.graph)
    derived = onnx.ModelProto()
    derived.CopyFrom(model)
    graph = derived.graph
    fix_input_shape(graph, input_shape)
    select_outputs(graph, outputs)
    fold_constants(derived)
    prune_graph(graph)
    remove_ceil_mode(graph, static_shapes(derived))
    set_output_shapes(derived)
    check_static(derived)
    return derived


def reject_control_flow(graph):
    """Raise ValueError if any node has a subgraph.

    Folding and pruning look only at the top-level graph; a subgraph could use a name from it
    that they would then fold away or drop.
    """
    for node in graph.node:
        if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
               for a in node.attribute):
            raise ValueError(f"model: node {node.name!r} ({node.op_type}) has a subgraph; "
                             "control flow is not supported")


def graph_inputs(graph):
    """Graph inputs that are fed at run time (older IRs also list initializers as inputs)."""
    initializers = {t.name for t in graph.initializer}
    return [i for i in graph.input if i.name not in initializers]


def fix_input_shape(graph, input_shape):
    """Give the single run-time input of ``graph`` the static ``input_shape``, in place."""
    inputs = graph_inputs(graph)
    if len(inputs) != 1:
        raise ValueError(f"model: expected one graph input, found {[i.name for i in inputs]}")
    if not all(isinstance(d, int) and d > 0 for d in input_shape):
        raise ValueError(f"input_shape must be positive ints, got {input_shape!r}")
    shape = inputs[0].type.tensor_type.shape
    del shape.dim[:]
    for size in input_shape:
        shape.dim.add().dim_value = size


def select_outputs(graph, outputs):
    """Keep only the graph outputs named in ``outputs``, with their shapes left to inference."""
    by_name = {o.name: o for o in graph.output}
    missing = [name for name in outputs if name not in by_name]
    if missing or not outputs:
        raise ValueError(f"outputs {list(outputs)!r} must name graph outputs of {list(by_name)}")
    kept = [by_name[name] for name in outputs]
    for output in kept:
        # Upstream declares symbolic dims for the side outputs; inference fills in the real ones.
        output.type.tensor_type.ClearField("shape")
    del graph.output[:]
    graph.output.extend(kept)


def static_shapes(model):
    """Map each tensor name of ``model`` to its shape (a tuple) if ONNX infers it fully.

    Tensors whose shape is unknown or has symbolic dims are left out.
    """
    inferred = shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
    graph = inferred.graph
    shapes = {t.name: tuple(t.dims) for t in graph.initializer}
    for info in (*graph.input, *graph.value_info, *graph.output):
        tensor_type = info.type.tensor_type
        if tensor_type.HasField("shape") and all(d.HasField("dim_value")
                                                for d in tensor_type.shape.dim):
            shapes[info.name] = tuple(d.dim_value for d in tensor_type.shape.dim)
    return shapes


def fold_constants(model):
    """Fold shape computations and constant subgraphs into initializers, in place.

    Alternates shape inference with one folding pass until nothing changes: should inference
    leave a Resize's output shape open until its sizes are folded, the next pass can still fold
    the Shape nodes that read it.
    """
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    while fold_once(model.graph, opset, static_shapes(model)):
        pass


def fold_once(graph, opset, shapes):
    """Replace, in place, every node computable at build time by initializers.

    A node is computable if all its inputs are initializers (or outputs folded earlier in this
    pass, so one pass folds a whole chain), or if it is a Shape of a tensor whose shape is in
    ``shapes``. Returns True if anything was folded.
    """
    constants = {t.name: t for t in graph.initializer}
    kept, folded = [], []
    for node in graph.node:
        values = evaluate_node(node, opset, constants, shapes)
        if values is None:
            kept.append(node)
            continue
        for name, value in zip(node.output, values):
            tensor = numpy_helper.from_array(np.asarray(value), name)
            constants[name] = tensor
            folded.append(tensor)
    if not folded:
        return False
    del graph.node[:]
    graph.node.extend(kept)
    graph.initializer.extend(folded)
    return True


def evaluate_node(node, opset, constants, shapes):
    """Return the output values of ``node`` if they can be known at build time, else None."""
    if node.op_type in _RANDOM_OPS or node.domain not in ("", "ai.onnx"):
        return None
    if node.op_type == "Shape" and node.input[0] in shapes:
        return [shape_value(node, shapes[node.input[0]])]
    names = [name for name in node.input if name]
    if not all(name in constants for name in names):
        return None
    feeds = {name: numpy_helper.to_array(constants[name]) for name in names}
    # Wrapped in a graph because ReferenceEvaluator ignores ``opsets`` for a bare NodeProto and
    # runs the newest version of the op (Unsqueeze-13 takes axes as an input, not Unsqueeze-11's
    # attribute).
    graph = onnx.helper.make_graph(
        [node], "fold", [onnx.helper.make_empty_tensor_value_info(name) for name in names],
        [onnx.helper.make_empty_tensor_value_info(name) for name in node.output])
    return ReferenceEvaluator(graph, opsets={"": opset}).run(None, feeds)


def shape_value(node, shape):
    """The int64 tensor a Shape ``node`` yields for an input of static ``shape``.

    Opset 15's ``start``/``end`` attributes slice like Python, clamping out-of-range ends.
    """
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    return np.array(shape[attrs.get("start", 0):attrs.get("end", len(shape))], dtype=np.int64)


def prune_graph(graph):
    """Drop, in place, the nodes and initializers that no graph output depends on."""
    needed = {o.name for o in graph.output}
    kept = []
    for node in reversed(graph.node):
        if any(name in needed for name in node.output):
            kept.append(node)
            needed.update(name for name in node.input if name)
    initializers = [t for t in graph.initializer if t.name in needed]
    del graph.node[:]
    graph.node.extend(reversed(kept))
    del graph.initializer[:]
    graph.initializer.extend(initializers)


def ceil_mode_end_padding(size, kernel, stride, dilation=1, pad_begin=0, pad_end=0):
    """Extra end padding that makes a floor-mode pool as long as the ceil-mode one.

    A floor-mode pool over the padded input then has the same windows, the last one reaching
    into the extra padding, which never wins a max. onnxruntime refuses a pad as large as the
    kernel (such a window could lie entirely in padding), so that case raises ValueError.

    >>> ceil_mode_end_padding(7, kernel=2, stride=2)   # 3 full windows + 1 over [6, pad]
    1
    >>> ceil_mode_end_padding(320, kernel=2, stride=2)  # even sizes need no extra padding
    0
    """
    span = size + pad_begin + pad_end - (kernel - 1) * dilation - 1
    windows = -(-span // stride) + 1
    extra = (windows - 1) * stride - span
    if pad_end + extra >= kernel:
        raise ValueError(f"ceil_mode pooling of size {size} (kernel {kernel}, stride {stride}) "
                         f"needs end padding {pad_end + extra}, not smaller than the kernel")
    return extra


def remove_ceil_mode(graph, shapes):
    """Rewrite, in place, each MaxPool with ``ceil_mode=1`` as ``ceil_mode=0`` plus end padding.

    ``shapes`` must give the static shape of each such MaxPool's input.
    """
    for node in graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type != "MaxPool" or not attrs.get("ceil_mode", 0):
            continue
        if attrs.get("auto_pad", b"NOTSET") != b"NOTSET":
            raise ValueError(f"MaxPool {node.name!r}: ceil_mode with auto_pad is not supported")
        spatial = shapes[node.input[0]][2:]
        kernel = attrs["kernel_shape"]
        rank = len(kernel)
        strides = attrs.get("strides", [1] * rank)
        dilations = attrs.get("dilations", [1] * rank)
        pads = attrs.get("pads", [0] * 2 * rank)
        ends = [
            pads[rank + i] + ceil_mode_end_padding(spatial[i], kernel[i], strides[i],
                                                   dilations[i], pads[i], pads[rank + i])
            for i in range(rank)
        ]
        attrs.pop("ceil_mode")
        attrs["pads"] = list(pads[:rank]) + ends
        del node.attribute[:]
        # Sorted so the attribute order, and hence the bytes, do not depend on the upstream order.
        node.attribute.extend(onnx.helper.make_attribute(k, v) for k, v in sorted(attrs.items()))


def set_output_shapes(model):
    """Declare, in place, the static shapes ONNX infers for the graph outputs."""
    shapes = static_shapes(model)
    for output in model.graph.output:
        if output.name not in shapes:
            raise ValueError(f"model: output {output.name!r} has no static shape after folding")
        dims = output.type.tensor_type.shape.dim
        del dims[:]
        for size in shapes[output.name]:
            dims.add().dim_value = size


def check_static(model):
    """Raise if ``model`` fails the ONNX checker or leaves any tensor without a static shape.

    A dynamic dim left behind should fail the build, not the browser.
    """
    onnx.checker.check_model(model, full_check=True)
    shapes = static_shapes(model)
    dynamic = [name for node in model.graph.node for name in node.output if name not in shapes]
    if dynamic:
        raise ValueError(f"model: tensors without a static shape after folding: {dynamic[:10]}")


def prepare_tensor(image_path):
    """Load an image as the model's input, the way rembg prepares it for u2netp.

    Returns
    -------
    tensor : numpy.ndarray, shape (1, 3, 320, 320), float32
        RGB resized to 320×320 (LANCZOS), divided by its maximum, normalised with ImageNet
        mean and std, channels first.
    """
    with Image.open(image_path) as image:
        rgb = np.asarray(image.convert("RGB").resize(INPUT_SHAPE[2:], Image.LANCZOS))
    scaled = rgb.astype(np.float32) / np.float32(rgb.max())
    normalized = (scaled - MEAN) / STD
    return normalized.transpose(2, 0, 1)[np.newaxis].astype(np.float32)


def run_output(session, tensor, output=OUTPUT):
    """Run an onnxruntime ``session`` on ``tensor`` and return the named output."""
    return session.run([output], {session.get_inputs()[0].name: tensor})[0]


def verify(upstream_path, derived_path, images=DEFAULT_IMAGES):
    """Largest absolute difference in output ``1959`` between two models over ``images``.

    Both models run under native onnxruntime (CPUExecutionProvider, default optimisations) on
    the rembg-style input made from each image.
    """
    if not images:
        raise ValueError("images must name at least one image")
    upstream, derived = (ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
                         for path in (upstream_path, derived_path))
    diff = 0.0
    for image in images:
        tensor = prepare_tensor(image)
        expected, actual = run_output(upstream, tensor), run_output(derived, tensor)
        if expected.shape != actual.shape:
            raise ValueError(f"{image}: output shape {actual.shape} != upstream {expected.shape}")
        diff = max(diff, float(np.max(np.abs(expected - actual))))
    return diff


def sha256(data):
    """Hex sha256 of ``data`` (bytes)."""
    return hashlib.sha256(data).hexdigest()


def main(argv=None):
    """Write the derived model, verify it, print a JSON summary; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("upstream", type=Path, help="the upstream u2netp.onnx")
    parser.add_argument("out", type=Path, help="where to write the derived model")
    parser.add_argument("--images", type=Path, nargs="+", default=list(DEFAULT_IMAGES),
                        help="images to verify with (default: the test fixtures)")
    args = parser.parse_args(argv)

    upstream_bytes = args.upstream.read_bytes()
    upstream = onnx.load_from_string(upstream_bytes)
    derived = prepare_model(upstream)
    derived_bytes = derived.SerializeToString()
    # Verify a temporary file first, so a model that fails never lands at OUT.
    tmp = args.out.with_name(args.out.name + ".tmp")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_bytes(derived_bytes)
    try:
        diff = verify(args.upstream, tmp, args.images)
        if diff > MAX_ABS_DIFF:
            print(f"prepare_model: derived model differs from upstream by {diff:.3g} "
                  f"(limit {MAX_ABS_DIFF:g}); not writing {args.out}", file=sys.stderr)
            return 1
        os.replace(tmp, args.out)
    finally:
        tmp.unlink(missing_ok=True)
    print(json.dumps({
        "upstream_sha256": sha256(upstream_bytes),
        "derived_sha256": sha256(derived_bytes),
        "max_abs_diff": diff,
        "nodes_before": len(upstream.graph.node),
        "nodes_after": len(derived.graph.node),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
