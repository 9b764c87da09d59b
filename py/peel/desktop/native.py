"""Inference with the native onnxruntime (CPython only).

This is the reference the browser result is compared against and the
inference function of command-line use. ``onnxruntime`` is imported when an
:class:`OnnxInference` is created, not when this module is imported, so the
package still imports where it does not exist (Pyodide).
"""

import os

import numpy as np

from ..errors import ArgumentTypeError, InvalidArgumentError

__all__ = ["OnnxInference"]


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

    Raises
    ------
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

    def __init__(self, model_path, threads=None, providers=None):
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
        self.session = onnxruntime.InferenceSession(
            model_path, sess_options=options, providers=list(providers or ["CPUExecutionProvider"])
        )
        self.input_name = self.session.get_inputs()[0].name
        self.output_name = self.session.get_outputs()[0].name

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
        tensor = np.ascontiguousarray(tensor, dtype=np.float32)
        (prediction,) = self.session.run([self.output_name], {self.input_name: tensor})
        return np.asarray(prediction, dtype=np.float32)

    def __repr__(self):
        return f"OnnxInference({self.model_path!r}, threads={self.threads!r})"
