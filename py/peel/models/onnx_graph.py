"""What an ONNX file's graph takes and gives, read from its bytes with the stdlib only.

An ONNX file is a protobuf ``ModelProto``. Telling a model's family and refusing what is not a
segmentation model needs only its graph's inputs and outputs (names, element types, shapes);
this reader walks the protobuf wire format for those and skips everything else (nodes, weights)
without copying it, so an 88 MB file is read in milliseconds, in Pyodide as under CPython,
without the ``onnx`` package (which Pyodide lacks) and before any runtime loads the weights.

Fields read (onnx.proto3): ModelProto 1 ir_version, 2 producer_name, 7 graph, 8 opset_import,
14 metadata_props (StringStringEntryProto 1 key, 2 value);
GraphProto 5 initializer, 11 input, 12 output; ValueInfoProto 1 name, 2 type; TypeProto 1
tensor_type; TypeProto.Tensor 1 elem_type, 2 shape; TensorShapeProto 1 dim; Dimension 1
dim_value, 2 dim_param; TensorProto 8 name; OperatorSetIdProto 1 domain, 2 version.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import NotOnnxError

__all__ = ["TensorInfo", "GraphSignature", "read_signature", "ELEMENT_TYPES"]

#: TensorProto.DataType -> name (the ones a model input or output may have).
ELEMENT_TYPES = {1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64",
                 9: "bool", 10: "float16", 11: "float64", 12: "uint32", 13: "uint64", 16: "bfloat16"}


@dataclass(frozen=True)
class TensorInfo:
    """One graph input or output.

    Attributes
    ----------
    name : str
    dtype : str
        ``float32``, ``float16``... (``ELEMENT_TYPES``), or ``type <n>`` for others.
    shape : tuple or None
        One entry per dimension: an int (fixed), a str (named, e.g. ``"height"``) or None
        (unknown); None when the file gives no shape.
    """

    name: str
    dtype: str
    shape: tuple | None

    def describe(self) -> str:
        """``name: float32 [1, 3, 320, 320]`` (named dimensions as themselves, unknown as ?)."""
        if self.shape is None:
            dims = "shape unknown"
        else:
            dims = "[" + ", ".join("?" if d is None else str(d) for d in self.shape) + "]"
        return f"{self.name}: {self.dtype} {dims}"


@dataclass(frozen=True)
class GraphSignature:
    """A model's graph inputs (initializers left out) and outputs, in the file's order."""

    inputs: tuple
    outputs: tuple
    ir_version: int
    opset: int | None
    producer: str
    #: The model's metadata_props, key -> value (``peel.family``: see peel.desktop.graph_edit).
    metadata: dict = None


class _Wire:
    """Protobuf wire-format fields of one message, over a bytes-like buffer (no copies)."""

    def __init__(self, buffer, start, end):
        self.buffer, self.start, self.end = buffer, start, end

    def varint(self, position):
        result = shift = 0
        while True:
            if position >= self.end or shift > 63:
                raise ValueError("truncated or overlong varint")
            byte = self.buffer[position]
            position += 1
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                return result, position
            shift += 7

    def fields(self):
        """Yield ``(number, wire_type, value)``: an int for varints, ``(start, end)`` for bytes."""
        position = self.start
        while position < self.end:
            key, position = self.varint(position)
            number, wire = key >> 3, key & 7
            if number == 0:
                raise ValueError("field number 0")
            if wire == 0:
                value, position = self.varint(position)
            elif wire == 1:
                value, position = None, position + 8
            elif wire == 5:
                value, position = None, position + 4
            elif wire == 2:
                length, position = self.varint(position)
                value, position = (position, position + length), position + length
            else:  # groups (3, 4) never appear in ONNX; 6, 7 do not exist
                raise ValueError(f"wire type {wire}")
            if position > self.end:
                raise ValueError("field runs past the end of its message")
            yield number, wire, value

    def sub(self, span):
        return _Wire(self.buffer, *span)

    def text(self, span):
        return bytes(self.buffer[span[0]:span[1]]).decode("utf-8", "replace")


def _dimension(wire):
    value = None
    for number, kind, field in wire.fields():
        if number == 1 and kind == 0:
            value = field - (1 << 64) if field >= 1 << 63 else field
        elif number == 2 and kind == 2:
            value = wire.text(field)
    return value


def _value_info(wire):
    name, dtype, shape = "", "undefined", None
    for number, kind, field in wire.fields():
        if number == 1 and kind == 2:
            name = wire.text(field)
        elif number == 2 and kind == 2:
            for type_number, type_kind, type_field in wire.sub(field).fields():
                if type_number != 1 or type_kind != 2:
                    continue  # sequence, map, optional...: not a tensor
                tensor = wire.sub(type_field)
                for tensor_number, tensor_kind, tensor_field in tensor.fields():
                    if tensor_number == 1 and tensor_kind == 0:
                        dtype = ELEMENT_TYPES.get(tensor_field, f"type {tensor_field}")
                    elif tensor_number == 2 and tensor_kind == 2:
                        shape = tuple(_dimension(wire.sub(dim)) for dim_number, dim_kind, dim in
                                      wire.sub(tensor_field).fields() if dim_number == 1 and dim_kind == 2)
    return TensorInfo(name, dtype, shape)


def _initializer_name(wire):
    for number, kind, field in wire.fields():
        if number == 8 and kind == 2:
            return wire.text(field)
    return None


def read_signature(data) -> GraphSignature:
    """The inputs and outputs of an ONNX model's graph.

    Parameters
    ----------
    data : bytes, bytearray, memoryview or mmap.mmap
        The whole file (weights are skipped, not copied).

    Returns
    -------
    GraphSignature

    Raises
    ------
    NotOnnxError
        The bytes are not a protobuf ModelProto with a graph (any other file, a cut-short one,
        or a model whose weights alone were given).

    Examples
    --------
    >>> read_signature(b"hello")
    Traceback (most recent call last):
    ...
    peel.errors.NotOnnxError: not an ONNX model (its bytes are not a protobuf message: wire type 4)
    """
    view = memoryview(data).cast("B")
    try:
        parsed, problem = _parse(_Wire(view, 0, len(view))), None
    except ValueError as error:  # the wire format broke: not protobuf, or cut short
        parsed, problem = None, str(error)
    view.release()  # before raising: a mapped file can be closed only once no view is left
    if problem is not None:
        raise NotOnnxError(f"not an ONNX model (its bytes are not a protobuf message: {problem})")
    if parsed is None:
        raise NotOnnxError("not an ONNX model (no model graph in the file)")
    return parsed


def _parse(model):
    """The GraphSignature of a ModelProto, None when it has no graph; ValueError when broken."""
    ir_version, opset, producer, graph, metadata = None, None, "", None, {}
    for number, kind, field in model.fields():
        if number == 1 and kind == 0:
            ir_version = field
        elif number == 2 and kind == 2:
            producer = model.text(field)
        elif number == 7 and kind == 2:
            graph = model.sub(field)
        elif number == 8 and kind == 2:
            domain, version = "", None
            for op_number, op_kind, op_field in model.sub(field).fields():
                if op_number == 1 and op_kind == 2:
                    domain = model.text(op_field)
                elif op_number == 2 and op_kind == 0:
                    version = op_field
            if domain in ("", "ai.onnx"):
                opset = version
        elif number == 14 and kind == 2:
            entry = {key: model.text(value) for key, key_kind, value in model.sub(field).fields() if key_kind == 2}
            metadata[entry.get(1, "")] = entry.get(2, "")
    if graph is None or ir_version is None:
        return None
    inputs, outputs, initializers = [], [], set()
    for number, kind, field in graph.fields():
        if kind != 2:
            continue
        if number == 11:
            inputs.append(_value_info(graph.sub(field)))
        elif number == 12:
            outputs.append(_value_info(graph.sub(field)))
        elif number == 5:
            initializers.add(_initializer_name(graph.sub(field)))
    # Files of IR version < 4 list every weight as a graph input too.
    inputs = tuple(info for info in inputs if info.name not in initializers)
    return GraphSignature(inputs, tuple(outputs), ir_version, opset, producer, metadata)
