"""The fp16 ISNet (general use) inside ``@imgly/background-removal-data``: a test and benchmark input.

That package is AGPL-3.0, so Peel never serves this file, never copies it into ``dist/`` and never
commits it (shared ASSETS.md): tests and benchmarks use it the way a user's own model file would
be used. The package stores the model as 4 MiB chunks named by their sha256 and listed in
``dist/resources.json`` under ``/models/medium``; they are joined here and the result is checked
against its pinned hash, then kept in the download cache like every other asset.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
from pathlib import Path

from buildtools.assets import AssetError, Package, fetch_package
from buildtools.paths import cached

__all__ = ["ISNET_PACKAGE", "ISNET_SHA256", "fetch_isnet_copy"]

ISNET_PACKAGE = Package("npm", "@imgly/background-removal-data@1.4.5",
                        "ca7789abb39370727c9a098310b53bce41518d200000423c7107f8c01bbce946")
#: sha256 of the reassembled ``/models/medium`` (ISNet general use, fp16, 1×3×1024×1024 input).
ISNET_SHA256 = "b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb"
_RESOURCE = "/models/medium"


def fetch_isnet_copy(log=print) -> Path:
    """Path of the verified, cached ISNet file (88 MB), reassembled from the npm package if needed.

    Raises
    ------
    AssetError
        The package lacks the resource or a chunk, or a chunk or the whole has other bytes.
    """
    target = cached(ISNET_SHA256)
    if target.exists():
        return target
    archive = fetch_package(ISNET_PACKAGE, log)
    log(f"reassembling {_RESOURCE} from {ISNET_PACKAGE.spec}")
    whole = hashlib.sha256()
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar, partial.open("wb") as out:
        resources = json.load(tar.extractfile("package/dist/resources.json"))
        if _RESOURCE not in resources:
            raise AssetError(f"{ISNET_PACKAGE.spec} has no {_RESOURCE}")
        for chunk in resources[_RESOURCE]["chunks"]:
            member = tar.extractfile(f"package/dist/{chunk['hash']}")
            data = member.read() if member else b""
            if hashlib.sha256(data).hexdigest() != chunk["hash"]:
                raise AssetError(f"{ISNET_PACKAGE.spec}: chunk {chunk['hash'][:12]}… is missing or damaged")
            whole.update(data)
            out.write(data)
    if whole.hexdigest() != ISNET_SHA256:
        partial.unlink()
        raise AssetError(f"{ISNET_PACKAGE.spec}{_RESOURCE}: sha256 {whole.hexdigest()} does not match "
                         f"the pinned {ISNET_SHA256}")
    partial.chmod(0o444)
    partial.replace(target)  # atomic: the cache never holds half a file
    return target
