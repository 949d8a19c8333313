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
    # running: per-leg rpm doubled to steps per minute, raw value kept
    assert rec["cadence_spm"].tolist() == [160.0, 170.0, 180.0]
    assert rec["cadence_rpm"].tolist() == [80.0, 85.0, 90.0]
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
    assert rec["cadence_spm"].iloc[0] == 92.0  # crank rpm as written


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
    assert rec["elapsed_s"].tolist() == [0.0, 1.0, 2.0]
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
