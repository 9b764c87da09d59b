"""Closed-form matte of a photo on a trimap: the "truth" of bench/photo_quality.py's composites.

Runs in the bench's own virtualenv (bench/.venv: pymatting, scipy, numba), started by
bench/photo_quality.py, never by the app:

    bench/.venv/bin/python bench/photo_truth.py IN.npz OUT.npz

IN holds ``rgb`` (H, W, 3) uint8 and ``trimap`` (H, W) uint8 (0 background, 255 foreground,
128 unknown); OUT gets ``alpha`` (H, W) float32 in [0, 1], pymatting's closed-form matting
(Levin et al. 2008, the matting Laplacian with 3×3 windows, ε 1e-7), and ``fg`` (H, W, 3)
float32 in [0, 1], its multilevel foreground estimate (Germer et al. 2020).
"""

import sys

import numpy as np
from pymatting import estimate_alpha_cf, estimate_foreground_ml


def main():
    source, target = sys.argv[1:3]
    with np.load(source) as saved:
        rgb = saved["rgb"].astype(np.float64) / 255
        trimap = saved["trimap"].astype(np.float64) / 255
    alpha = np.clip(estimate_alpha_cf(rgb, trimap), 0.0, 1.0)
    fg = estimate_foreground_ml(rgb, alpha)
    np.savez_compressed(target, alpha=alpha.astype(np.float32), fg=np.clip(fg, 0, 1).astype(np.float32))


if __name__ == "__main__":
    main()
