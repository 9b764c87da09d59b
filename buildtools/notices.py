"""dist/THIRD-PARTY-NOTICES.txt: every file the site serves that others wrote, with its licence.

Written by the build from the declarations: the pinned libraries' :data:`buildtools.assets.COMPONENTS`
and the models' :mod:`peel.models` declarations (their weights' licence and source). The
licence texts that the pinned files carry (numpy's and Pillow's wheels) are copied in; Apache-2.0
(the models' weights, like Peel itself) is Peel's own ``LICENSE``; MIT is written here.
The Privacy panel links to it; the service worker caches it with the app shell.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from buildtools.assets import COMPONENTS
from buildtools.paths import ROOT
from peel.models import MODELS

NOTICES = "THIRD-PARTY-NOTICES.txt"
#: Where the files of others live in dist/ (the rest is Peel's own).
THIRD_PARTY_FOLDERS = ("vendor/", "models/")

_MIT = """Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE."""
#: Licences named, not copied: where their full text is.
_TEXT_AT = {
    "MPL-2.0 (CPython: PSF-2.0)": "https://www.mozilla.org/en-US/MPL/2.0/ and "
                                  "https://docs.python.org/3.12/license.html (Pyodide's source: "
                                  "https://github.com/pyodide/pyodide)",
}


def served_third_party(dist: Path) -> list[str]:
    """The dist/ paths of the files others wrote, sorted."""
    return sorted(path.relative_to(dist).as_posix() for path in dist.rglob("*")
                  if path.is_file() and path.relative_to(dist).as_posix().startswith(THIRD_PARTY_FOLDERS))


def write_notices(dist: Path, wheels: list[Path]) -> Path:
    """Write dist/THIRD-PARTY-NOTICES.txt for the files in `dist`.

    Parameters
    ----------
    dist : Path
        The built site, its third-party files in place.
    wheels : list of Path
        The pinned wheels whose files the site serves (their licence texts are copied in).

    Raises
    ------
    RuntimeError
        A served third-party file that no declaration accounts for.
    """
    files = served_third_party(dist)
    models = {model.served: model for model in MODELS.values() if model.served}
    unaccounted = [name for name in files if name not in models
                   and not any(name.startswith(component.dests) for component in COMPONENTS)]
    if unaccounted:
        raise RuntimeError(f"no notice for {', '.join(unaccounted)}: declare it in buildtools/assets.py COMPONENTS")

    out = ["Peel: third-party notices", "=" * 25, "",
           "Peel's own code is licensed under the Apache License, Version 2.0 (its LICENSE file, also",
           "below). This site also serves the following files that others wrote, each under its own",
           "licence. Nothing here is fetched from any other site.", ""]
    for component in COMPONENTS:
        served = [name for name in files if name.startswith(component.dests)]
        out += _section(component.name, component.licence, component.home, component.copyright, served)
        if component.licence_member:
            out += ["", _member_text(wheels, component.licence_member).strip()]
        elif component.licence == "MIT":
            out += ["", _MIT]
        else:
            out += ["", f"The licence texts: {_TEXT_AT[component.licence]}."]
        out.append("")
    for served, model in models.items():
        pinned = model.file
        source = pinned.upstream or f"{pinned.package[0]} package {pinned.package[1]}, file {pinned.member}"
        out += _section(f"{model.title} model weights ({model.name}, {pinned.file})", model.licence, model.origin,
                        f"Copyright: the model's authors (see Home). Source of the file: {source}",
                        [name for name in files if name == served])
        if model.derived:
            out.append("Served derived from that file (static input shape; buildtools/prepare_model.py).")
        out.append("")
    samples = sorted(path.relative_to(dist).as_posix() for path in (dist / "samples").glob("*.jpg"))
    out += _section("Sample photos (the first screen's)", "public domain (astronaut: NASA) and CC0 1.0 (coffee: Rachel Michetti)",
                    "scikit-image's sample data, https://scikit-image.org/docs/stable/api/skimage.data.html",
                    "No copyright restrictions (see samples/README.md)", samples)
    out.append("")
    out += ["Apache License 2.0 (Peel, and the model weights above under Apache-2.0)", "-" * 72,
            (ROOT / "LICENSE").read_text().strip("\n"), ""]
    path = dist / NOTICES
    # With a byte order mark: served as text/plain without a charset, it still reads as UTF-8.
    path.write_text("\ufeff" + "\n".join(out) + "\n", encoding="utf-8")
    return path


def _section(name, licence, home, copyright, served):
    return [name, "-" * len(name), f"Licence: {licence}", f"Home: {home}", copyright,
            "Files: " + (", ".join(served) if served else "(none in this build)")]


def _member_text(wheels, member):
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            if member in archive.namelist():
                return archive.read(member).decode("utf-8")
    raise RuntimeError(f"no pinned wheel holds {member}")
