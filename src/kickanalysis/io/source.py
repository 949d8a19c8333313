"""Turning whatever the user passed into bytes, and recognising the format."""

from __future__ import annotations

import gzip
import io
import os
import re
import zlib
from typing import BinaryIO, Union

from ..errors import SUPPORTED_FORMATS, CorruptFileError, UnknownFormatError

Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, BinaryIO]

#: Largest decompressed size accepted from a gzip member, as a multiple of its compressed
#: size (plus a floor), so a gzip bomb fails fast instead of exhausting memory.
GZIP_MAX_RATIO = 200
GZIP_MIN_LIMIT = 64 * 1024 * 1024


def load(source: Source) -> tuple[bytes, str]:
    """Return the (decompressed) content of *source* and a name for messages.

    Parameters
    ----------
    source : str, os.PathLike, bytes, bytearray, memoryview or binary file object
        Where to read from; gzip-compressed content is decompressed transparently.

    Returns
    -------
    tuple of (bytes, str)
        The content and the source's name (file name, ``"<bytes>"`` or the stream's
        ``name``).
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, name = bytes(source), "<bytes>"
    elif isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        try:
            with open(name, "rb") as fh:
                data = fh.read()
        except IsADirectoryError as exc:
            raise UnknownFormatError(name, "a directory, not a file") from exc
    elif hasattr(source, "read"):
        data = source.read()
        name = str(getattr(source, "name", "<stream>"))
        if isinstance(data, str):
            raise TypeError(f"{name}: open the file in binary mode ('rb'), not text mode")
        data = bytes(data)
    else:
        raise TypeError(
            f"source must be a path, bytes or a binary file object, not {type(source).__name__}"
        )
    if data[:2] == b"\x1f\x8b":
        data = gunzip(data, name)
    return data, name


def gunzip(data: bytes, name: str) -> bytes:
    """Decompress gzip *data* with a bound on the output size."""
    limit = max(GZIP_MIN_LIMIT, GZIP_MAX_RATIO * len(data))
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            while True:
                chunk = gz.read(1 << 20)
                if not chunk:
                    break
                out.write(chunk)
                if out.tell() > limit:
                    raise CorruptFileError(
                        name, f"gzip content expands beyond {limit} bytes; refusing"
                    )
    except (OSError, EOFError, zlib.error) as exc:
        raise CorruptFileError(name, f"damaged gzip stream: {exc}") from exc
    return out.getvalue()


_XML_ROOT = re.compile(
    rb"<(?![?!])(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)",
)
#: Root elements by format; a bare ``<Activities>`` is a TCX document that lost its
#: ``TrainingCenterDatabase`` wrapper (the TCX reader recovers it with a warning).
_XML_ROOT_FORMATS = {b"gpx": "gpx", b"TrainingCenterDatabase": "tcx", b"Activities": "tcx"}


def is_fit(data: bytes) -> bool:
    """Whether *data* starts with a FIT file header."""
    return len(data) >= 12 and data[0] in (12, 14) and data[8:12] == b".FIT"


def sniff(data: bytes, name: str = "<input>") -> str:
    """Recognise the format of *data* from its content.

    Parameters
    ----------
    data : bytes
        The (decompressed) content.
    name : str
        Used in the error message.

    Returns
    -------
    str
        One of ``"fit"``, ``"gpx"``, ``"tcx"``.

    Raises
    ------
    UnknownFormatError
        When the content is none of them.
    """
    if not data:
        raise UnknownFormatError(name, "empty input")
    if is_fit(data):
        return "fit"
    head = data[:8192]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            head = head.decode("utf-16").encode("utf-8", "replace")
        except UnicodeDecodeError:
            pass
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        pos = 0
        # skip the XML declaration, comments, processing instructions and a DOCTYPE
        while True:
            head_rest = head[pos:].lstrip()
            pos = len(head) - len(head_rest)
            if head_rest.startswith(b"<!--"):
                end = head.find(b"-->", pos)
                end = end + 1 if end >= 0 else -1
            elif head_rest.startswith(b"<?"):
                end = head.find(b"?>", pos)
            elif head_rest.startswith(b"<!"):
                bracket, close = head.find(b"[", pos), head.find(b">", pos)
                if 0 <= bracket < close:  # DOCTYPE with an internal subset
                    close = head.find(b"]", bracket)
                    close = head.find(b">", close) if close >= 0 else -1
                end = close - 1 if close >= 0 else -1
            else:
                break
            if end < 0:
                break
            pos = end + 2
        m = _XML_ROOT.match(head, pos)
        if m and m.group(1) in _XML_ROOT_FORMATS:
            return _XML_ROOT_FORMATS[m.group(1)]
        root = m.group(1).decode("ascii", "replace") if m else "?"
        raise UnknownFormatError(name, f"XML with root element <{root}>")
    if len(data) >= 12 and data[8:12] == b".FIT":
        raise CorruptFileError(name, f"FIT header size {data[0]} is neither 12 nor 14", offset=0)
    raise UnknownFormatError(name, "content is neither a FIT header nor GPX/TCX XML")


__all__ = ["SUPPORTED_FORMATS", "Source", "gunzip", "is_fit", "load", "sniff"]
