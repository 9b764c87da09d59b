"""The ``peel`` command: remove the background of files, folders and globs, or stdin → stdout.

Every field of :class:`peel.settings.Settings` is a flag of the same name (underscores become
dashes), so the page's "Copy settings as a command" gives a command line that reproduces what it
shows::

    peel photo.jpg                                  # photo-nobg.png next to it
    peel -r shoots/ -o cutouts/ --jobs 2 --format jpeg --background color --background-color '#ff0000'
    peel --product --product-size 1600 'shop/*.jpg'
    cat photo.jpg | peel - --format mask > mask.png
    peel photo.jpg --hints photo-hints.png          # with the edits made in the page's editor
    peel photo.jpg --model isnet-general-use        # rembg's file, from $U2NET_HOME or ~/.u2net
    peel photo.jpg --model-file my-model.onnx       # any U²-Net, ISNet, BiRefNet or MODNet file
    peel models                                     # the models built in and rembg's files found

Exit status: 0 when every file was written (or skipped because its output exists), 1 when any
file failed (each failure is listed at the end), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import time
from dataclasses import fields
from pathlib import Path

from ..errors import PeelError
from ..header import DEFAULT_MAX_PIXELS, IMAGE_EXTENSIONS
from ..models import FAMILY_NAMES
from ..models.rembg import REMBG_NAMES
from ..settings import OUTPUT_SUFFIX, Settings

__all__ = ["main", "build_parser", "collect_inputs", "output_path", "unique_paths", "is_image_name",
           "add_file_arguments", "add_settings_arguments", "settings_from_args", "read_background",
           "resolve_model_file", "describe_error", "cut_out_bytes", "positive_int"]

_TYPES = {"str": str, "float": float, "int": int, "bool": bool}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="peel", description="Remove the background of images (U²-Net small, as the Peel web app does).",
        epilog="Outputs are named <name>-nobg.<ext> (<name>-mask.png for --format mask), next to each "
               "input unless -o is given. Exit status 1 when any file failed.")
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="image files, folders, glob patterns, or - to read stdin and write stdout")
    parser.add_argument("-o", "--output-dir", metavar="OUTDIR", help="write the outputs here")
    parser.add_argument("-j", "--jobs", type=positive_int, default=1,
                        help="process N files at once, in N processes (one thread each)")
    parser.add_argument("--threads", type=positive_int, help="onnxruntime threads with --jobs 1 (default: all cores)")
    add_file_arguments(parser)
    add_settings_arguments(parser)
    edits = parser.add_argument_group("edits (the page's erase/restore brushes; one input image)")
    edits.add_argument("--hints", metavar="PNG",
                       help="8-bit grey PNG of the image's size: 0 = erase, 255 = restore, anything else = "
                            "no hint (the page's editor downloads it)")
    edits.add_argument("--snap", action=argparse.BooleanOptionalAction, default=True,
                       help="snap to edges: the rim of each painted area follows the photo's edge "
                            "(--no-snap: apply the hints literally)")
    return parser


def add_file_arguments(parser):
    """-r, --overwrite, --model-file, --max-pixels, -q: what to read and skip, the model, the
    output; shared by ``peel`` and ``peel bulk``."""
    parser.add_argument("-r", "--recursive", action="store_true", help="also look into sub-folders")
    parser.add_argument("--overwrite", action="store_true", help="replace outputs that already exist")
    parser.add_argument("--model-file", metavar="PATH",
                        help="an ONNX model file to use: a local copy of a built-in --model, or any U²-Net, "
                             "ISNet, BiRefNet or MODNet file (recognised by its md5 or its graph; default: the "
                             "--model's pinned file, downloaded once to ~/.cache/peel)")
    parser.add_argument("--model-family", choices=FAMILY_NAMES,
                        help="the family of a --model-file that cannot be recognised otherwise")
    parser.add_argument("--max-pixels", type=positive_int, default=DEFAULT_MAX_PIXELS,
                        help=f"refuse larger images (default {DEFAULT_MAX_PIXELS})")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")


def add_settings_arguments(parser):
    """One flag per field of :class:`Settings`, from its schema (same names and defaults as the
    page), plus ``--background-image``; shared by ``peel`` and ``peel bulk``."""
    group = parser.add_argument_group("settings (the web page's, same names and defaults)")
    for name, entry in Settings.schema().items():
        flag = "--" + name.replace("_", "-")
        kind = _TYPES[entry["type"]]
        help_text = f"{entry['help']} (default: {entry['default']})"
        if kind is bool:
            group.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=None,
                               help=help_text)
        else:
            choices = entry.get("choices") if name != "model" else None  # also rembg's names
            if name == "model":
                help_text = (f"{help_text}; or one of rembg's models, found in $U2NET_HOME or ~/.u2net: "
                             f"{', '.join(REMBG_NAMES)} (peel models lists them)")
            group.add_argument(flag, dest=name, type=kind, choices=choices, default=None,
                               metavar=None if choices else name.split("_")[-1].upper(), help=help_text)
    group.add_argument("--background-image", metavar="PATH",
                       help="picture behind the subject, scaled to cover (implies --background image)")
    return group


def settings_from_args(parser, args) -> Settings:
    """The Settings the flags of :func:`add_settings_arguments` ask for (a bad value is a usage error).

    The model is opened first (``--model``, ``--model-file``, ``--model-family``): a rembg name or
    a recognised file becomes a valid ``model`` setting, and its file is kept on ``args`` for
    :func:`resolve_model_file`.
    """
    from .model_files import open_model

    options = {field.name: getattr(args, field.name) for field in fields(Settings)
               if getattr(args, field.name) is not None}
    if args.model_file and not Path(args.model_file).is_file():
        parser.error(f"--model-file: no such file: {args.model_file}")
    try:
        options["model"], args.model_spec = open_model(options.get("model"), args.model_file,
                                                       family=args.model_family)
    except PeelError as error:
        parser.error(error.message)
    if args.background_image and "background" not in options:
        options["background"] = "image"
    try:
        settings = Settings.from_dict(options)
    except PeelError as error:
        parser.error(error.message)
    if settings.background == "image" and not args.background_image:
        parser.error("--background image needs --background-image PATH")
    return settings


def read_background(parser, args, settings):
    """The --background-image pixels, (H, W, 4) uint8, or None when the background is not an image."""
    from .api import read_image

    if not (args.background_image and settings.background == "image"):
        return None
    try:
        return read_image(args.background_image, max_pixels=args.max_pixels)
    except (PeelError, OSError) as error:
        parser.error(f"--background-image {args.background_image}: {getattr(error, 'message', error)}")


def resolve_model_file(parser, args, settings):
    """The model file of the settings' model: the recognised --model-file or rembg file that
    :func:`settings_from_args` opened, or the built-in's pinned file (downloaded once); None,
    after saying why on stderr, when it cannot be had."""
    spec = getattr(args, "model_spec", None)
    if spec is not None:
        return spec
    from .assets import model_path

    try:
        return str(model_path(log=lambda message: print(f"peel: {message}", file=sys.stderr), name=settings.model))
    except Exception as error:  # noqa: BLE001 — AssetError, OSError, a failed registry client
        print(f"peel: cannot get the {settings.model} model ({error}); pass --model-file PATH to use "
              "a local copy", file=sys.stderr)
        return None


def describe_error(error):
    """``(code, message)`` of what failed one file: the row of the final list (and of peel bulk's report)."""
    if isinstance(error, PeelError):
        return error.code, error.message
    if isinstance(error, OSError):
        return "io-error", f"{error.strerror or error}"
    return "internal-error", f"{type(error).__name__}: {error}"


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def collect_inputs(inputs, recursive=False):
    """The files to process, from the command line's INPUTs.

    Returns
    -------
    list of (Path, Path or None)
        Each file and the folder it was found in (None for a named file or a glob match).
    list of (str, str)
        INPUTs that name nothing, with the reason.
    """
    found, missing = [], []
    for text in inputs:
        path = Path(text)
        if path.is_dir():
            found += [(file, path) for file in _scan(path, recursive)]
        elif path.exists():
            found.append((path, None))
        elif glob.has_magic(text):
            matches = sorted(glob.glob(text, recursive=True))
            for match in map(Path, matches):
                if match.is_dir():
                    found += [(file, match) for file in _scan(match, recursive)]
                elif is_image_name(match):
                    found.append((match, None))
            if not matches:
                missing.append((text, "no file matches this pattern"))
        else:
            missing.append((text, "no such file or folder"))
    return found, missing


def _scan(folder, recursive):
    pattern = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(p for p in pattern if p.is_file() and is_image_name(p)
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def is_image_name(path):
    name = path.name.lower()
    return path.suffix.lower() in IMAGE_EXTENSIONS and not name.endswith(tuple(OUTPUT_SUFFIX.values()))


def output_path(source, folder, settings, output_dir):
    """Where the output of `source` goes: `<name>-nobg.<ext>` beside it or under `output_dir`."""

    name = source.name.rsplit(".", 1)[0] if "." in source.name.lstrip(".") else source.name
    name = name.strip(". ") or "image"
    if output_dir is None:
        return source.parent / f"{name}{OUTPUT_SUFFIX[settings.format]}"
    relative = source.parent.relative_to(folder) if folder is not None else Path()
    return Path(output_dir) / relative / f"{name}{OUTPUT_SUFFIX[settings.format]}"


def unique_paths(paths):
    """The same paths, made unique by appending " (2)", " (3)"... to the name (as js/page/names.js)."""
    taken, result = set(), []
    for path in paths:
        candidate, n = path, 2
        while str(candidate).lower() in taken:
            candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
            n += 1
        taken.add(str(candidate).lower())
        result.append(candidate)
    return result


# --- Work, in this process (--jobs 1) or in each worker process. ---

_worker = {}


def _start_worker(model_files, threads, settings, background, max_pixels, hints=None):
    from .api import Remover

    _worker.update(remover=Remover(model_files, threads=threads), settings=settings, background=background,
                   max_pixels=max_pixels, hints=hints)


def _process(source, dest):
    """Cut out `source` into `dest` (a path, or None for stdout); (source, error or None)."""
    try:
        data = sys.stdin.buffer.read() if source is None else Path(source).read_bytes()
        encoded = cut_out_bytes(data, _worker["remover"], _worker["settings"], background=_worker["background"],
                                hints=_worker["hints"], max_pixels=_worker["max_pixels"])
        if dest is None:
            sys.stdout.buffer.write(encoded)
            sys.stdout.buffer.flush()
        else:
            dest = Path(dest)
            dest.parent.mkdir(parents=True, exist_ok=True)
            partial = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
            partial.write_bytes(encoded)
            partial.replace(dest)  # never half a file under the final name
        return source, None
    except Exception as error:  # noqa: BLE001 — one bad file must not stop the others
        code, message = describe_error(error)
        return source, f"{message} [{code}]"


def cut_out_bytes(data, remover, settings, *, background=None, hints=None, max_pixels=DEFAULT_MAX_PIXELS):
    """The output file of one input file: decoded (EXIF orientation), cut out, rendered, encoded.

    Parameters
    ----------
    data : bytes
        The input file.
    remover : peel.desktop.api.Remover
    settings : Settings
    background : numpy.ndarray, optional
        (H, W, 4) uint8 picture behind the subject (``background="image"``).
    hints : tuple, optional
        (grey levels (H, W) uint8, snap) of --hints.
    max_pixels : int

    Returns
    -------
    bytes
        The file ``settings.format`` asks for.

    Raises
    ------
    PeelError
        The file cannot be used (its code says why); see :func:`describe_error`.
    """
    from ..render import render
    from .api import encode, read_image, to_pil

    rgba = read_image(data, max_pixels=max_pixels)
    output = render(rgba, remover.mask(rgba, settings.model), settings, background=background,
                    hints=_hint_map(hints, rgba.shape[:2]))
    return encode(to_pil(output), settings)


def _hint_map(hints, size):
    """The --hints map for an image of `size`, snapped unless --no-snap: None without --hints."""
    if hints is None:
        return None
    from ..hints import read_hints_png, snap_hints

    grey, snap = hints
    hint_map = read_hints_png(grey, size, flag="--hints")
    return snap_hints(hint_map) if snap else hint_map


class _Progress:
    """`[3/12] ok  name` lines on stderr (one line, redrawn, on a terminal)."""

    def __init__(self, total, enabled, stream=None):
        self.total, self.done, self.stream = total, 0, stream or sys.stderr
        self.enabled = enabled and total > 1
        self.tty = self.enabled and self.stream.isatty()
        self.start = time.perf_counter()

    def step(self, source, status):
        self.done += 1
        if not self.enabled:
            return
        width = len(str(self.total))
        rate = self.done / max(time.perf_counter() - self.start, 1e-9)
        line = f"[{self.done:>{width}}/{self.total}] {rate:5.2f}/s {status:<7} {source}"
        if self.tty:
            self.stream.write(f"\r\033[K{line}" + ("\n" if self.done == self.total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def main(argv=None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 a file failed, 2 usage)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bulk"]:  # `peel bulk ...`: the Ray Data pipeline (the peel[ray] extra)
        from .bulk.command import main as bulk_main

        return bulk_main(argv[1:])
    if argv[:1] == ["models"]:  # `peel models`: a subcommand (./models for a file of that name)
        from .models_command import main as models_main

        return models_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = settings_from_args(parser, args)
    if "-" in args.inputs and len(args.inputs) > 1:
        parser.error("- (stdin to stdout) cannot be combined with other inputs")
    background = read_background(parser, args, settings)
    hints = None
    if args.hints is not None:
        hints = (_read_hints_levels(parser, args.hints), args.snap)
    model_file = resolve_model_file(parser, args, settings)
    if model_file is None:
        return 1
    model_files = {settings.model: model_file}

    if args.inputs == ["-"]:
        _start_worker(model_files, args.threads, settings, background, args.max_pixels, hints)
        _, error = _process(None, None)
        if error:
            print(f"peel: -: {error}", file=sys.stderr)
        return 1 if error else 0

    found, missing = collect_inputs(args.inputs, args.recursive)
    if hints is not None and len(found) > 1:
        parser.error(f"--hints: the hints are for one image, but the inputs hold {len(found)}")
    dests = unique_paths([output_path(source, folder, settings, args.output_dir) for source, folder in found])
    todo, skipped = [], 0
    for (source, _), dest in zip(found, dests):
        if dest.exists() and not args.overwrite:
            skipped += 1
        else:
            todo.append((str(source), str(dest)))
    progress = _Progress(len(todo), not args.quiet)
    if args.jobs == 1 or len(todo) <= 1:
        if todo:
            _start_worker(model_files, args.threads, settings, background, args.max_pixels, hints)
        failed = []
        for source, error in (_process(*job) for job in todo):
            progress.step(source, "failed" if error else "ok")
            if error:
                failed.append((source, error))
    else:
        failed = _run_parallel(todo, args.jobs, progress, (model_files, 1, settings, background, args.max_pixels))

    failures = missing + failed
    if not args.quiet or failures:
        summary = f"peel: {len(todo) - len(failed)} written"
        if skipped:
            summary += f", {skipped} skipped (output exists; --overwrite to replace)"
        if failures:
            summary += f", {len(failures)} failed:"
        print(summary, file=sys.stderr)
    for source, error in failures:
        print(f"  {source}: {error}", file=sys.stderr)
    if not found and not missing:
        print("peel: no image found in the inputs", file=sys.stderr)
        return 1
    return 1 if failures else 0


def _read_hints_levels(parser, path):
    """The grey levels of the --hints PNG (its size is checked against each image later)."""
    from ..hints import decode_hints_png

    try:
        return decode_hints_png(path, flag=f"--hints {path}")
    except PeelError as error:
        parser.error(error.message)
    except OSError as error:
        parser.error(f"--hints {path}: {error.strerror or error}")


def _run_parallel(todo, jobs, progress, init_args):
    """Process `todo` in `jobs` fresh processes (spawned: no onnxruntime state is forked)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    context = multiprocessing.get_context("spawn")
    failures = {}
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=context,
                             initializer=_start_worker, initargs=init_args) as pool:
        futures = [pool.submit(_process, *job) for job in todo]
        for future in as_completed(futures):
            source, error = future.result()
            progress.step(source, "failed" if error else "ok")
            if error:
                failures[source] = error
    order = {source: index for index, (source, _) in enumerate(todo)}
    return sorted(failures.items(), key=lambda item: order[item[0]])


if __name__ == "__main__":
    sys.exit(main())
