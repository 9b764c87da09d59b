"""numpy and Pillow as one archive of their installed files: what the worker puts into Pyodide's
site-packages instead of calling loadPackage (js/worker/packages.js).

Pyodide's loadPackage starts only once Python is up, unpacks each wheel with Python's zipfile
and compiles all of its native libraries at once; from one gzip stream of a tar the browser
inflates everything natively while Pyodide boots, and each library is compiled only when Python
imports it. The archive holds exactly the files of the py-compiled wheels (pycompile.py), which
stay the verified inputs: their sha256 are recorded in build.json beside the archive's.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

from buildtools.paths import CACHE

#: Where dist/ serves the archive (js/worker/boot.js fetches it from there).
DEST = "vendor/pyodide/site-packages.tar.gz"
_VERSION = b"1"  # bump when the archive's layout changes: the cache key includes it


def site_packages_archive(wheels: list[Path], log=print) -> Path:
    """The files of `wheels` (in order) as a deterministic .tar.gz, cached by the wheels' bytes.

    Entries are ustar, regular files only, with fixed owner, mode and time, so the archive's
    bytes depend on the wheels' content only.
    """
    key = hashlib.sha256(_VERSION)
    for wheel in wheels:
        key.update(wheel.name.encode() + b"\0" + hashlib.sha256(wheel.read_bytes()).digest())
    archive = CACHE / "derived" / f"site-packages-{key.hexdigest()[:16]}.tar.gz"
    if archive.is_file():
        return archive
    log("packing numpy and Pillow into site-packages.tar.gz")
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as contents:
                for member in contents.infolist():
                    if member.is_dir():
                        continue
                    data = contents.read(member)
                    entry = tarfile.TarInfo(member.filename)
                    entry.size = len(data)
                    entry.mode = 0o644
                    tar.addfile(entry, io.BytesIO(data))
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_suffix(".partial")
    partial.write_bytes(gzip.compress(tar_bytes.getvalue(), compresslevel=9, mtime=0))
    partial.replace(archive)
    return archive
