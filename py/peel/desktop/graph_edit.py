"""Let a fixed-size ISNet (or U²-Net) graph take other square input sizes (desktop; needs ``onnx``).

ISNet's ONNX exports (rembg's ``isnet-general-use``, the fp16 copy in imgly's package) fix the
input at 1024 × 1024, and each of their ``Resize`` nodes upsamples to a size written into the
graph as a constant, taken at 1024. Measured on the photo composites, ISNet at 640 gives better
masks than at 1024 and costs 2.5× less (docs/models.md). This edit

1. turns each ``Resize`` with constant output sizes into the same ``Resize`` with the constant
   scale those sizes meant (an exact factor, 2 or a power of 2, in these networks), so the
   graph follows its input's size;
2. makes the input's and outputs' height and width symbolic and drops the stored intermediate
   shapes (onnxruntime infers them again);
3. records ``peel.family`` and ``peel.input_size`` in the model's metadata, which
   :func:`peel.models.recognise.recognise_model` reads: the edited file runs at that size with
   no flag.

The edited graph gives the same output as the original at 1024 (max difference 9e-5 on the fp16
ISNet). Sizes should be multiples of 32 (the network halves its feature maps five times).

    peel models --resize isnet-general-use.onnx 640 isnet-640.onnx
    peel photo.jpg --model-file isnet-640.onnx
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InvalidArgumentError, NotSegmentationModelError

__all__ = ["resize_graph"]


def _constant_values(graph):
    from onnx import numpy_helper

    values = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].HasField("t"):
            values[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    return values


def resize_graph(source, target, size, *, family="isnet"):
    """Write a copy of the model at ``source`` that takes ``size`` × ``size`` input (and any other).

    Parameters
    ----------
    source, target : str or os.PathLike
        The fixed-size model and where its copy goes.
    size : int
        The input side the copy records as its own (a multiple of 32, 64–2048).
    family : str
        The family recorded with it (``isnet`` or ``u2net``).

    Returns
    -------
    int
        How many Resize nodes were changed.

    Raises
    ------
    InvalidArgumentError
        ``size`` is not a multiple of 32 in 64–2048.
    NotSegmentationModelError
        A Resize's sizes are not a constant the edit understands, or the input is not
        (1, 3, H, W) with a fixed H and W.
    """
    import onnx
    from onnx import numpy_helper

    if not isinstance(size, int) or size % 32 or not 64 <= size <= 2048:
        raise InvalidArgumentError(f"size must be a multiple of 32 between 64 and 2048, got {size!r}")
    model = onnx.load(str(source))
    graph = model.graph
    if len(graph.value_info) == 0:  # older exports keep no shapes: infer them at the fixed size
        model = onnx.shape_inference.infer_shapes(model)
        graph = model.graph
    shapes = {info.name: [d.dim_value for d in info.type.tensor_type.shape.dim]
              for info in (*graph.value_info, *graph.input, *graph.output)}
    values = _constant_values(graph)
    producers = {output: node for node in graph.node for output in node.output}
    changed = 0
    for node in graph.node:
        if node.op_type != "Resize" or len(node.input) < 4 or not node.input[3]:
            continue  # already a scale, or no sizes
        source_shape = shapes.get(node.input[0])
        sizes = values.get(node.input[3])
        if sizes is None and node.input[3] in producers and producers[node.input[3]].op_type == "Concat":
            parts = [values.get(name) for name in producers[node.input[3]].input]
            sizes = next((part for part in parts if part is not None and part.size == 2), None)
            sizes = None if sizes is None else np.concatenate([[0, 0], sizes])
        if sizes is None or not source_shape or 0 in source_shape[2:]:
            raise NotSegmentationModelError(f"{source}: Resize {node.name!r} has sizes this edit cannot turn into "
                                            "a scale")
        scales = np.array([1.0, 1.0, sizes[-2] / source_shape[2], sizes[-1] / source_shape[3]], np.float32)
        name = f"{node.name or node.output[0]}_peel_scales"
        graph.initializer.append(numpy_helper.from_array(scales, name))
        node.input[2], node.input[3] = name, ""
        changed += 1
    for info in (graph.input[0], *graph.output):
        dims = info.type.tensor_type.shape.dim
        if len(dims) == 4:
            for dim, label in zip(dims[2:], ("height", "width")):
                dim.ClearField("dim_value")
                dim.dim_param = label
    del graph.value_info[:]
    for key, value in (("peel.family", family), ("peel.input_size", str(size))):
        entry = next((e for e in model.metadata_props if e.key == key), None) or model.metadata_props.add()
        entry.key, entry.value = key, value
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(target))
    return changed
