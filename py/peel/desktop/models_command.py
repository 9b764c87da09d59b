"""``peel models``: the built-in models, and rembg's model files found on this machine.

::

    peel models            # names, sizes, where the files are
    peel models --check    # also verify each rembg file's md5 (reads every file)
    peel models --resize isnet-general-use.onnx 640 isnet-640.onnx   # ISNet at 640 (docs/models.md)
"""

from __future__ import annotations

import argparse
import sys

from ..models import MODELS, get_family
from ..models.rembg import RELEASES, REMBG_MODELS
from .assets import cache_path
from .model_files import file_md5, find_rembg_files, rembg_home

__all__ = ["main", "describe_models"]


def _size(size):
    return f"{size / 1e6:7.1f} MB"


def describe_models(home=None, *, check=False):
    """The listing's lines (no trailing newlines).

    Parameters
    ----------
    home : str or os.PathLike, optional
        rembg's folder (default: ``$U2NET_HOME``, else ``~/.u2net``).
    check : bool
        Verify each rembg file's md5 against rembg's (reads every file).
    """
    lines = ["Built in (Peel's own pinned files; downloaded once into the cache when first used):"]
    for name, model in MODELS.items():
        cached = cache_path(model.file.sha256).is_file()
        lines.append(f"  {name:<22}{_size(model.file.bytes)}  {model.label}"
                     f"{'' if cached else '  (not downloaded yet)'}")
    folder = rembg_home() if home is None else home
    found = find_rembg_files(folder)
    lines += ["", f"rembg's model files in {folder} ($U2NET_HOME, else ~/.u2net):"]
    if not found:
        lines.append("  none")
    for file in found:
        if file.rembg is None:
            lines.append(f"  {file.path.name:<22}{_size(file.size)}  not a rembg name: use it with --model-file")
            continue
        entry = file.rembg
        status = ""
        if check:
            status = "  md5 ok" if file_md5(file.path) == entry.md5 else "  md5 WRONG (not rembg's file)"
        lines.append(f"  {entry.name:<22}{_size(file.size)}  {get_family(entry.family).LABEL}: {entry.label}, "
                     f"{entry.licence}{status}")
    missing = [name for name in REMBG_MODELS if name not in {f.rembg.name for f in found if f.rembg}]
    lines += ["", f"Use one with --model NAME. Not here: {', '.join(missing) or 'none'}.",
              f"rembg downloads them on first use; its releases: {RELEASES}",
              "Any other U²-Net, ISNet, BiRefNet or MODNet ONNX file: --model-file PATH."]
    return lines


def main(argv=None) -> int:
    """Print the listing; 0."""
    parser = argparse.ArgumentParser(prog="peel models", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify each rembg file's md5 (reads every file)")
    parser.add_argument("--resize", nargs=3, metavar=("MODEL", "SIZE", "OUT"),
                        help="write a copy of an ISNet (or U²-Net) file that runs at SIZE × SIZE (a multiple of "
                             "32); --model-file OUT then uses that size (needs the onnx package)")
    args = parser.parse_args(argv)
    if args.resize:
        return _resize(parser, *args.resize)
    print("\n".join(describe_models(check=args.check)), file=sys.stdout)
    return 0


def _resize(parser, source, size, target):
    """``--resize``: the edited copy, checked by recognising it (its family and size)."""
    from ..errors import PeelError
    from ..models.recognise import recognise_model
    from .graph_edit import resize_graph

    try:
        spec = recognise_model(source, flag="--resize")
        if spec.family not in ("isnet", "u2net"):
            parser.error(f"--resize {source}: a {get_family(spec.family).LABEL} model; "
                         "only ISNet and U²-Net graphs are resized")
        changed = resize_graph(source, target, int(size) if size.isdigit() else size, family=spec.family)
        edited = recognise_model(target, flag="--resize")
    except PeelError as error:
        parser.error(error.message)
    except ImportError:
        parser.error("--resize needs the onnx package (pip install onnx)")
    print(f"wrote {target}: {get_family(edited.family).LABEL} at {edited.input_size} × {edited.input_size} "
          f"({changed} Resize nodes now scale); use it with --model-file {target}")
    return 0
