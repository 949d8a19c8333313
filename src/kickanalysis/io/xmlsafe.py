"""Safe XML parsing for GPX and TCX: no entity expansion, no DTD, no network.

Follows the rules of defusedxml (entity declarations and external entities are refused
outright) without the dependency: any DTD content is rejected before a reader looks at the
document, so no entity is ever expanded and nothing outside the input is ever read.
"""

from __future__ import annotations

import re

from ..errors import CorruptFileError

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def reject_dtd(data: bytes, name: str) -> None:
    """Raise :class:`CorruptFileError` if *data* declares entities or an external DTD.

    A plain ``<!DOCTYPE gpx>`` without an internal subset or system id is harmless and
    allowed.
    """
    m = _DOCTYPE.search(data, 0, 65536)
    if m is None and _ENTITY_DECL.search(data, 0, 65536) is None:
        return
    start = m.start() if m else 0
    end = data.find(b">", start)
    decl = data[start : end + 1 if end >= 0 else start + 200]
    if (
        _ENTITY_DECL.search(data, 0, 65536)
        or b"[" in decl
        or b"SYSTEM" in decl
        or b"PUBLIC" in decl
    ):
        line = data.count(b"\n", 0, start) + 1
        raise CorruptFileError(
            name,
            "XML document type declarations with entities or external DTDs are refused",
            line=line,
        )


__all__ = ["reject_dtd"]
