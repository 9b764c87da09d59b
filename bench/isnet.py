"""ISNet's mask of a photo: the seed of bench/photo_quality.py's second truth (a benchmark input only).

The fp16 ISNet (general use) copy inside the AGPL-3.0 npm package ``@imgly/background-removal-data``
(``buildtools/isnet_copy.py`` fetches it into the download cache): Peel never serves it, never
copies it into ``dist/`` and never commits it. Native onnxruntime; rembg's preprocessing for
ISNet: the photo resized to 1024×1024 (bilinear here), divided by its largest value, the mean
(0.485, 0.456, 0.406) subtracted, std 1; the first output min–max normalised.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

SIZE = 1024
MEAN = np.array([0.485, 0.456, 0.406], np.float32)


class IsnetMask:
    """``IsnetMask()(rgba)`` → (1024, 1024) float32 mask in [0, 1] of an (H, W, 4) uint8 photo."""

    def __init__(self, threads=None):
        import onnxruntime

        from buildtools.isnet_copy import fetch_isnet_copy

        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = onnxruntime.InferenceSession(str(fetch_isnet_copy()), options,
                                                    providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        self.output = self.session.get_outputs()[0].name

    def __call__(self, rgba):
        image = Image.fromarray(np.ascontiguousarray(rgba[..., :3]), "RGB").resize((SIZE, SIZE), Image.Resampling.BILINEAR)
        pixels = np.asarray(image, np.float32)
        pixels = pixels / max(float(pixels.max()), 1e-6) - MEAN
        tensor = np.ascontiguousarray(pixels.transpose(2, 0, 1)[None], np.float32)
        prediction = self.session.run([self.output], {self.input: tensor})[0][0, 0].astype(np.float32)
        low, high = float(prediction.min()), float(prediction.max())
        return (prediction - low) / max(high - low, 1e-6)
