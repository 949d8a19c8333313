"""Safe XML parsing for GPX and TCX: no entity expansion, no DTD, no network, bounded size.

Follows the rules of defusedxml (entity declarations and external entities are refused
outright) without the dependency: any DTD content is rejected before a reader looks at the
document, so no entity is ever expanded and nothing outside the input is ever read. The
limits on nesting depth and on the length of one tag or text follow libxml2's defaults
(``XML_PARSE_HUGE`` off: 256 levels, 10 000 000 bytes per text node), which the
``engine="gpxpy"`` path (lxml) applies too, so every engine refuses the same documents.
"""

from __future__ import annotations

import numpy as np

from ..errors import CorruptFileError

#: Deepest element nesting accepted (libxml2's default; real GPX/TCX files nest <= 10).
MAX_DEPTH = 256
#: Longest stretch of a document without a ``<`` [bytes]: one text node, or one tag with
#: its attributes (libxml2's default text-node limit).
MAX_RUN_BYTES = 10_000_000


def _ascii_view(data: bytes) -> bytes:
    """*data* as UTF-8 when it is UTF-16/32 (BOM or NUL bytes), so markup is findable."""
    head = data[:4]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head:
        for codec in ("utf-16", "utf-32", "utf-16-le", "utf-16-be"):
            try:
                return data.decode(codec).encode("utf-8", "replace")
            except UnicodeDecodeError:
                continue
    return data


def reject_dtd(data: bytes, name: str) -> None:
    """Refuse entity declarations, external DTDs and oversized document parts.

    A plain ``<!DOCTYPE gpx>`` without an internal subset or system id is harmless and
    allowed.

    Parameters
    ----------
    data : bytes
        The whole document.
    name : str
        Source name for the message.

    Raises
    ------
    CorruptFileError
        With the line of the declaration: an ``<!ENTITY`` anywhere, or a ``<!DOCTYPE``
        with an internal subset, ``SYSTEM`` or ``PUBLIC`` id; or a single tag or text
        longer than :data:`MAX_RUN_BYTES` (with its byte offset).

    Examples
    --------
    >>> reject_dtd(b'<!DOCTYPE gpx SYSTEM "file:///etc/passwd"><gpx/>', "x.gpx")
    Traceback (most recent call last):
    ...
    kickanalysis.errors.CorruptFileError: x.gpx at line 1: XML document type declarations with entities or external DTDs are refused
    """
    text = _ascii_view(data)
    # every "<!d…" / "<!e…" (any case) in the whole document, found with numpy: '!' is rare
    # in GPX/TCX (comments, CDATA), so this costs one pass over the bytes
    arr = np.frombuffer(text, dtype=np.uint8)
    bang = np.flatnonzero(arr[1:-1] == 33) + 1
    nxt = arr[bang + 1] | 0x20
    bang = bang[(arr[bang - 1] == 60) & ((nxt == 100) | (nxt == 101))]
    for at in bang.tolist():
        start = at - 1
        word = text[at + 1 : at + 8].upper()
        if not (word.startswith(b"DOCTYPE") or word.startswith(b"ENTITY")):
            continue
        end = text.find(b">", start)
        decl = text[start : end + 1 if end >= 0 else start + 200].upper()
        if word.startswith(b"ENTITY") or b"[" in decl or b"SYSTEM" in decl or b"PUBLIC" in decl:
            line = text.count(b"\n", 0, start) + 1
            raise CorruptFileError(
                name,
                "XML document type declarations with entities or external DTDs are refused",
                line=line,
            )
    _reject_long_runs(data, name)


def _reject_long_runs(data: bytes, name: str) -> None:
    if len(data) <= MAX_RUN_BYTES:
        return  # nothing can be longer than the whole input
    lt = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 60)
    bounds = np.concatenate(([0], lt, [len(data)]))
    gaps = np.diff(bounds)
    k = int(np.argmax(gaps))
    if gaps[k] > MAX_RUN_BYTES:
        raise CorruptFileError(
            name,
            f"one tag or text runs for {int(gaps[k])} bytes without markup, more than the "
            f"{MAX_RUN_BYTES} accepted",
            offset=int(bounds[k]),
        )


def depth_error(name: str, *, line: int | None = None, offset: int | None = None):
    """The error for elements nested deeper than :data:`MAX_DEPTH` levels."""
    return CorruptFileError(
        name,
        f"elements nested more than {MAX_DEPTH} levels deep are refused",
        line=line,
        offset=offset,
    )


def reject_deep(data: bytes, name: str) -> None:
    """Raise :func:`depth_error` when elements nest deeper than :data:`MAX_DEPTH`.

    For parsers that do not bound the depth themselves (gpxpy on the standard library's
    ElementTree, which recurses without a limit where lxml applies libxml2's): a
    streaming pass of expat that only counts levels. Markup that expat cannot parse is
    left to the caller's parser to report.
    """
    from xml.parsers import expat

    parser = expat.ParserCreate()
    depth = 0

    def start(_tag: str, _attrs: dict) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise depth_error(name, line=parser.CurrentLineNumber)

    def end(_tag: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except CorruptFileError:
        raise  # too deep (a ValueError too: let it through first)
    except (expat.ExpatError, LookupError, ValueError):  # bad markup or encoding name
        pass


__all__ = ["MAX_DEPTH", "MAX_RUN_BYTES", "depth_error", "reject_deep", "reject_dtd"]
