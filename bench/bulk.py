"""`peel --jobs 2` against `peel bulk` (Ray Data) with 1 and 2 actors, side by side, in one run.

    .venv/bin/python bench/bulk.py                      # 8 and 24 photos of 1 MP, 2 and 6 of 12 MP
    .venv/bin/python bench/bulk.py --count 8 2 --runs 2 --boost   # --boost: nice -10 (root), shared machine

For each size and mode (`peel --jobs 2` in a fresh process, as a user runs it; `peel bulk
--workers 1` and `--workers 2` on a local Ray of two CPUs started once beforehand, its start timed
apart), a run of N photos and a run of 3N. The scaling target (2 actors >= 0.9 x 2 x 1 actor) is
about steady-state throughput, so the rate is the marginal one, 2N / (T(3N) - T(N)), and what a
run costs once (Ray Data's planning, starting the actors and their sessions, the read tasks'
worker processes) is T(N) - N / rate, reported apart. An 8-photo run alone mostly measures that
per-run cost.

The wall clock on a shared machine is the others' as much as ours, so the bench also counts CPU
time, from /proc (bench/proc_cpu.py): the CPU seconds every process of the run used (the bench's
own driver, the actors, Ray's daemons and workers, `peel`'s processes), marginal per photo and
once per run; and for each actor, how much of its runnable time it was on a CPU (its share; the
rest it waited in the run queue behind other processes) and how long it slept (had no work).
From these, a scaling figure the load cannot fake: CPU seconds per photo with 1 actor ÷ with 2
(1.0: two actors do the same work per CPU-second as one, so on two free cores they run at twice
the rate; below 0.9 something costs CPU per photo that one actor does not pay), next to the
actors' sleep (an actor that sleeps is starved of input, which CPU figures do not show). Also:
one thread in this process with no Ray at all (`cut_out_bytes` on bytes already read, CPU time:
what a core of its own would take). `--ray-stats` adds Ray Data's own statistics of a 1 MP run
on 1 and 2 actors. The order of the modes rotates from run to run; each block records the CPU
other processes used meanwhile (bench/load.py). Nothing is written to the repository; the photos
are made from the astronaut fixture.
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
from proc_cpu import TreeCPU  # noqa: E402  (bench/proc_cpu.py)

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


def run_mode(mode, folder, out, model):
    if mode == MODES[0]:
        return peel_jobs(folder, out, model)
    return peel_bulk(folder, out, model, workers=1 if "1 actor" in mode else 2)


def measure(label, photo, count, model, runs, scratch):
    """Wall and CPU figures of every mode on `count` and 3 x `count` copies of `photo`."""
    folders = {n: copies(photo, scratch / f"in-{label[:-3]}-{n}", n) for n in (count, 3 * count)}
    samples = {mode: {n: [] for n in folders} for mode in MODES}
    loads = []
    for run in range(runs):
        order = MODES[run % len(MODES):] + MODES[:run % len(MODES)]
        for mode in order:
            for n, folder in folders.items():
                out = scratch / f"out-{label[:-3]}-{run}-{MODES.index(mode)}-{n}"
                with ForeignLoad() as others, TreeCPU() as cpu:
                    seconds = run_mode(mode, folder, out, model)
                samples[mode][n].append((seconds, cpu))
                loads.append(others.cores)
                kinds = ", ".join(f"{kind} {value:.1f}" for kind, value in
                                  sorted(cpu.by_kind.items(), key=lambda item: -item[1]) if value >= 0.1)
                started = ", ".join(f"{number} {kind}" for kind, number in cpu.started.items())
                print(f"  {label} {mode}: {n} in {seconds:.1f} s, CPU {cpu.total:.1f} s ({kinds}); "
                      f"processes started: {started or 'none'}; others used {others.cores:.2f} cores", flush=True)
    figures = {}
    for mode in MODES:
        def median(n, value):
            return statistics.median(value(seconds, cpu) for seconds, cpu in samples[mode][n])

        few, many = count, 3 * count
        wall = {n: median(n, lambda seconds, cpu: seconds) for n in (few, many)}
        cpu = {n: median(n, lambda seconds, cpu: cpu.total) for n in (few, many)}
        rate = (many - few) / max(wall[many] - wall[few], 1e-9)
        cpu_per_image = (cpu[many] - cpu[few]) / (many - few)
        actors = [actor for seconds, sample in samples[mode][many] for actor in sample.actors]
        on_cpu, queued, alive = (sum(actor[index] for actor in actors) for index in range(3))
        figures[mode] = {
            "rate": rate, "per_run": wall[few] - few / rate, "cpu_per_image": cpu_per_image,
            "cpu_per_run": cpu[few] - few * cpu_per_image,
            "actor_work": median(many, lambda s, c: c.actor_work) / many,
            "actor_start": median(many, lambda s, c: c.actor_start) / (1 if "1 actor" in mode else 2),
            "started_cpu": median(few, lambda s, c: c.started_cpu),
            # Ray besides the actors and the processes it started: driver, raylet, GCS, helpers
            "ray_cores": median(many, lambda s, c: (c.total - c.by_kind.get("actor", 0.0) - c.started_cpu) / s),
            "share": on_cpu / (on_cpu + queued) if actors else None,
            "sleep": max(alive - on_cpu - queued, 0.0) / alive if actors else None,
        }
    return figures, max(loads)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, nargs=2, default=(8, 2), metavar=("N1", "N12"),
                        help="photos of 1 MP and of 12 MP in the short run; the long run has 3 times as many "
                             "(default 8 2)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each mode (the median is shown)")
    parser.add_argument("--ray-stats", action="store_true", help="also print Ray Data's statistics of 1 MP runs")
    load.add_arguments(parser)
    args = parser.parse_args(argv)
    if min(args.count) < 2:
        parser.error("--count: at least 2 photos per size (`peel bulk` starts no more actors than photos)")
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
        with TreeCPU() as start_cpu:
            start_local_ray(num_cpus=2)
        # The first dataset of a Ray session also starts Ray Data's helper actors (stats, autoscaling,
        # actor locations: ~5 CPU s here), once per session: a warm-up run keeps that out of every mode.
        with TreeCPU() as warm_cpu:
            peel_bulk(copies(photos["1 MP"], scratch / "warm-up", 1), scratch / "out-warm-up", model, workers=1)
        print(f"local Ray started in {start_cpu.seconds:.1f} s, {start_cpu.total:.1f} CPU s; warm-up run "
              f"{warm_cpu.seconds:.1f} s, {warm_cpu.total:.1f} CPU s", flush=True)
        try:
            for (label, photo), count in zip(photos.items(), args.count):
                per_image = in_process(photo, model, repeats=3)
                figures, others = measure(label, photo, count, model, args.runs, scratch)
                results[label] = {"figures": figures, "in_process": per_image, "load": others}
                if label == "1 MP" and args.ray_stats:
                    for workers in (1, 2):
                        print(f"  Ray Data's statistics, {label}, {workers} actor(s):", flush=True)
                        for line in ray_data_stats(scratch / f"in-1-{count}", model, workers):
                            print(f"    {line.strip()}", flush=True)
        finally:
            ray.shutdown()

    def row(name, value, form="{:>10.3f}"):
        cells = []
        for result in results.values():
            number = value(result)
            cells.append(f"{'-':>10}" if number is None else form.format(number))
        print(f"{name:<44}" + "".join(cells))

    print(f"\n{os.cpu_count()} CPUs; load after: {os.getloadavg()[0]:.1f}; local Ray start "
          f"{start_cpu.seconds:.1f} s and {start_cpu.total:.1f} CPU s, not counted")
    print(f"{'':<44}" + "".join(f"{label:>10}" for label in results))
    print("steady-state images/s, wall clock: 2N / (T(3N) - T(N))")
    for mode in MODES:
        row(f"  {mode}", lambda r, mode=mode: r["figures"][mode]["rate"])
    row("  2 actors / (2 x 1 actor) [target 0.9]", lambda r: r["figures"][MODES[2]]["rate"] / (2 * r["figures"][MODES[1]]["rate"]), "{:>10.2f}")
    print("once per run, s wall: T(N) - N / rate")
    for mode in MODES:
        row(f"  {mode}", lambda r, mode=mode: r["figures"][mode]["per_run"], "{:>10.1f}")
    print("CPU s per image, all processes, marginal")
    for mode in MODES:
        row(f"  {mode}", lambda r, mode=mode: r["figures"][mode]["cpu_per_image"], "{:>10.2f}")
    row("  one thread in-process, no Ray", lambda r: r["in_process"], "{:>10.2f}")
    print("CPU s per image in the actors' tasks (3N run; their start left out)")
    for mode in MODES[1:]:
        row(f"  {mode}", lambda r, mode=mode: r["figures"][mode]["actor_work"], "{:>10.2f}")
    row("  1 actor / 2 actors (CPU scaling) [0.9]", lambda r: r["figures"][MODES[1]]["actor_work"] / r["figures"][MODES[2]]["actor_work"], "{:>10.2f}")
    print("CPU s once per run, all processes: T_cpu(N) - N x marginal")
    for mode in MODES:
        row(f"  {mode}", lambda r, mode=mode: r["figures"][mode]["cpu_per_run"], "{:>10.1f}")
    for mode in MODES[1:]:
        row(f"  {mode}: start of one actor", lambda r, mode=mode: r["figures"][mode]["actor_start"], "{:>10.1f}")
        row(f"  {mode}: other processes Ray started", lambda r, mode=mode: r["figures"][mode]["started_cpu"], "{:>10.1f}")
        row(f"  {mode}: rest of Ray while running, cores", lambda r, mode=mode: r["figures"][mode]["ray_cores"], "{:>10.2f}")
    print("actors, 3N run: share of runnable time on a CPU / share of life asleep")
    for mode in MODES[1:]:
        row(f"  {mode}, on CPU", lambda r, mode=mode: r["figures"][mode]["share"], "{:>10.2f}")
        row(f"  {mode}, asleep", lambda r, mode=mode: r["figures"][mode]["sleep"], "{:>10.2f}")
    row("others used, cores (max over blocks)", lambda r: r["load"], "{:>10.2f}")
    sizes = ", ".join(f"{label} = {SIZES[int(label[:-3])][0]}x{SIZES[int(label[:-3])][1]}" for label in results)
    print(f"({sizes}; PNG out, default settings; N = {', '.join(map(str, args.count))})")


if __name__ == "__main__":
    main()
