"""Folders and object stores for ``peel bulk``: one pyarrow file system per INPUT and OUTPUT.

A plain path is the local disk; a URI (``s3://bucket/photos``, ``gs://...``, ``file:///...``) is
opened with pyarrow's own file systems, and any other scheme that fsspec knows (``az://``,
``abfs://``...) through fsspec. Ray Data reads with the same file system object, so the listing,
the reads and the writes all see one namespace. Paths here are the file system's own: no scheme,
forward slashes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..cli import is_image_name

__all__ = ["Location", "open_location", "list_images", "existing_files", "write_file"]


@dataclass(frozen=True)
class Location:
    """A folder (or one file) on a file system.

    Attributes
    ----------
    filesystem : pyarrow.fs.FileSystem
        Picklable: Ray ships it to the tasks that read and write.
    root : str
        The folder's (or file's) path on it.
    text : str
        What the user wrote, for messages.
    """

    filesystem: object
    root: str
    text: str

    @property
    def is_local(self) -> bool:
        return self.filesystem.type_name == "local"


def open_location(text: str) -> Location:
    """The file system and path of a folder or URI as the user wrote it.

    Raises
    ------
    ValueError
        A URI whose scheme neither pyarrow nor fsspec knows (the message says which).
    """
    import pyarrow.fs

    if "://" not in text:
        return Location(pyarrow.fs.LocalFileSystem(), os.path.abspath(text), text)
    try:
        filesystem, root = pyarrow.fs.FileSystem.from_uri(text)
    except (ValueError, pyarrow.ArrowException):  # a scheme pyarrow has no file system for
        import fsspec.core

        fsspec_filesystem, root = fsspec.core.url_to_fs(text)
        filesystem = pyarrow.fs.PyFileSystem(pyarrow.fs.FSSpecHandler(fsspec_filesystem))
    return Location(filesystem, root.rstrip("/") or "/", text)


def list_images(location: Location, recursive: bool):
    """The image files of a location, sorted: ``(paths, folder)``.

    Parameters
    ----------
    location : Location
    recursive : bool
        Also look into sub-folders (prefixes).

    Returns
    -------
    list of str
        File-system paths of the files whose names look like images (as ``peel`` picks them),
        hidden files and folders left out.
    str or None
        The folder they were found in (None when the location is one file).

    Raises
    ------
    FileNotFoundError
        Nothing at that location.
    """
    import pyarrow.fs

    info = location.filesystem.get_file_info(location.root)
    if info.type == pyarrow.fs.FileType.NotFound:
        raise FileNotFoundError(f"no such file or folder: {location.text}")
    if info.type == pyarrow.fs.FileType.File:
        return [location.root], None
    selector = pyarrow.fs.FileSelector(location.root, recursive=recursive)
    root = PurePosixPath(location.root)
    paths = [entry.path for entry in location.filesystem.get_file_info(selector)
             if entry.type == pyarrow.fs.FileType.File and is_image_name(PurePosixPath(entry.path))
             and not any(part.startswith(".") for part in PurePosixPath(entry.path).relative_to(root).parts)]
    return sorted(paths), location.root


def existing_files(location: Location) -> set:
    """Every file under a folder (all levels), in one listing: on an object store one LIST per
    thousand names, not one request per output."""
    import pyarrow.fs

    selector = pyarrow.fs.FileSelector(location.root, recursive=True, allow_not_found=True)
    return {entry.path for entry in location.filesystem.get_file_info(selector)
            if entry.type == pyarrow.fs.FileType.File}


def write_file(filesystem, path: str, data: bytes) -> None:
    """Write one output so that no reader ever sees half of it under its final name.

    On a local disk: a hidden partial file beside it, renamed into place. An object store's
    upload appears whole when it completes, so it is written in place.
    """
    parent = str(PurePosixPath(path).parent)
    if filesystem.type_name == "local":
        filesystem.create_dir(parent, recursive=True)
        partial = f"{parent}/.{PurePosixPath(path).name}.{os.getpid()}.partial"
        with filesystem.open_output_stream(partial) as stream:
            stream.write(data)
        filesystem.move(partial, path)
    else:
        with filesystem.open_output_stream(path) as stream:
            stream.write(data)
