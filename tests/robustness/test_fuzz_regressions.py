"""Inputs the fuzzers found that broke the readers (untyped exceptions), now typed or read.

Each was reduced by hand to the damage that mattered; the test fails on the code before
the fix.
"""

from __future__ import annotations

import sys
import warnings

import pytest
from conftest import REPO
from fitbuilder import Field, FitBuilder

sys.path.insert(0, str(REPO / "fuzz"))
import mutators as M

import kickanalysis as ka
from kickanalysis.errors import CorruptFileError, DataQualityWarning


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return fn(*args, **kwargs)


def test_fit_component_target_defined_as_a_string() -> None:
    """A damaged definition gave enhanced_speed (the target of speed's component) the
    string base type: numpy isnan on text raised TypeError. The text is dropped and the
    component fills the column."""
    b = FitBuilder()
    b.define(0, 20, [(253, "uint32"), (6, "uint16"), Field(73, "string", 4)])
    b.data(0, 1_000_000_000, 3000, "abc")
    b.data(0, 1_000_000_001, 3100, "abd")
    rec = _quiet(ka.read, b.build()).records
    assert rec["speed_mps"].tolist() == [3.0, 3.1]


@pytest.mark.parametrize("engine", ["native", "gpxpy"])
@pytest.mark.parametrize(
    "time_text", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2024-01-01T00:00:0\u00ad0Z"]
)
def test_gpx_times_that_are_no_nanosecond_time(engine: str, time_text: str) -> None:
    """Out-of-range years overflowed pandas (OutOfBoundsDatetime); non-ASCII bytes in a
    time raised UnicodeDecodeError. Both are unparseable times now (repair warning)."""
    old = b"<ele>100</ele><time>2024-01-01T00:00:00Z"
    data = M._HAND_GPX.replace(old, b"<ele>100</ele><time>" + time_text.encode(), 1)
    assert data != M._HAND_GPX
    with pytest.warns(DataQualityWarning, match="unparseable timestamps|points without a time"):
        act = ka.read_gpx(data, engine=engine)
    assert len(act.records) == 3
    if engine == "gpxpy" and "\u00ad" in time_text:
        return  # gpxpy drops a time it cannot parse: a point without time, not damage
    with pytest.raises(CorruptFileError):
        ka.read_gpx(data, engine=engine, strict=True)


@pytest.mark.parametrize("engine", ["native", "gpxpy"])
def test_gpx_route_with_an_out_of_range_metadata_time(engine: str) -> None:
    data = M._HAND_ROUTE_GPX.replace(b"2024-02-29T23:59:59Z", b"9999-12-31T00:00:00Z")
    act = _quiet(ka.read_gpx, data, engine=engine)
    assert act.meta.start_time is None  # no usable start: points placed from 1970
    assert act.records.index[0].year == 1970


@pytest.mark.parametrize("fmt", ["gpx", "tcx"])
def test_unknown_encoding_declaration(fmt: str) -> None:
    """expat raised LookupError for an encoding Python does not know."""
    base = M._HAND_GPX if fmt == "gpx" else M._HAND_TCX
    data = base.replace(b'<?xml version="1.0"', b'<?xml version="1.0" encoding="UTB-8"', 1)
    if fmt == "gpx":
        data = data.replace(b' encoding="UTF-8"', b"", 1)
    data = data.replace(b"<!-- a comment -->", b"<!-- a comment --><", 1)  # general path
    with pytest.raises(CorruptFileError, match="encoding"):
        ka.read(data, format=fmt)


def test_gpxpy_value_errors_are_corrupt_file_errors() -> None:
    """lxml raised ValueError for a namespace URI with control characters (the standard
    library's ElementTree, which gpxpy uses without lxml, accepts it)."""
    data = M._HAND_GPX.replace(b"TrackPointExtension/v1", b"TrackPoint\x7fExtension/v1")
    try:
        act = _quiet(ka.read_gpx, data, engine="gpxpy")
    except CorruptFileError as exc:
        assert "gpxpy could not parse" in str(exc)
    else:
        assert len(act.records) == len(_quiet(ka.read_gpx, data).records) > 0


def test_tcx_numeric_character_reference_beyond_unicode() -> None:
    """``&#x110000;`` in an attribute raised ValueError from chr(); it becomes U+FFFD."""
    data = M._HAND_TCX.replace(b'Sport="Biking"', b'Sport="Bi&#x110000;king"', 1)
    act = _quiet(ka.read_tcx, data)
    assert len(act.records) == 3


def test_tcx_out_of_range_activity_id() -> None:
    """A year-9999 activity Id overflowed pandas when used as the start time."""
    data = M._HAND_TCX.replace(b"<Id>2024-01-01T00:00:00Z</Id>", b"<Id>9999-12-31T00:00:00Z</Id>")
    act = _quiet(ka.read_tcx, data)
    assert act.meta.start_time.year == 2024  # from the lap start instead


def test_gpxpy_engine_unknown_encoding_is_a_corrupt_file_error() -> None:
    """The depth check before gpxpy raised LookupError for ``encoding="TTF-8"`` (CI).
    gpxpy then refuses it (lxml) or ignores the declaration of a decoded string
    (ElementTree): either is fine, an untyped error is not."""
    data = M._HAND_GPX.replace(b"UTF-8", b"TTF-8", 1).replace(b"utf-8", b"TTF-8", 1)
    assert b"TTF-8" in data
    try:
        act = _quiet(ka.read_gpx, data, engine="gpxpy")
    except CorruptFileError as exc:
        assert "gpxpy could not parse" in str(exc)
    else:
        assert len(act.records) > 0


def test_reject_deep_refuses_nesting_before_gpxpy_parses() -> None:
    """gpxpy on ElementTree (no lxml) recursed without a bound; the expat pre-check
    refuses it whatever parser gpxpy has (and lets bad encodings through to it)."""
    from kickanalysis.io.xmlsafe import MAX_DEPTH, reject_deep

    deep = b"<gpx>" + b"<a>" * (MAX_DEPTH + 1) + b"</a>" * (MAX_DEPTH + 1) + b"</gpx>"
    with pytest.raises(CorruptFileError, match="nested more than"):
        reject_deep(deep, "deep.gpx")
    ok = b"<gpx>" + b"<a>" * (MAX_DEPTH - 1) + b"</a>" * (MAX_DEPTH - 1) + b"</gpx>"
    reject_deep(ok, "ok.gpx")
    reject_deep(b'<?xml version="1.0" encoding="TTF-8"?><gpx/>', "enc.gpx")
    reject_deep(b"<gpx><unclosed></gpx>", "bad.gpx")
