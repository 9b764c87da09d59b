"""The ``peel bulk`` command: a folder or bucket of photos through Peel's pipeline on Ray Data.

::

    peel bulk photos/ cutouts/                                  # a local Ray on this machine
    peel bulk s3://shop/raw s3://shop/cut --ray-address auto --workers 64 --product --format jpeg

The settings flags are the ``peel`` command's own (one schema: :class:`peel.settings.Settings`).
Outputs are named as ``peel -o OUTPUT`` names them; outputs that exist are skipped, so a second
run resumes. At the end: a summary on stderr, and a JSON report of the error rows (OUTPUT/
peel-bulk-report.json unless --report says otherwise). Exit status as ``peel``'s: 0 every file
written or skipped, 1 a file failed, 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import PurePosixPath

from ..cli import (add_file_arguments, add_settings_arguments, positive_int, read_background, resolve_model_file,
                   settings_from_args, unique_paths)
from .stage import OutputNames

__all__ = ["main", "build_parser", "REPORT_NAME"]

REPORT_NAME = "peel-bulk-report.json"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="peel bulk", description="Remove the background of a folder or bucket of images on Ray Data "
                                      "(a local Ray, or a cluster).",
        epilog="INPUT and OUTPUT are folders or URIs (s3://bucket/prefix, gs://..., file:///...). Outputs "
               "are named as `peel -o OUTPUT` names them; existing ones are skipped. Exit status 1 when any "
               "file failed. Needs the peel[ray] extra.")
    parser.add_argument("input", metavar="INPUT", help="folder, image file or URI to read")
    parser.add_argument("output", metavar="OUTPUT", help="folder or URI to write the outputs into")
    parser.add_argument("--ray-address", metavar="ADDR",
                        help="the Ray cluster to join (auto, ray://HOST:10001...); default: start Ray on "
                             "this machine")
    parser.add_argument("--workers", type=positive_int,
                        help="actors, each with its own model session (default: one per --threads CPUs "
                             "of the cluster)")
    parser.add_argument("--threads", type=positive_int, default=1, help="onnxruntime threads per worker (default 1)")
    parser.add_argument("--gpus-per-worker", type=float, default=0.0, metavar="SHARE",
                        help="run on GPUs (onnxruntime-gpu): each worker's share of one, e.g. 0.25")
    parser.add_argument("--batch-size", type=positive_int, default=1, help="files per call of a worker (default 1)")
    parser.add_argument("--num-cpus", type=positive_int, help="CPUs of the local Ray (default: all)")
    parser.add_argument("--report", metavar="PATH",
                        help=f"JSON report of the failed files (default: OUTPUT/{REPORT_NAME})")
    add_file_arguments(parser)
    add_settings_arguments(parser)
    return parser


def main(argv=None) -> int:
    """Run ``peel bulk``; returns the exit status (0 ok, 1 a file failed, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = settings_from_args(parser, args)
    if args.gpus_per_worker < 0:
        parser.error(f"--gpus-per-worker must not be negative, got {args.gpus_per_worker}")
    background = read_background(parser, args, settings)
    from .cluster import prepare_local_ray

    if not args.ray_address:
        prepare_local_ray()  # before Ray is imported: it reads its mode then
    try:
        import ray  # noqa: F401 — only to say what is missing before any work
        from .storage import existing_files, list_images, open_location
    except ImportError as error:
        print(f"peel bulk needs Ray Data ({error}): pip install 'peel[ray]'", file=sys.stderr)
        return 2

    try:
        source, target = open_location(args.input), open_location(args.output)
        paths, folder = list_images(source, args.recursive)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    if not paths:
        print(f"peel bulk: no image found in {args.input}", file=sys.stderr)
        return 1
    names = _output_names(paths, folder, target.root, settings)
    existing = set() if args.overwrite else existing_files(target)
    todo = [path for path in paths if names(path) not in existing]
    if todo:
        model_file = resolve_model_file(parser, args, settings)
        if model_file is None:
            return 1
        with open(model_file, "rb") as stream:
            model = stream.read()
        options = {"settings": settings.to_dict(), "model": model, "names": names, "background": background,
                   "max_pixels": args.max_pixels,
                   "providers": ["CUDAExecutionProvider", "CPUExecutionProvider"] if args.gpus_per_worker else None}
        started = time.perf_counter()
        written, failed = _run(args, todo, source, target, options)
        seconds = time.perf_counter() - started
    else:
        written, failed, seconds = 0, [], 0.0
    return _finish(args, target, written, failed, len(paths) - len(todo), seconds)


def _output_names(paths, folder, output_root, settings):
    """The OutputNames of these inputs: the rule, plus the renames that `peel`'s de-duplication makes."""
    names = OutputNames(folder, output_root, settings)
    plain = [names(path) for path in paths]
    unique = [PurePosixPath(path).as_posix() for path in unique_paths(map(PurePosixPath, plain))]
    return OutputNames(folder, output_root, settings,
                       {path: new for path, old, new in zip(paths, plain, unique) if new != old})


def _run(args, todo, source, target, options):
    """``(written, error rows)`` of `todo`, from the Ray cluster (joined or started here, and left
    after). Only the error rows are kept: the driver need not hold a row per written file."""
    import ray

    from .cluster import connect, cutout_dataset

    started_here = connect(args.ray_address, args.num_cpus)
    try:
        ray.data.DataContext.get_current().enable_progress_bars = not args.quiet
        workers = args.workers or max(1, int(ray.cluster_resources().get("CPU", 1) // args.threads))
        dataset = cutout_dataset(todo, source.filesystem, target.filesystem, options, workers=min(workers, len(todo)),
                                 threads=args.threads, gpus_per_worker=args.gpus_per_worker,
                                 batch_size=args.batch_size)
        written, failed = 0, []
        for row in dataset.iter_rows():
            if row["code"]:
                failed.append({key: str(row[key]) for key in ("path", "output", "code", "message")})
            else:
                written += 1
        return written, failed
    finally:
        if started_here:
            ray.shutdown()


def _finish(args, target, written, failed, skipped, seconds):
    """Summary on stderr, the JSON report of the error rows; the exit status."""
    failed = sorted(failed, key=lambda row: row["path"])
    if not args.quiet or failed:
        summary = f"peel bulk: {written} written"
        if written and seconds:
            summary += f" ({written / seconds:.2f}/s)"
        if skipped:
            summary += f", {skipped} skipped (output exists; --overwrite to replace)"
        if failed:
            summary += f", {len(failed)} failed:"
        print(summary, file=sys.stderr)
    for row in failed:
        print(f"  {row['path']}: {row['message']} [{row['code']}]", file=sys.stderr)
    report = {"written": written, "skipped": skipped, "failed": len(failed), "seconds": round(seconds, 3),
              "errors": failed}
    _write_report(args, target, report)
    return 1 if failed else 0


def _write_report(args, target, report):
    from .storage import open_location, write_file

    data = (json.dumps(report, indent=2) + "\n").encode()
    if args.report:
        location = open_location(args.report)
        write_file(location.filesystem, location.root, data)
    else:
        write_file(target.filesystem, f"{target.root}/{REPORT_NAME}", data)
