"""Inference with the native onnxruntime (CPython only).

This is the reference the browser result is compared against and the
inference function of command-line use. ``onnxruntime`` is imported when an
:class:`OnnxInference` is created, not when this module is imported, so the
package still imports where it does not exist (Pyodide).
"""

import os

import numpy as np

from ..errors import ArgumentTypeError, InvalidArgumentError, ModelSessionError

__all__ = ["OnnxInference", "plain_reason"]


def plain_reason(error):
    """onnxruntime's message without its ``[ONNXRuntimeError] : 1 : FAIL :`` prefix, one line.

    >>> plain_reason(RuntimeError("[ONNXRuntimeError] : 7 : INVALID_PROTOBUF : Load model failed"))
    'Load model failed'
    """
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if text.startswith("[ONNXRuntimeError]"):
        text = text.split(":", 3)[-1].strip()
    return text


class OnnxInference:
    """A u2netp session as an ``infer(tensor) -> prediction`` callable.

    Parameters
    ----------
    model_path : str or os.PathLike
        Path of the ONNX model (the upstream ``u2netp.onnx`` or the served,
        derived one).
    threads : int, optional
        Intra-op threads; onnxruntime's default (all cores) when omitted.
    providers : list, optional
        onnxruntime execution providers, in order of preference (e.g.
        ``["CUDAExecutionProvider", "CPUExecutionProvider"]`` with onnxruntime-gpu);
        the CPU alone when omitted.
    flag : str, optional
        How a failure's message names the file (``--model-file x.onnx``; default: its path).

    Raises
    ------
    ModelSessionError
        onnxruntime could not make a session of the file (its reason, in the message).
    ImportError
        The native ``onnxruntime`` package is not installed.
    FileNotFoundError
        ``model_path`` does not exist.
    ArgumentTypeError, InvalidArgumentError
        ``threads`` is not a positive int.

    Examples
    --------
    >>> infer = OnnxInference("u2netp.onnx", threads=2)  # doctest: +SKIP
    >>> infer(prepare_input(rgba)).shape                  # doctest: +SKIP
    (1, 1, 320, 320)
    """

    def __init__(self, model_path, threads=None, providers=None, *, flag=None):
        import onnxruntime  # lazy: not available in Pyodide

        model_path = os.fspath(model_path)
        if not os.path.isfile(model_path):
            raise FileNotFoundError(f"model_path does not exist: {model_path}")
        options = onnxruntime.SessionOptions()
        if threads is not None:
            if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)):
                raise ArgumentTypeError(f"threads must be an int, got {threads!r}")
            if threads < 1:
                raise InvalidArgumentError(f"threads must be positive, got {threads}")
            options.intra_op_num_threads = int(threads)
        self.model_path = model_path
        self.threads = threads
        try:
            self.session = onnxruntime.InferenceSession(
                model_path, sess_options=options, providers=list(providers or ["CPUExecutionProvider"])
            )
        except Exception as error:  # onnxruntime's Fail, InvalidProtobuf, InvalidGraph, NotImplemented...
            raise ModelSessionError(f"{flag or model_path}: onnxruntime could not load this model: "
                                    f"{plain_reason(error)}") from error
        self.input_name = self.session.get_inputs()[0].name
        self.output_name = self.session.get_outputs()[0].name
        # A half-precision graph takes half-precision input; every family prepares float32.
        self.input_dtype = np.float16 if self.session.get_inputs()[0].type == "tensor(float16)" else np.float32

    def __call__(self, tensor):
        """Run the model on one input tensor.

        Parameters
        ----------
        tensor : numpy.ndarray
            (1, 3, 320, 320) float32 model input (see
            :func:`peel.preprocess.prepare_input`).

        Returns
        -------
        prediction : numpy.ndarray
            The model's first output, float32, (1, 1, 320, 320) for u2netp.
        """
        tensor = np.ascontiguousarray(tensor, dtype=self.input_dtype)
        (prediction,) = self.session.run([self.output_name], {self.input_name: tensor})
        return np.asarray(prediction, dtype=np.float32)

    def __repr__(self):
        return f"OnnxInference({self.model_path!r}, threads={self.threads!r})"
