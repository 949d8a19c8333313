"""GPX reader: small documents built here, both engines."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import kickanalysis as ka
from kickanalysis.errors import CorruptFileError, DataQualityWarning, EmptyActivityError
from kickanalysis.geo import EARTH_RADIUS_M
from kickanalysis.io import gpx as gpx_module
from kickanalysis.io.gpx import gpx_from_bytes
from kickanalysis.schema import RECORD_COLUMNS

ENGINES = ["native", "gpxpy"]

TPX1 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
TPX2 = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2"


def doc(body: str, *, head: str = "", ns: str = "", type_: str = "running") -> bytes:
    """A GPX 1.1 document with one track around *body* (the trkseg contents)."""
    type_el = f"<type>{type_}</type>" if type_ else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<gpx version="1.1" creator="Garmin Connect" xmlns="http://www.topografix.com/GPX/1/1"{ns}>\n'
        f"{head}<trk><name>Morning Run</name>{type_el}<trkseg>\n{body}\n</trkseg></trk>\n</gpx>\n"
    ).encode()


def pt(
    lat: float, lon: float, t: str | None = None, ele: float | None = None, ext: str = ""
) -> str:
    parts = [f'<trkpt lat="{lat}" lon="{lon}">']
    if ele is not None:
        parts.append(f"<ele>{ele}</ele>")
    if t is not None:
        parts.append(f"<time>{t}</time>")
    if ext:
        parts.append(f"<extensions>{ext}</extensions>")
    parts.append("</trkpt>")
    return "".join(parts)


def read(data: bytes, engine: str = "native", **kw) -> ka.Activity:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return gpx_from_bytes(data, "test.gpx", engine=engine, **kw)


def step_m(dlon_deg: float) -> float:
    """Haversine distance along the equator for a longitude step, by hand."""
    return EARTH_RADIUS_M * math.radians(dlon_deg)


def utc(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


# --------------------------------------------------------------------------- extensions


def tpx(prefix: str, hr: int, cad: int, atemp: float) -> str:
    p = f"{prefix}:" if prefix else ""
    xmlns = f' xmlns="{TPX1}"' if not prefix else ""
    return (
        f"<{p}TrackPointExtension{xmlns}><{p}atemp>{atemp}</{p}atemp><{p}hr>{hr}</{p}hr>"
        f"<{p}cad>{cad}</{p}cad></{p}TrackPointExtension>"
    )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("prefix", ["gpxtpx", "ns3", ""])
def test_trackpoint_extension_v1_any_prefix(engine: str, prefix: str) -> None:
    ns = f' xmlns:{prefix}="{TPX1}"' if prefix else ""
    body = "\n".join(
        [
            pt(0.0, 0.0, "2024-05-01T07:00:00Z", 10.0, tpx(prefix, 120, 80, 21.5)),
            pt(0.0, 0.001, "2024-05-01T07:00:30Z", 11.5, tpx(prefix, 131, 85, 21.0)),
            pt(0.0, 0.002, "2024-05-01T07:01:00Z", 12.0, tpx(prefix, 140, 90, 20.5)),
        ]
    )
    act = read(doc(body, ns=ns), engine)
    rec = act.records
    assert list(rec.index) == [
        utc("2024-05-01 07:00:00"),
        utc("2024-05-01 07:00:30"),
        utc("2024-05-01 07:01:00"),
    ]
    assert rec["heart_rate_bpm"].tolist() == [120.0, 131.0, 140.0]
    # running: per-leg rpm doubled to steps per minute (no rpm column, as in FIT)
    assert rec["cadence_spm"].tolist() == [160.0, 170.0, 180.0]
    assert "cadence_rpm" not in rec
    assert rec["temperature_c"].tolist() == [21.5, 21.0, 20.5]
    assert rec["elevation_m"].tolist() == [10.0, 11.5, 12.0]
    assert rec["elapsed_s"].tolist() == [0.0, 30.0, 60.0]
    np.testing.assert_allclose(rec["distance_m"], [0.0, step_m(0.001), step_m(0.002)], rtol=1e-12)
    np.testing.assert_allclose(rec["speed_mps"], step_m(0.001) / 30.0, rtol=1e-9)
    assert rec["power_w"].isna().all()
    assert act.laps.empty and "split" in act.laps.columns
    m = act.meta
    assert (m.format, m.source, m.sport, m.name) == ("gpx", "test.gpx", "running", "Morning Run")
    assert (m.manufacturer, m.product) == ("Garmin", "Connect")
    assert m.start_time == utc("2024-05-01 07:00:00")
    assert m.extra["kind"] == "track" and m.extra["timed"] is True
    assert m.extra["creator"] == "Garmin Connect" and m.extra["version"] == "1.1"
    assert m.pauses == () and m.warnings == ()


@pytest.mark.parametrize("engine", ENGINES)
def test_trackpoint_extension_v2_speed_course_and_power(engine: str) -> None:
    ns = f' xmlns:gpxtpx="{TPX2}" xmlns:pwr="http://www.garmin.com/xmlschemas/PowerExtension/v1"'

    def ext(hr: int, speed: float, course: float, power: int) -> str:
        return (
            f"<power>{power}</power><gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr>"
            f"<gpxtpx:speed>{speed}</gpxtpx:speed><gpxtpx:course>{course}</gpxtpx:course>"
            "</gpxtpx:TrackPointExtension>"
        )

    body = "\n".join(
        [
            pt(45.0, 7.0, "2024-05-01T07:00:00Z", None, ext(100, 3.25, 90.0, 250)),
            pt(45.0, 7.001, "2024-05-01T07:00:01Z", None, ext(101, 3.5, 91.5, 260)),
        ]
    )
    rec = read(doc(body, ns=ns, type_="cycling"), engine).records
    assert rec["speed_mps"].tolist() == [3.25, 3.5]  # from the extension, not derived
    assert rec["course_deg"].tolist() == [90.0, 91.5]
    assert rec["power_w"].tolist() == [250.0, 260.0]
    assert rec["heart_rate_bpm"].tolist() == [100.0, 101.0]
    assert rec["elevation_m"].isna().all()


@pytest.mark.parametrize("engine", ENGINES)
def test_power_in_watts_and_cycling_cadence_unchanged(engine: str) -> None:
    ns = f' xmlns:gpxtpx="{TPX1}" xmlns:pwr="http://www.garmin.com/xmlschemas/PowerExtension/v1"'
    ext = (
        "<gpxtpx:TrackPointExtension><gpxtpx:cad>92</gpxtpx:cad></gpxtpx:TrackPointExtension>"
        "<pwr:PowerInWatts>301</pwr:PowerInWatts>"
    )
    body = pt(1.0, 2.0, "2024-05-01T07:00:00Z", ext=ext) + pt(1.0, 2.0, "2024-05-01T07:00:01Z")
    rec = read(doc(body, ns=ns, type_="road_biking"), engine).records
    assert rec["power_w"].tolist()[0] == 301.0 and math.isnan(rec["power_w"].iloc[1])
    assert rec["cadence_rpm"].iloc[0] == 92.0  # crank rpm as written, as in FIT
    assert rec["cadence_spm"].isna().all()  # a bike has no steps


def test_strava_numeric_type_and_unknown_sport_cadence_warning() -> None:
    ext = f'<x:TrackPointExtension xmlns:x="{TPX1}"><x:cad>88</x:cad></x:TrackPointExtension>'
    body = pt(0, 0, "2024-05-01T07:00:00Z", ext=ext)
    assert read(doc(body, type_="9")).meta.sport == "running"
    assert read(doc(body, type_="1")).meta.sport == "cycling"
    with pytest.warns(DataQualityWarning, match="per-leg"):
        act = gpx_from_bytes(doc(body, type_=""), "t.gpx")
    assert act.meta.sport is None
    assert act.records["cadence_spm"].iloc[0] == 176.0


# -------------------------------------------------------------------------------- times


@pytest.mark.parametrize("engine", ENGINES)
def test_iso8601_forms_to_utc(engine: str) -> None:
    body = "\n".join(
        [
            pt(0, 0, "2024-05-01T07:00:00Z"),
            pt(0, 0, "2024-05-01T09:00:01+02:00"),
            pt(0, 0, "2024-05-01T02:00:02.250-05:00"),
            pt(0, 0, "2024-05-01T07:00:03.5Z"),
        ]
    )
    rec = read(doc(body), engine).records
    assert str(rec.index.tz) == "UTC"
    assert list(rec.index) == [
        utc("2024-05-01 07:00:00"),
        utc("2024-05-01 07:00:01"),
        utc("2024-05-01 07:00:02.25"),
        utc("2024-05-01 07:00:03.5"),
    ]
    assert rec["elapsed_s"].tolist() == [0.0, 1.0, 2.25, 3.5]


@pytest.mark.parametrize("engine", ENGINES)
def test_naive_times_taken_as_utc_with_warning(engine: str) -> None:
    body = pt(0, 0, "2024-05-01T07:00:00") + pt(0, 0, "2024-05-01T07:00:05")
    with pytest.warns(DataQualityWarning, match="without a time zone"):
        act = gpx_from_bytes(doc(body), "t.gpx", engine=engine)
    assert act.records.index[1] == utc("2024-05-01 07:00:05")
    assert any("UTC" in w for w in act.meta.warnings)


@pytest.mark.parametrize("engine", ENGINES)
def test_missing_time_and_ele(engine: str) -> None:
    body = "\n".join(
        [
            pt(0, 0, "2024-05-01T07:00:00Z", 5.0),
            pt(0, 0.001, None, None),  # no time, no elevation
            pt(0, 0.002, "2024-05-01T07:00:30Z", 7.0),
        ]
    )
    act = read(doc(body), engine)
    rec = act.records
    assert rec.index[1] == utc("2024-05-01 07:00:15")  # interpolated in point index
    assert rec["elevation_m"].tolist()[0] == 5.0 and math.isnan(rec["elevation_m"].iloc[1])
    assert act.meta.extra["timed"] is False and act.meta.extra["untimed_points"] == 1
    assert any("interpolated" in w for w in act.meta.warnings)


def test_missing_position_adds_no_distance() -> None:
    # gpxpy refuses a point without a position; the native reader keeps it as NaN
    body = "\n".join(
        [
            pt(0, 0, "2024-05-01T07:00:00Z"),
            pt(0, 0.001, "2024-05-01T07:00:10Z"),
            '<trkpt lat="" lon=""><time>2024-05-01T07:00:20Z</time></trkpt>',
            "<trkpt><time>2024-05-01T07:00:25Z</time></trkpt>",
            pt(0, 0.003, "2024-05-01T07:00:30Z"),
        ]
    )
    rec = read(doc(body)).records
    assert rec["lat_deg"].isna().tolist() == [False, False, True, True, False]
    d = rec["distance_m"].to_numpy()
    np.testing.assert_allclose(
        d, [0, step_m(0.001), step_m(0.001), step_m(0.001), step_m(0.003)], rtol=1e-12
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_untimed_points_at_the_edges_kept_one_second_apart(engine: str) -> None:
    body = pt(0, 0) + pt(0, 0.001, "2024-05-01T07:00:10Z") + pt(0, 0.002)
    rec = read(doc(body), engine).records
    assert list(rec.index) == [
        utc("2024-05-01 07:00:09"),
        utc("2024-05-01 07:00:10"),
        utc("2024-05-01 07:00:11"),
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_times_going_backwards_are_sorted_or_raise_when_strict(engine: str) -> None:
    body = pt(0, 0, "2024-05-01T07:00:10Z", 1.0) + pt(0, 0, "2024-05-01T07:00:00Z", 2.0)
    rec = read(doc(body), engine).records
    assert rec.index.is_monotonic_increasing
    assert rec["elevation_m"].tolist() == [2.0, 1.0]
    with pytest.raises(CorruptFileError, match="backwards"):
        read(doc(body), engine, strict=True)


# ----------------------------------------------------------------------------- segments


@pytest.mark.parametrize("engine", ENGINES)
def test_segments_are_pauses_and_the_jump_is_not_distance(engine: str) -> None:
    body = (
        pt(0, 0, "2024-05-01T07:00:00Z")
        + pt(0, 0.001, "2024-05-01T07:00:30Z")
        + "</trkseg><trkseg>"
        + pt(0, 0.010, "2024-05-01T07:05:00Z")
        + pt(0, 0.011, "2024-05-01T07:05:30Z")
    )
    act = read(doc(body), engine)
    assert act.meta.pauses == ((utc("2024-05-01 07:00:30"), utc("2024-05-01 07:05:00")),)
    np.testing.assert_allclose(
        act.records["distance_m"], [0, step_m(0.001), step_m(0.001), 2 * step_m(0.001)], rtol=1e-9
    )
    # the first point after the break takes the speed of the next one, not 0
    np.testing.assert_allclose(act.records["speed_mps"], step_m(0.001) / 30, rtol=1e-9)
    assert act.meta.extra["segments"] == 2


@pytest.mark.parametrize("engine", ENGINES)
def test_several_tracks_are_read_in_order(engine: str) -> None:
    data = (
        '<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>a</name><trkseg>{pt(0, 0, '2024-01-01T00:00:00Z')}</trkseg></trk>"
        f"<trk><name>b</name><trkseg>{pt(0, 0.001, '2024-01-01T00:01:00Z')}</trkseg></trk>"
        "</gpx>"
    ).encode()
    act = read(data, engine)
    assert len(act.records) == 2 and act.meta.name == "a"
    assert len(act.meta.pauses) == 1
    assert act.records["distance_m"].tolist() == [0.0, 0.0]


# ------------------------------------------------------------------------------- routes


def route(with_time: bool) -> bytes:
    pts = []
    for i in range(3):
        t = f"<time>2010-01-01T00:00:{i * 15:02d}Z</time>" if with_time else ""
        pts.append(f'<rtept lat="33.69" lon="{-111.7 + i * 0.001:.3f}"><ele>570</ele>{t}</rtept>')
    return (
        '<gpx version="1.1" creator="AllTrails" xmlns="http://www.topografix.com/GPX/1/1">'
        "<metadata><name>Loop</name><time>2022-10-27T14:40:38Z</time></metadata>"
        '<wpt lat="1" lon="1"><name>start</name></wpt>'
        f"<rte><name>Loop on AllTrails</name>{''.join(pts)}</rte></gpx>"
    ).encode()


@pytest.mark.parametrize("engine", ENGINES)
def test_route_without_times_is_a_course(engine: str) -> None:
    with pytest.warns(DataQualityWarning, match="no timestamps"):
        act = gpx_from_bytes(route(False), "course.gpx", engine=engine)
    rec = act.records
    assert act.meta.extra["kind"] == "route" and act.meta.extra["timed"] is False
    assert rec.index[0] == utc("2022-10-27 14:40:38")  # metadata time
    assert act.meta.start_time == utc("2022-10-27 14:40:38")
    # the 1 s spacing is made up: no elapsed time and no speed
    assert rec["elapsed_s"].isna().all() and rec["speed_mps"].isna().all()
    assert rec["distance_m"].iloc[-1] > 0
    assert rec["elevation_m"].tolist() == [570.0] * 3
    assert rec["lat_deg"].tolist() == [33.69] * 3  # the waypoint is not a sample
    assert act.meta.name == "Loop on AllTrails"


@pytest.mark.parametrize("engine", ENGINES)
def test_route_with_times(engine: str) -> None:
    act = read(route(True), engine)
    assert act.records["elapsed_s"].tolist() == [0.0, 15.0, 30.0]
    assert act.meta.extra["timed"] is True


def test_track_without_any_time_starts_at_epoch() -> None:
    act = read(doc(pt(0, 0) + pt(0, 0.001)))
    assert act.records.index[0] == utc("1970-01-01")
    assert act.meta.extra["timed"] is False


# ------------------------------------------------------------------------ markup variety


def test_attribute_forms_and_self_closing_points() -> None:
    body = (
        "<trkpt lon='2.5' lat='1.5'/>\n"
        '<trkpt\n   lat = "1.25"\tlon="2.25" ><time>2024-01-01T00:00:01Z</time></trkpt>\n'
        '<trkpt lon="2.75" lat="1.75"><time>2024-01-01T00:00:02Z</time></trkpt>'
    )
    rec = read(doc(pt(1.0, 2.0, "2024-01-01T00:00:00Z") + body)).records
    assert rec["lat_deg"].tolist() == [1.0, 1.5, 1.25, 1.75]
    assert rec["lon_deg"].tolist() == [2.0, 2.5, 2.25, 2.75]


def test_comments_and_cdata_give_the_same_result_as_plain_markup() -> None:
    plain = doc(
        pt(0, 0, "2024-01-01T00:00:00Z", 3.0, f'<a:hr xmlns:a="{TPX1}">150</a:hr>')
        + pt(0, 0.001, "2024-01-01T00:00:01Z", 4.0)
    )
    fancy = plain.replace(b"<ele>3.0</ele>", b"<!-- c --><ele><![CDATA[3.0]]></ele>")
    a, b = read(plain), read(fancy)
    pd.testing.assert_frame_equal(a.records, b.records)
    assert a.records["heart_rate_bpm"].iloc[0] == 150.0


def test_utf8_bom_and_latin1_name() -> None:
    act = read(b"\xef\xbb\xbf" + doc(pt(0, 0, "2024-01-01T00:00:00Z")))
    assert len(act.records) == 1
    latin = doc(pt(0, 0, "2024-01-01T00:00:00Z")).replace(b"UTF-8", b"ISO-8859-1")
    latin = latin.replace(b"Morning Run", "Lauf am Morgen über".encode("latin-1"))
    assert read(latin).meta.name == "Lauf am Morgen über"


def test_entities_in_names_are_decoded() -> None:
    data = doc(pt(0, 0, "2024-01-01T00:00:00Z")).replace(b"Morning Run", b"Run &amp; Fun")
    assert read(data).meta.name == "Run & Fun"


def test_read_dispatches_to_the_gpx_reader() -> None:
    data = doc(pt(0, 0, "2024-01-01T00:00:00Z"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        act = ka.read(data)
        assert ka.read_gpx(data, engine="gpxpy").meta.format == "gpx"
    assert act.meta.format == "gpx" and act.meta.source == "<bytes>"


def test_unknown_engine() -> None:
    with pytest.raises(ValueError, match="engine"):
        gpx_from_bytes(doc(pt(0, 0)), "t.gpx", engine="lxml")


# ------------------------------------------------------------------------ damage, safety


@pytest.mark.parametrize("engine", ENGINES)
def test_no_points_is_empty(engine: str) -> None:
    """Only waypoints: an Activity without samples (and a warning); nothing: an error."""
    data = (
        b'<gpx version="1.1" creator="x"><trk><trkseg></trkseg></trk><wpt lat="1" lon="2"/></gpx>'
    )
    act = read(data, engine)
    assert any("only 1 waypoints" in w for w in act.meta.warnings)
    assert len(act.records) == 0
    assert list(act.records.columns) == list(RECORD_COLUMNS)
    assert act.meta.extra["kind"] == "waypoints" and act.meta.extra["waypoints"] == 1
    with pytest.raises(EmptyActivityError):
        read(b'<gpx version="1.1" creator="x"><trk><trkseg></trkseg></trk></gpx>', engine)


def test_empty_and_non_gpx_documents() -> None:
    with pytest.raises(CorruptFileError):
        read(b"")
    with pytest.raises(CorruptFileError, match="not <gpx>"):
        read(b'<kml><trkpt lat="1" lon="2"/></kml>')


@pytest.mark.parametrize(
    ("damage", "line"),
    [
        (b"</trkpt>\n</trkseg>", 6),  # an extra close tag on line 6
        (b'<trkpt lat="0" lon=0.002>', 6),  # unquoted attribute
        (b"<ele>1 < 2</ele>", 6),
    ],
)
def test_malformed_xml_reports_the_line(damage: bytes, line: int) -> None:
    body = pt(0, 0, "2024-01-01T00:00:00Z") + "\n" + pt(0, 0.001, "2024-01-01T00:00:01Z")
    data = doc(body + "\nDAMAGE").replace(b"DAMAGE", damage)
    with pytest.raises(CorruptFileError) as info:
        read(data)
    assert info.value.line == line


def test_mismatched_tags_inside_points_are_malformed() -> None:
    data = doc(pt(0, 0, "2024-01-01T00:00:00Z") + "<trkpt lat='1' lon='1'><ele>2</time></trkpt>")
    with pytest.raises(CorruptFileError, match="malformed") as info:
        read(data)
    assert info.value.line == 4


@pytest.mark.parametrize("engine", ENGINES)
def test_truncated_document_keeps_the_points_before_the_cut(engine: str) -> None:
    body = "\n".join(pt(0, i * 0.001, f"2024-01-01T00:00:{i:02d}Z", float(i)) for i in range(5))
    data = doc(body)
    cut = data[: data.index(b"<ele>4.0")]  # inside the fifth point
    if engine == "gpxpy":
        with pytest.raises(CorruptFileError):
            read(cut, engine)
        return
    with pytest.warns(DataQualityWarning, match="ends early"):
        act = gpx_from_bytes(cut, "cut.gpx")
    assert act.records["elevation_m"].tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(CorruptFileError, match="ends early") as info:
        gpx_from_bytes(cut, "cut.gpx", strict=True)
    assert info.value.line == 8  # the line of the cut point


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<gpx version="1.1" creator="x"><trk><name>&f;</name><trkseg>
<trkpt lat="0" lon="0"><time>2024-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE gpx SYSTEM "file:///etc/passwd">
<gpx version="1.1" creator="x"><trk><trkseg>
<trkpt lat="0" lon="0"><time>2024-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>
"""

XXE_INTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<gpx version="1.1" creator="x"><trk><name>&x;</name><trkseg>
<trkpt lat="0" lon="0"><time>2024-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>
"""


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("data", [BOMB, XXE, XXE_INTERNAL], ids=["bomb", "xxe", "xxe-internal"])
def test_entities_and_external_dtds_are_refused(engine: str, data: bytes, monkeypatch) -> None:
    import builtins

    def no_open(*args, **kwargs):
        raise AssertionError(f"tried to open {args[:1]}")

    monkeypatch.setattr(builtins, "open", no_open)
    with pytest.raises(CorruptFileError, match="refused") as info:
        read(data, engine)
    assert info.value.line == 2


# ------------------------------------------------------- template fast path vs general path


def _general(data: bytes, monkeypatch) -> ka.Activity:
    """Read with the template path switched off (the general vectorised/expat paths)."""
    with monkeypatch.context() as m:
        m.setattr(gpx_module, "_scan_template", lambda data, name: None)
        return read(data)


def _assert_same_as_general(data: bytes, monkeypatch, *, template: bool) -> ka.Activity:
    """The template path is taken (or declined) as expected and changes nothing."""
    assert (gpx_module._scan_template(data, "test.gpx") is not None) is template
    a, b = read(data), _general(data, monkeypatch)
    pd.testing.assert_frame_equal(a.records, b.records, check_exact=True)
    for col in a.records.columns:  # signs of zeros too
        assert np.array_equal(np.signbit(a.records[col]), np.signbit(b.records[col]))
    assert a.meta == b.meta
    return a


def _t(i: int) -> str:
    return f"2024-05-01T07:{i // 60:02d}:{i % 60:02d}Z"


def _hr(hr: int, prefix: str = "gpxtpx") -> str:
    return f"<{prefix}:TrackPointExtension><{prefix}:hr>{hr}</{prefix}:hr></{prefix}:TrackPointExtension>"


NS_TPX = f' xmlns:gpxtpx="{TPX1}" xmlns:ns3="{TPX1}"'

TEMPLATE_CASES = {
    # one layout for all points
    "uniform": (
        "\n".join(pt(0.0, i * 1e-4, _t(i), 10.0 + i, _hr(120 + i)) for i in range(12)),
        True,
    ),
    # the same tags in another order (same tag count: a second layout)
    "child order differs": (
        "\n".join(
            pt(0.0, i * 1e-4, _t(i), 10.0 + i)
            if i % 3
            else f'<trkpt lat="0.0" lon="{i * 1e-4}"><time>{_t(i)}</time><ele>{i}</ele></trkpt>'
            for i in range(12)
        ),
        True,
    ),
    # points without ele, without extensions, without anything
    "missing children": (
        "\n".join(
            pt(0.0, i * 1e-4, _t(i), None if i % 2 else 5.0, _hr(100 + i) if i % 3 else "")
            for i in range(12)
        )
        + '\n<trkpt lat="1" lon="1"></trkpt>',
        True,
    ),
    # children the reader does not know, and a same-length unknown name in place of hr
    "unknown children": (
        "\n".join(
            pt(0.0, i * 1e-4, _t(i), 1.5, _hr(130) if i % 2 else _hr(130).replace(":hr>", ":hq>"))
            .replace("<time>", "<sat>7</sat><hdop>1.2</hdop><time>")
            .replace("<extensions>", '<extensions><x:foo xmlns:x="urn:x" a="1">2</x:foo>')
            for i in range(8)
        ),
        True,
    ),
    # two prefixes for the same namespace, and a default-namespace extension
    "prefixes": (
        "\n".join(
            pt(0.0, i * 1e-4, _t(i), 2.0, _hr(140 + i, "ns3" if i % 2 else "gpxtpx"))
            for i in range(6)
        )
        + "\n"
        + pt(
            0.0,
            0.01,
            _t(7),
            2.0,
            f'<TrackPointExtension xmlns="{TPX1}"><hr>99</hr></TrackPointExtension>',
        ),
        True,
    ),
    # texts that are not plain decimals: whitespace, exponent, sign, empty, garbage, long
    "odd numbers": (
        "\n".join(
            f'<trkpt lat="{lat}" lon="1.0"><ele>{ele}</ele><time>{_t(i)}</time></trkpt>'
            for i, (lat, ele) in enumerate(
                [
                    ("0.5", " 12.5 "),
                    ("-0.0", "1e2"),
                    ("+0.25", "+5"),
                    ("-.5", ""),
                    ("5.", "abc"),
                    ("52.09731238894164562225341796875", "-0"),
                    ("00012.5000", "9007199254740993"),
                    ("1.7976931348623157e308", "0.1"),
                ]
            )
        ),
        True,
    ),
    # fractional seconds, offsets and naive times in one file
    "time forms": (
        "\n".join(
            pt(0.0, i * 1e-4, t, 1.0)
            for i, t in enumerate(
                [
                    "2024-05-01T07:00:00.5Z",
                    "2024-05-01T07:00:01.250Z",
                    "2024-05-01T09:00:02+02:00",
                    "2024-05-01T07:00:03",
                    "not a time",
                    "2024-05-01T07:00:05.123456789Z",
                ]
            )
        ),
        True,
    ),
    # segments and a second track between the points
    "segments": (
        pt(0, 0, _t(0), 1.0)
        + pt(0, 1e-4, _t(1), 1.0)
        + "</trkseg><trkseg>"
        + pt(0, 2e-4, _t(10), 1.0)
        + "</trkseg></trk><trk><name>b</name><trkseg>"
        + pt(0, 3e-4, _t(20), 1.0),
        True,
    ),
    # a field twice in one point: the general path's precedence applies
    "duplicate field": (
        pt(0, 0, _t(0), 1.0, _hr(120) + _hr(121)) + pt(0, 1e-4, _t(1), 1.0, _hr(122)),
        False,
    ),
    # more layouts than the template path takes
    "many layouts": (
        "\n".join(
            pt(0.0, i * 1e-4, _t(i), 1.0, "".join(f"<u{k}>1</u{k}>" for k in range(i)))
            for i in range(20)
        ),
        False,
    ),
    # a self-closing point among the others
    "self-closing point": (
        pt(0, 0, _t(0), 1.0) + '<trkpt lat="1" lon="2"/>' + pt(0, 1e-4, _t(1), 1.0),
        False,
    ),
    # CDATA and comments inside the points
    "cdata": (
        pt(0, 0, _t(0), 1.0).replace("<ele>1.0</ele>", "<ele><![CDATA[1.5]]></ele>")
        + pt(0, 1e-4, _t(1), 1.0).replace("<ele>", "<!-- c --><ele>"),
        False,
    ),
    # points with a namespace prefix are not seen by the byte patterns
    "prefixed points": (
        pt(0, 0, _t(0), 1.0)
        + pt(0, 1e-4, _t(1), 2.0).replace("<trkpt", "<g:trkpt").replace("</trkpt>", "</g:trkpt>"),
        False,
    ),
    # tag bytes differ only in whitespace inside a tag
    "spaced tags": (
        pt(0, 0, _t(0), 1.0) + pt(0, 1e-4, _t(1), 2.0).replace("</ele>", "</ele >"),
        True,
    ),
}


@pytest.mark.parametrize("case", list(TEMPLATE_CASES), ids=list(TEMPLATE_CASES))
def test_template_path_matches_general_path(case: str, monkeypatch) -> None:
    body, template = TEMPLATE_CASES[case]
    ns = NS_TPX + ' xmlns:g="http://www.topografix.com/GPX/1/1"'
    _assert_same_as_general(doc(body, ns=ns), monkeypatch, template=template)


def test_template_path_values(monkeypatch) -> None:
    body, _ = TEMPLATE_CASES["unknown children"]
    rec = _assert_same_as_general(doc(body, ns=NS_TPX), monkeypatch, template=True).records
    # every second point has <hq> instead of <hr>: no heart rate there
    hr = rec["heart_rate_bpm"]
    assert hr.isna().tolist() == [i % 2 == 0 for i in range(8)]
    assert (hr.dropna() == 130.0).all()
    assert (rec["elevation_m"] == 1.5).all()
    body, _ = TEMPLATE_CASES["odd numbers"]
    rec = _assert_same_as_general(doc(body), monkeypatch, template=True).records
    assert rec["lat_deg"].iloc[5] == float("52.09731238894164562225341796875")
    ele = rec["elevation_m"].tolist()
    assert ele[:3] == [12.5, 100.0, 5.0] and np.isnan(ele[3]) and np.isnan(ele[4])
    assert ele[5] == 0.0 and np.signbit(ele[5]) and ele[6] == 9007199254740992.0


def test_template_path_segments_and_pauses(monkeypatch) -> None:
    body, _ = TEMPLATE_CASES["segments"]
    act = _assert_same_as_general(doc(body), monkeypatch, template=True)
    assert act.meta.extra["segments"] == 3
    assert [(a.second, b.second) for a, b in act.meta.pauses] == [(1, 10), (10, 20)]


@pytest.mark.parametrize(
    "text",
    [
        "0", "-0", "7", "-12.345", "721.2", "0.000001", "123456789012345678", "9007199254740993",
        "4503599627370497.5", "1.", ".5", "+1", "1e5", " 1", "1 ", "", "-", "--1", "1.2.3",
        "0x10", "nan", "inf", "1_0", "٣", "52.09731238894164562225341796875",
    ],
)  # fmt: skip
def test_decimal_block_conversion_is_float(text: str) -> None:
    data = ("<a>" * 8 + text).encode()
    arr = np.frombuffer(data + b"\x00" * 32, dtype=np.uint8)
    lo, hi = np.array([24]), np.array([len(data)])
    got = gpx_module._texts_to_float(arr, lo, hi)[0]
    try:
        want = float(data[24:])
    except ValueError:
        want = np.nan
    assert got == want or (np.isnan(got) and np.isnan(want))
    assert np.signbit(got) == np.signbit(want)
    fast, ok = gpx_module._decimals(arr, lo, hi)
    if ok[0]:
        assert fast[0] == want and np.signbit(fast[0]) == np.signbit(want)


@pytest.mark.parametrize(
    "texts",
    [
        ["2024-05-01T07:00:00Z", "1970-01-01T00:00:00Z", "2024-02-29T23:59:59Z"],
        ["2020-04-18T11:10:44.000Z", "1999-12-31T23:59:59.999Z"],
        ["2100-03-01T00:00:00.123456789Z", "1678-01-01T00:00:00.000000001Z"],
        ["2023-02-29T00:00:00Z", "2024-05-01T07:00:00Z"],  # invalid date: pandas decides
        ["2024-05-01T07:00:60Z"],
        ["2024-05-01T24:00:00Z"],
        ["2024-05-01T07:00:00+01:00", "2024-05-01T07:00:00Z"],
        ["2024-05-01 07:00:00Z"],
    ],
)
def test_fixed_width_times_match_pandas(texts: list[str]) -> None:
    arr = np.array([t.encode() for t in texts])
    ns, naive, bad = gpx_module._parse_times(arr)
    want = pd.to_datetime(pd.Series(texts), format="ISO8601", utc=True, errors="coerce")
    for got, w in zip(ns.tolist(), want.tolist()):
        assert (got == gpx_module._NAT) if pd.isna(w) else got == w.value
    assert bad == int(want.isna().sum())


def test_route_without_any_time_has_no_start_time() -> None:
    """No time in the file: the placeholder index is never reported as a start."""
    course = ka.simulate_course("hilly", length_m=1500)
    act = read(ka.write_gpx(course))
    assert act.meta.extra["timed"] is False and act.meta.start_time is None
