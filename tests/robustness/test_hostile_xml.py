"""Hostile XML: every case is refused with CorruptFileError, quickly, in bounded memory,
without reading files or the network — for GPX (both engines) and TCX.

What is refused, and where (``kickanalysis.io.xmlsafe``):

* any ``<!ENTITY`` declaration, and a ``<!DOCTYPE`` with an internal subset or a
  ``SYSTEM``/``PUBLIC`` id, anywhere in the document (also UTF-16): billion laughs,
  XXE (``file://``, ``http://``), external DTDs, parameter entities — error with the
  line of the declaration;
* nesting deeper than ``MAX_DEPTH`` (256, libxml2's default) — error with the line;
* one tag or text longer than ``MAX_RUN_BYTES`` (10 MB, libxml2's text-node limit) —
  error with the byte offset where it starts.

Thousands of attributes on one element are not an attack on these readers: they are
read, in bounded time and memory (tested below too).
"""

from __future__ import annotations

import socket
import sys

import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "fuzz"))
import mutators as M

import kickanalysis as ka
from kickanalysis.errors import CorruptFileError, UnknownFormatError
from kickanalysis.io.xmlsafe import MAX_DEPTH, MAX_RUN_BYTES

MARKER = "MARKER-7f3a-not-to-be-read"

GPX = (
    b'<gpx version="1.1" creator="x"><trk><name>NAME</name><trkseg>'
    b'<trkpt lat="0" lon="0"><time>2024-01-01T00:00:00Z</time>INSIDE</trkpt>'
    b'<trkpt lat="0" lon="0.001"><time>2024-01-01T00:00:05Z</time></trkpt>'
    b"</trkseg></trk></gpx>"
)
TCX = (
    b'<TrainingCenterDatabase><Activities><Activity Sport="Running">'
    b'<Id>2024-01-01T00:00:00Z</Id><Lap StartTime="2024-01-01T00:00:00Z"><Notes>NAME</Notes>'
    b"<Track><Trackpoint><Time>2024-01-01T00:00:00Z</Time>INSIDE</Trackpoint>"
    b"<Trackpoint><Time>2024-01-01T00:00:05Z</Time><DistanceMeters>10</DistanceMeters>"
    b"</Trackpoint></Track></Lap></Activity></Activities></TrainingCenterDatabase>"
)
READERS = {
    "gpx-native": lambda d: ka.read_gpx(d),
    "gpx-gpxpy": lambda d: ka.read_gpx(d, engine="gpxpy"),
    "gpx-sniffed": lambda d: ka.read(d),
    "tcx": lambda d: ka.read_tcx(d),
    "tcx-sniffed": lambda d: ka.read(d),
}


def _doc(reader: str, prolog: bytes = b"", name: bytes = b"run", inside: bytes = b"") -> bytes:
    base = GPX if reader.startswith("gpx") else TCX
    return prolog + base.replace(b"NAME", name).replace(b"INSIDE", inside)


@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    """Import and build every reader's tables before memory is measured."""
    for reader in READERS:
        assert len(READERS[reader](_doc(reader)).records) == 2


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(MARKER)
    return path


@pytest.fixture
def no_io(monkeypatch, secret):
    """Fail on any Python-level open of the secret or any socket use during the read."""
    opened: list[str] = []
    import builtins
    import io

    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if "secret" in str(file):
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    def no_socket(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(socket, "socket", no_socket)
    monkeypatch.setattr(socket, "create_connection", no_socket)
    monkeypatch.setattr(socket, "getaddrinfo", no_socket)
    return opened


def _refused(reader: str, data: bytes, expected: type = CorruptFileError) -> CorruptFileError:
    """Read under the fuzz bounds; the read must raise *expected* (exactly)."""
    box: dict[str, BaseException] = {}

    def read(d: bytes):
        try:
            READERS[reader](d)
        except BaseException as exc:
            box["exc"] = exc
            raise

    outcome = M.check(data, read)
    assert outcome.result == expected.__name__, outcome
    exc = box["exc"]
    assert type(exc) is expected
    assert MARKER not in str(exc)
    return exc


def _lol() -> bytes:
    ents = b'<!ENTITY a0 "lol">' + b"".join(
        b'<!ENTITY a%d "%s">' % (i, b"&a%d;" % (i - 1) * 10) for i in range(1, 10)
    )
    return b'<?xml version="1.0"?>\n<!DOCTYPE r [' + ents + b"]>\n"


def _uri(path) -> bytes:
    return path.as_uri().encode()


DTD_CASES = {
    "billion-laughs": (lambda s: _lol(), b"&a9;", 2),
    "xxe-file": (
        lambda s: b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "' + _uri(s) + b'">]>\n',
        b"&x;",
        2,
    ),
    "xxe-http": (
        lambda s: (
            b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>\n'
        ),
        b"&x;",
        2,
    ),
    "external-dtd-system": (
        lambda s: b'<?xml version="1.0"?>\n<!DOCTYPE r SYSTEM "http://127.0.0.1:9/r.dtd">\n',
        b"run",
        2,
    ),
    "external-dtd-public": (
        lambda s: b'<?xml version="1.0"?>\n\n<!DOCTYPE r PUBLIC "-//x//y" "' + _uri(s) + b'">\n',
        b"run",
        3,
    ),
    "parameter-entity": (
        lambda s: (
            b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY % p SYSTEM "' + _uri(s) + b'"> %p;]>\n'
        ),
        b"run",
        2,
    ),
    "doctype-after-70kb-of-comment": (
        lambda s: (
            b"<!--" + b"x" * 70_000 + b'-->\n<!DOCTYPE r [<!ENTITY x SYSTEM "' + _uri(s) + b'">]>\n'
        ),
        b"&x;",
        2,
    ),
}


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("case", DTD_CASES)
def test_entities_and_dtds_are_refused(case: str, reader: str, secret, no_io) -> None:
    prolog, name, line = DTD_CASES[case]
    data = _doc(reader, prolog(secret), name)
    if case.startswith("doctype-after") and reader.endswith("sniffed"):
        # the format is recognised from the first 8 KiB: a 70 KB comment hides the root
        _refused(reader, data, UnknownFormatError)
        assert no_io == []
        return
    exc = _refused(reader, data)
    assert exc.line == line
    assert "refused" in str(exc)
    assert no_io == []


@pytest.mark.parametrize("reader", READERS)
def test_utf16_xxe_is_refused(reader: str, secret, no_io) -> None:
    text = (
        '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "'
        + secret.as_uri()
        + '">]>\n'
        + _doc(reader, name=b"&x;").decode()
    )
    exc = _refused(reader, text.encode("utf-16"))
    assert exc.line == 2
    assert no_io == []


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("where", ["outside-points", "inside-a-point"])
def test_100000_levels_of_nesting_are_refused(reader: str, where: str) -> None:
    deep = b"<a>" * 100_000 + b"</a>" * 100_000
    if where == "outside-points":
        data = _doc(reader, name=b"run</name><extensions>" + deep + b"</extensions><name>x")
        if reader.startswith("tcx"):
            data = _doc(reader, name=b"run</Notes><Extensions>" + deep + b"</Extensions><Notes>x")
    else:
        data = _doc(reader, inside=deep)
    exc = _refused(reader, data)
    assert "nested" in str(exc) or "depth" in str(exc)
    if reader != "gpx-gpxpy":  # lxml reports its own limit (the same 256 levels)
        assert exc.line == 1 and f"{MAX_DEPTH} levels" in str(exc)


@pytest.mark.parametrize("reader", READERS)
def test_nesting_up_to_the_limit_is_read(reader: str) -> None:
    """The limit is not lower than it says: 200 extra levels inside a point still read."""
    deep = b"<a>" * 200 + b"</a>" * 200
    act = READERS[reader](_doc(reader, inside=deep))
    assert len(act.records) == 2


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("what", ["attribute", "text"])
def test_50_mb_attribute_or_text_is_refused(reader: str, what: str) -> None:
    big = b"a" * 50_000_000
    if what == "attribute":
        tag = b"<trk>" if reader.startswith("gpx") else b"<Track>"
        data = _doc(reader).replace(tag, tag[:-1] + b' x="' + big + b'">')
    else:
        data = _doc(reader, name=big)
    exc = _refused(reader, data)
    assert exc.offset is not None and exc.offset < 200
    assert f"{MAX_RUN_BYTES}" in str(exc)


@pytest.mark.parametrize("reader", READERS)
def test_many_attributes_are_read_in_bounded_time_and_memory(reader: str) -> None:
    attrs = b" ".join(b'a%d="1"' % i for i in range(200_000))
    tag = b"<trk>" if reader.startswith("gpx") else b"<Track>"
    data = _doc(reader).replace(tag, tag[:-1] + b" " + attrs + b">")
    outcome = M.check(data, READERS[reader])
    assert outcome.result == "ok", outcome
    assert len(READERS[reader](data).records) == 2
