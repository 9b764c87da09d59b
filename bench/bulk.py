"""`peel --jobs 2` against `peel bulk` (Ray Data) with 1 and 2 actors, side by side, in one run.

    .venv/bin/python bench/bulk.py                      # 16 photos of 1 MP, 4 of 12 MP
    .venv/bin/python bench/bulk.py --count 8 2 --runs 2 --boost   # --boost: nice -10 (root), shared machine

For each size: images per second of `peel --jobs 2` (a fresh process, as a user runs it), of
`peel bulk --workers 1` and `--workers 2` on a local Ray started once beforehand (two CPUs, as the
tests start it; its start is timed apart), and of one thread in this process with no Ray at all
(`cut_out_bytes` on bytes already read: the work itself). From these: what Ray adds per image (the
marginal cost of one more image on one actor, from a run of 1 image and a run of N, less the
in-process time) and what it costs once per run (planning, the actor and its model session), and
the scaling of 2 actors against 1 (the target: >= 0.9 x 2). Last, Ray Data's own statistics of
the 1 MP photos on 1 and 2 actors: CPU and wall time per file in the read tasks and in the
actors, which tell Ray's cost from the machine's (an actor that got a third of a core shows
CPU ≈ in-process time but wall ≈ 3 × that). The order of the modes rotates from
run to run; each block records the CPU other processes used meanwhile (bench/load.py): on a
machine that others share, the wall-clock rates are theirs as much as ours (`--boost` helps).
Nothing is written to the repository; the photos are made from the astronaut fixture.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT / "py", ROOT, ROOT / "bench"):
    sys.path.insert(0, str(path))

from browser import SIZES, make_images  # noqa: E402  (bench/browser.py: the bench's camera-like photos)
from buildtools.paths import upstream_model  # noqa: E402
import load  # noqa: E402  (bench/load.py)
from load import ForeignLoad  # noqa: E402

MODES = ("peel --jobs 2", "peel bulk, 1 actor", "peel bulk, 2 actors")


def peel_jobs(folder, out, model):
    """`peel FOLDER -o OUT --jobs 2` in a fresh process: its wall time."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "py")}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "peel.desktop.cli", str(folder), "-o", str(out), "--jobs", "2",
                    "--quiet", "--model-file", str(model)], check=True, env=env)
    return time.perf_counter() - started


def peel_bulk(folder, out, model, workers):
    """`peel bulk FOLDER OUT --workers N` on the Ray this process started: its wall time."""
    from peel.desktop.bulk.command import main

    started = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):  # Ray Data's progress lines
        status = main([str(folder), str(out), "--workers", str(workers), "--quiet", "--model-file", str(model)])
    if status != 0:
        raise SystemExit(f"peel bulk failed on {folder} (exit {status})")
    return time.perf_counter() - started


def in_process(photo, model, repeats):
    """Median CPU seconds of one image on one thread in this process, bytes in → PNG bytes out
    (CPU time, not wall time: what a core of its own would take, whatever the others do)."""
    from peel.desktop.api import Remover
    from peel.desktop.cli import cut_out_bytes
    from peel.settings import Settings

    remover, settings, data = Remover(model, threads=1), Settings(), photo.read_bytes()
    cut_out_bytes(data, remover, settings)  # the session's first run is slower
    times = []
    for _ in range(repeats):
        started = time.process_time()
        cut_out_bytes(data, remover, settings)
        times.append(time.process_time() - started)
    return statistics.median(times)


def ray_data_stats(folder, model, workers):
    """Ray Data's per-operator lines (tasks, remote wall and CPU time) of one run on `folder`."""
    from peel.desktop.bulk.cluster import cutout_dataset
    from peel.desktop.bulk.stage import OutputNames
    from peel.desktop.bulk.storage import list_images, open_location
    from peel.settings import Settings

    source, target = open_location(str(folder)), open_location(str(folder.parent / f"stats-{workers}"))
    paths, root = list_images(source, recursive=False)
    settings = Settings()
    options = {"settings": settings.to_dict(), "model": Path(model).read_bytes(),
               "names": OutputNames(root, target.root, settings)}
    dataset = cutout_dataset(paths, source.filesystem, target.filesystem, options, workers=workers).materialize()
    return [line for line in str(dataset.stats()).splitlines()
            if line.startswith("Operator ") or line.strip("* ").startswith(("Remote wall time", "Remote cpu time"))]


def copies(photo, folder, count):
    folder.mkdir(parents=True)
    for index in range(count):
        shutil.copy(photo, folder / f"{photo.stem}-{index:03d}{photo.suffix}")
    return folder


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, nargs=2, default=(16, 4), metavar=("N1", "N12"),
                        help="photos of 1 MP and of 12 MP (default 16 4)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each mode (the median is shown)")
    load.add_arguments(parser)
    args = parser.parse_args(argv)
    load.configure(args)
    model = upstream_model()
    print(f"load before: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} CPUs", flush=True)

    from peel.desktop.bulk.cluster import prepare_local_ray, start_local_ray

    prepare_local_ray()  # before Ray is imported: loopback only
    import ray

    results = {}
    with tempfile.TemporaryDirectory(prefix="peel-bench-bulk-") as scratch:
        scratch = Path(scratch)
        photos = make_images(scratch, [1, 12])
        started = time.perf_counter()
        start_local_ray(num_cpus=2)
        ray_start = time.perf_counter() - started
        print(f"local Ray started in {ray_start:.1f} s", flush=True)
        try:
            for (label, photo), count in zip(photos.items(), args.count):
                single = copies(photo, scratch / f"one-{label[:-3]}", 1)
                many = copies(photo, scratch / f"in-{label[:-3]}", count)
                per_image = in_process(photo, model, repeats=3)
                times = {mode: [] for mode in MODES}
                loads, fixed = [], []
                for run in range(args.runs):
                    order = MODES[run % len(MODES):] + MODES[:run % len(MODES)]
                    for mode in order:
                        out = scratch / f"out-{label[:-3]}-{run}-{MODES.index(mode)}"
                        with ForeignLoad() as others:
                            if mode == MODES[0]:
                                seconds = peel_jobs(many, out, model)
                            else:
                                seconds = peel_bulk(many, out, model, workers=1 if "1 actor" in mode else 2)
                        times[mode].append(seconds)
                        loads.append(others.cores)
                        print(f"  {label} {mode}: {count} in {seconds:.1f} s (others used {others.cores:.2f} cores)",
                              flush=True)
                    fixed.append(peel_bulk(single, scratch / f"out-single-{label[:-3]}-{run}", model, workers=1))
                wall = {mode: statistics.median(values) for mode, values in times.items()}
                one_actor = wall[MODES[1]]
                # One more image on one actor costs (T(N) - T(1)) / (N - 1); less the work itself.
                marginal = (one_actor - statistics.median(fixed)) / max(count - 1, 1)
                results[label] = {
                    "rates": {mode: count / seconds for mode, seconds in wall.items()},
                    "in_process": per_image,
                    "overhead_per_image": marginal - per_image,
                    "fixed": statistics.median(fixed) - per_image,
                    "scaling": (count / wall[MODES[2]]) / (2 * count / one_actor),
                    "load": max(loads),
                }
                if label == "1 MP":
                    for workers in (1, 2):
                        print(f"  Ray Data's statistics, {label}, {workers} actor(s):", flush=True)
                        for line in ray_data_stats(many, model, workers):
                            print(f"    {line.strip()}", flush=True)
        finally:
            ray.shutdown()

    print(f"\nimages per second, wall clock ({os.cpu_count()} CPUs; load after: {os.getloadavg()[0]:.1f}; "
          f"local Ray start {ray_start:.1f} s, not counted)")
    print(f"{'mode':<36}" + "".join(f"{label:>10}" for label in results))
    for mode in MODES:
        print(f"{mode:<36}" + "".join(f"{result['rates'][mode]:>10.3f}" for result in results.values()))
    print(f"{'2 actors / (2 x 1 actor)':<36}" + "".join(f"{r['scaling']:>10.2f}" for r in results.values()))
    print(f"{'others used, cores (max)':<36}" + "".join(f"{r['load']:>10.2f}" for r in results.values()))
    print(f"{'1 thread in-process, CPU s/image':<36}" + "".join(f"{r['in_process']:>10.2f}" for r in results.values()))
    print(f"{'=> images/s per dedicated core':<36}" + "".join(f"{1 / r['in_process']:>10.3f}" for r in results.values()))
    print(f"{'Ray adds per image, s (1 actor)':<36}" + "".join(f"{r['overhead_per_image']:>10.2f}" for r in results.values()))
    print(f"{'Ray adds once per run, s (1 actor)':<36}" + "".join(f"{r['fixed']:>10.2f}" for r in results.values()))
    sizes = ", ".join(f"{label} = {SIZES[int(label[:-3])][0]}x{SIZES[int(label[:-3])][1]}" for label in results)
    print(f"({sizes}; PNG out, default settings)")


if __name__ == "__main__":
    main()
