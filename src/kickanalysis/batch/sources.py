"""What a batch reads: paths, globs, folders and zip archives, expanded to single files.

A bulk export from Garmin Connect or Strava is a folder or a zip archive (Garmin's holds
zip archives inside) of ``.fit``, ``.gpx`` and ``.tcx`` files, any of them gzipped. An
:class:`Item` names one recording: a file, or a member of a zip archive (possibly
nested), read without extracting anything to disk.
"""

from __future__ import annotations

import glob
import io
import os
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from ..errors import CorruptFileError

__all__ = ["ACTIVITY_SUFFIXES", "Item", "expand_sources", "read_item_bytes"]

#: File names a folder or archive scan picks up (case-insensitive).
ACTIVITY_SUFFIXES = tuple(s + gz for s in (".fit", ".gpx", ".tcx") for gz in ("", ".gz"))

#: Largest member accepted from a zip archive, as a multiple of its compressed size (plus
#: a floor): a zip bomb fails fast instead of exhausting memory (as for gzip).
ZIP_MAX_RATIO = 200
ZIP_MIN_LIMIT = 64 * 1024 * 1024

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class Item:
    """One recording of a batch: a file, or a member of a (nested) zip archive.

    Attributes
    ----------
    path : str
        The file on disk.
    members : tuple of str
        Member names inside the archive at ``path``, outermost first; empty for a file.
    """

    path: str
    members: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """``path``, then each member after a ``/`` (``export.zip/run.fit``)."""
        return "/".join((self.path, *self.members))


def is_activity_name(name: str) -> bool:
    """Whether a file name looks like a recording (``.fit``, ``.gpx.gz`` …)."""
    return name.lower().endswith(ACTIVITY_SUFFIXES)


def _is_zip(name: str, head: bytes) -> bool:
    return name.lower().endswith(".zip") or head[:4] == b"PK\x03\x04"


def _zip_items(archive: zipfile.ZipFile, path: str, outer: tuple[str, ...]) -> Iterator[Item]:
    for info in sorted(archive.infolist(), key=lambda i: i.filename):
        if info.is_dir():
            continue
        members = (*outer, info.filename)
        if is_activity_name(info.filename):
            yield Item(path, members)
        elif info.filename.lower().endswith(".zip"):
            try:
                inner = zipfile.ZipFile(io.BytesIO(_member_bytes(archive, info, path)))
            except (zipfile.BadZipFile, CorruptFileError, OSError):
                yield Item(path, members)  # reading it will report what is wrong
                continue
            with inner:
                yield from _zip_items(inner, path, members)


def _file_items(path: Path) -> Iterator[Item]:
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:
            head = fh.read(4)
    except OSError:
        yield Item(name)  # unreadable: reading it reports why
        return
    if not _is_zip(name, head):
        yield Item(name)
        return
    try:
        with zipfile.ZipFile(name) as archive:
            yield from _zip_items(archive, name, ())
    except (zipfile.BadZipFile, OSError):
        yield Item(name)


def expand_sources(sources: PathLike | Iterable[PathLike]) -> list[Item]:
    """Every recording named by *sources*, in a stable order.

    Parameters
    ----------
    sources : path, glob pattern, or an iterable of them
        Files are taken as they are (whatever their name); folders are searched
        recursively for ``.fit``, ``.gpx`` and ``.tcx`` files (optionally ``.gz``) and zip
        archives; a zip archive (by name or content) contributes its recordings,
        including those of zip archives inside it; a pattern with ``*``, ``?`` or ``[``
        is expanded (``**`` matches folders recursively). A path that does not exist is
        kept, so that the batch reports it.

    Returns
    -------
    list of Item
        One per recording; the same file named twice is listed once.

    Examples
    --------
    >>> from kickanalysis.batch.sources import expand_sources
    >>> [item.name for item in expand_sources("data/samples/*.fit")]
    ['data/samples/easy_run_strides.fit', 'data/samples/fade_10k.fit', 'data/samples/race_5k_kick.fit']
    """
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    items: list[Item] = []
    for source in sources:
        text = os.fspath(source)
        path = Path(text)
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.is_file() and (
                    is_activity_name(found.name) or found.name.lower().endswith(".zip")
                ):
                    items.extend(_file_items(found))
        elif path.exists():
            items.extend(_file_items(path))
        elif glob.has_magic(text):
            matches = sorted(glob.glob(text, recursive=True))
            items.extend(expand_sources(matches) if matches else [])
        else:
            items.append(Item(text))
    return list(dict.fromkeys(items))


def _member_bytes(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> bytes:
    limit = max(ZIP_MIN_LIMIT, ZIP_MAX_RATIO * info.compress_size)
    with archive.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise CorruptFileError(
            f"{path}/{info.filename}", f"zip member expands beyond {limit} bytes; refusing"
        )
    return data


def read_item_bytes(item: Item) -> bytes:
    """The content of one item (a zip member is read in memory, bounded in size).

    Raises
    ------
    OSError
        The file cannot be opened (missing, no permission).
    CorruptFileError
        A damaged zip archive, or a member that expands beyond the limit.
    """
    if not item.members:
        with open(item.path, "rb") as fh:
            return fh.read()
    try:
        archive = zipfile.ZipFile(item.path)
        for depth, member in enumerate(item.members):
            with archive:
                data = _member_bytes(archive, archive.getinfo(member), item.path)
            if depth + 1 < len(item.members):
                archive = zipfile.ZipFile(io.BytesIO(data))
    except (
        zipfile.BadZipFile,
        KeyError,
        EOFError,
        zlib.error,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        # damaged, truncated, unsupported compression, encrypted
        raise CorruptFileError(item.name, f"damaged zip archive: {exc}") from exc
    return data
