"""Safe XML parsing for GPX and TCX: no entity expansion, no DTD, no network.

Follows the rules of defusedxml (entity declarations and external entities are refused
outright) without the dependency: the standard library's expat parser is used, and any
DTD content is rejected before it can do harm.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from xml.parsers import expat

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


def parse_tree(data: bytes, name: str) -> ET.Element:
    """Parse *data* into an ElementTree root safely.

    Raises
    ------
    CorruptFileError
        Malformed XML (with the line), or DTD/entity declarations.
    """
    reject_dtd(data, name)
    parser = ET.XMLParser()
    raw = parser.parser  # the underlying expat parser

    def _refuse(*_args: object) -> None:
        raise CorruptFileError(name, "XML entity declarations are refused")

    raw.EntityDeclHandler = _refuse
    raw.UnparsedEntityDeclHandler = _refuse
    raw.ExternalEntityRefHandler = _refuse
    try:
        parser.feed(data)
        return parser.close()
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise CorruptFileError(name, f"malformed XML: {exc}", line=line) from exc
    except expat.ExpatError as exc:  # pragma: no cover - ET wraps these
        raise CorruptFileError(name, f"malformed XML: {exc}", line=exc.lineno) from exc


__all__ = ["parse_tree", "reject_dtd"]
