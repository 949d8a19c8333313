"""Unit tests of the TCX reader on small documents built here."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import kickanalysis as ka
from kickanalysis import schema
from kickanalysis.errors import (
    CorruptFileError,
    DataQualityWarning,
    EmptyActivityError,
    KickAnalysisError,
)
from kickanalysis.io.tcx import parse_decimals, parse_times, tcx_from_bytes

NS = (
    'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
    'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"'
)


def tp(
    time: str | None = "2021-04-16T13:37:53Z",
    lat: float | None = 40.0,
    lon: float | None = -105.0,
    alt: float | None = None,
    dist: float | None = None,
    hr: int | None = None,
    cad: int | None = None,
    ext: str = "",
    p: str = "",
    x: str = "ns3",
) -> str:
    """One <Trackpoint>; *p* is the prefix of the TCX elements, *x* of the extension."""
    out = f"<{p}Trackpoint>"
    if time is not None:
        out += f"<{p}Time>{time}</{p}Time>"
    if lat is not None:
        out += (
            f"<{p}Position><{p}LatitudeDegrees>{lat}</{p}LatitudeDegrees>"
            f"<{p}LongitudeDegrees>{lon}</{p}LongitudeDegrees></{p}Position>"
        )
    if alt is not None:
        out += f"<{p}AltitudeMeters>{alt}</{p}AltitudeMeters>"
    if dist is not None:
        out += f"<{p}DistanceMeters>{dist}</{p}DistanceMeters>"
    if hr is not None:
        out += f"<{p}HeartRateBpm><{p}Value>{hr}</{p}Value></{p}HeartRateBpm>"
    if cad is not None:
        out += f"<{p}Cadence>{cad}</{p}Cadence>"
    if ext:
        out += f"<{p}Extensions><{x}:TPX>{ext}</{x}:TPX></{p}Extensions>"
    return out + f"</{p}Trackpoint>\n"


def doc(laps: str, sport: str = "Running", extra: str = "", ns: str = NS, p: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{p}TrainingCenterDatabase {ns}>\n'
        f'<{p}Activities><{p}Activity Sport="{sport}"><{p}Id>2021-04-16T13:37:53Z</{p}Id>\n'
        f"{laps}{extra}</{p}Activity></{p}Activities></{p}TrainingCenterDatabase>\n"
    ).encode()


def lap(tracks: str, start: str = "2021-04-16T13:37:53Z", head: str = "", tail: str = "") -> str:
    return f'<Lap StartTime="{start}">{head}{tracks}{tail}</Lap>\n'


def t(sec: int) -> str:
    return f"2021-04-16T13:{37 + (53 + sec) // 60:02d}:{(53 + sec) % 60:02d}Z"


def read(data: bytes, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        return tcx_from_bytes(data, "<test>", **kw)


BASIC = doc(
    lap(
        "<Track>"
        + tp(t(0), 40.0, -105.0, alt=1600.0, dist=0.0, hr=100, ext="<ns3:Speed>2.5</ns3:Speed>")
        + tp(t(1), 40.0001, -105.0, alt=1601.5, dist=3.0, hr=101, ext="<ns3:Speed>3.0</ns3:Speed>")
        + tp(t(2), 40.0002, -105.0, alt=1600.5, dist=6.5, hr=102, ext="<ns3:Speed>3.5</ns3:Speed>")
        + "</Track>",
        head="<TotalTimeSeconds>2.0</TotalTimeSeconds><DistanceMeters>6.5</DistanceMeters>"
        "<AverageHeartRateBpm><Value>101</Value></AverageHeartRateBpm>"
        "<MaximumHeartRateBpm><Value>102</Value></MaximumHeartRateBpm>",
        tail="<Extensions><ns3:LX><ns3:AvgSpeed>3.25</ns3:AvgSpeed>"
        "<ns3:AvgRunCadence>85</ns3:AvgRunCadence></ns3:LX></Extensions>",
    ),
    extra="<Notes>Easy &amp; short</Notes><Creator><Name>Garmin Forerunner 220</Name>"
    "<UnitId>3880000000</UnitId><ProductID>1632</ProductID><Version><VersionMajor>4"
    "</VersionMajor><VersionMinor>10</VersionMinor></Version></Creator>",
)


def test_basic_records_values():
    act = read(BASIC)
    rec = act.records
    assert list(rec.columns[: len(schema.RECORD_COLUMNS)]) == list(schema.RECORD_COLUMNS)
    assert str(rec.index.tz) == "UTC"
    assert list(rec.index) == [pd.Timestamp(t(i)) for i in range(3)]
    assert rec["elapsed_s"].tolist() == [0.0, 1.0, 2.0]
    assert rec["lat_deg"].tolist() == [40.0, 40.0001, 40.0002]
    assert rec["lon_deg"].tolist() == [-105.0] * 3
    assert rec["elevation_m"].tolist() == [1600.0, 1601.5, 1600.5]
    assert rec["distance_m"].tolist() == [0.0, 3.0, 6.5]
    assert rec["speed_mps"].tolist() == [2.5, 3.0, 3.5]
    assert rec["heart_rate_bpm"].tolist() == [100.0, 101.0, 102.0]
    assert rec["cadence_spm"].isna().all()
    assert rec["power_w"].isna().all()
    assert rec["temperature_c"].isna().all()
    assert "cadence_rpm" not in rec.columns


def test_basic_meta():
    act = read(BASIC)
    m = act.meta
    assert m.format == "tcx"
    assert m.source == "<test>"
    assert m.sport == "running"
    assert m.manufacturer == "Garmin"
    assert m.product == "Forerunner 220"
    assert m.serial_number == 3880000000
    assert m.name == "Easy & short"
    assert m.start_time == pd.Timestamp("2021-04-16T13:37:53Z")
    assert m.pauses == ()
    assert m.warnings == ()
    assert m.extra["laps"] == 1
    assert m.extra["product_id"] == "1632"
    assert m.extra["software_version"] == "4.10"
    assert m.extra["distance_source"] == "file"


def test_basic_lap():
    laps = read(BASIC).laps
    assert list(laps.columns) == list(schema.SPLIT_COLUMNS)
    assert {c: str(d) for c, d in laps.dtypes.items()} == schema.SPLIT_DTYPES
    row = laps.iloc[0]
    assert row["split"] == 1
    assert row["start_time"] == pd.Timestamp(t(0))
    assert row["end_time"] == pd.Timestamp(t(2))
    assert row["start_elapsed_s"] == 0.0
    assert row["end_elapsed_s"] == 2.0
    assert row["start_distance_m"] == 0.0
    assert row["end_distance_m"] == 6.5
    assert row["distance_m"] == 6.5
    assert row["duration_s"] == 2.0
    assert row["moving_s"] == 2.0
    assert row["speed_mps"] == 3.25  # the AvgSpeed extension
    assert row["pace_s_per_km"] == pytest.approx(1000 / 3.25)
    assert np.isnan(row["gap_speed_mps"])
    assert row["heart_rate_mean_bpm"] == 101.0
    assert row["heart_rate_max_bpm"] == 102.0
    assert row["cadence_mean_spm"] == 170.0
    assert row["elevation_gain_m"] == 1.5
    assert row["elevation_loss_m"] == 1.0
    assert not row["partial"]


@pytest.mark.parametrize(
    ("ns", "p", "x"),
    [
        (NS, "", "ns3"),
        (
            'xmlns:tcx="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
            'xmlns:ax="http://www.garmin.com/xmlschemas/ActivityExtension/v2"',
            "tcx:",
            "ax",
        ),
        (
            'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
            'xmlns:averyveryverylongprefix="http://www.garmin.com/xmlschemas/ActivityExtension/v2"',
            "",
            "averyveryverylongprefix",
        ),
    ],
)
def test_namespace_prefixes(ns, p, x):
    ext = f"<{x}:Speed>3.5</{x}:Speed><{x}:RunCadence>88</{x}:RunCadence><{x}:Watts>250</{x}:Watts>"
    track = f"<{p}Track>" + tp(t(0), 1.5, 2.5, hr=120, ext=ext, p=p, x=x) + f"</{p}Track>"
    data = doc(f'<{p}Lap StartTime="{t(0)}">{track}</{p}Lap>', ns=ns, p=p)
    rec = read(data).records
    assert rec["lat_deg"].tolist() == [1.5]
    assert rec["lon_deg"].tolist() == [2.5]
    assert rec["heart_rate_bpm"].tolist() == [120.0]
    assert rec["speed_mps"].tolist() == [3.5]
    assert rec["cadence_spm"].tolist() == [176.0]
    assert rec["power_w"].tolist() == [250.0]


def test_bike_cadence_is_rpm_not_steps():
    track = "<Track>" + tp(t(0), cad=90) + tp(t(1), cad=92) + "</Track>"
    act = read(doc(lap(track), sport="Biking"))
    assert act.meta.sport == "cycling"
    assert act.records["cadence_rpm"].tolist() == [90.0, 92.0]
    assert act.records["cadence_spm"].isna().all()


def test_running_cadence_element_without_runcadence_is_per_leg():
    # Polar V800 writes running cadence (per leg) in <Cadence>
    track = "<Track>" + tp(t(0), cad=84) + tp(t(1), cad=85) + "</Track>"
    act = read(doc(lap(track), sport="Running"))
    assert act.records["cadence_spm"].tolist() == [168.0, 170.0]
    assert act.records["cadence_rpm"].tolist() == [84.0, 85.0]
    assert act.meta.extra["cadence_source"] == "Cadence"


def test_distance_and_speed_derived_when_absent():
    track = (
        "<Track>" + tp(t(0), 0.0, 0.0) + tp(t(2), 0.0, 0.001) + tp(t(4), 0.0, 0.002) + "</Track>"
    )
    act = read(doc(lap(track)))
    d = act.records["distance_m"].to_numpy()
    step = ka.geo.haversine_m(0.0, 0.0, 0.0, 0.001)
    np.testing.assert_allclose(d, [0.0, step, 2 * step], rtol=1e-12)
    np.testing.assert_allclose(act.records["speed_mps"], [step / 2] * 3, rtol=1e-12)
    assert act.meta.extra["distance_source"] == "positions"


def test_speed_falls_back_per_sample():
    track = (
        "<Track>"
        + tp(t(0), dist=0.0, ext="<ns3:Speed>9.0</ns3:Speed>")
        + tp(t(1), dist=4.0)
        + tp(t(2), dist=7.0)
        + "</Track>"
    )
    rec = read(doc(lap(track))).records
    assert rec["speed_mps"].tolist() == [9.0, 4.0, 3.0]


def test_laps_and_pauses_from_tracks():
    lap1 = lap(
        "<Track>" + tp(t(0), dist=0.0) + tp(t(10), dist=30.0) + "</Track>"
        "<Track>" + tp(t(40), dist=31.0) + tp(t(50), dist=60.0) + "</Track>",
        start=t(0),
        head="<TotalTimeSeconds>20.0</TotalTimeSeconds><DistanceMeters>60.0</DistanceMeters>",
    )
    lap2 = lap(
        "<Track>" + tp(t(51), dist=63.0) + tp(t(60), dist=100.0) + "</Track>",
        start=t(50),
        head="<TotalTimeSeconds>10.0</TotalTimeSeconds><DistanceMeters>40.0</DistanceMeters>",
    )
    act = read(doc(lap1 + lap2))
    assert act.meta.pauses == ((pd.Timestamp(t(10)), pd.Timestamp(t(40))),)
    laps = act.laps
    assert laps["split"].tolist() == [1, 2]
    assert laps["start_time"].tolist() == [pd.Timestamp(t(0)), pd.Timestamp(t(50))]
    # lap 1: timer 20 s but paused 30 s: the end is its last trackpoint
    assert laps["end_time"].tolist() == [pd.Timestamp(t(50)), pd.Timestamp(t(60))]
    assert laps["duration_s"].tolist() == [50.0, 10.0]
    assert laps["moving_s"].tolist() == [20.0, 10.0]
    assert laps["start_elapsed_s"].tolist() == [0.0, 50.0]
    assert laps["end_elapsed_s"].tolist() == [50.0, 60.0]
    assert laps["start_distance_m"].tolist() == [0.0, 60.0]
    assert laps["end_distance_m"].tolist() == [60.0, 100.0]
    assert laps["distance_m"].tolist() == [60.0, 40.0]
    assert laps["speed_mps"].tolist() == [3.0, 4.0]
    assert laps["pace_s_per_km"].tolist() == [1000 / 3.0, 250.0]
    assert laps["elevation_gain_m"].isna().all()
    # lap without heart rate anywhere
    assert laps["heart_rate_mean_bpm"].isna().all()


def test_trackpoint_without_time_dropped_and_without_position_kept():
    track = (
        "<Track>"
        + tp(t(0), 1.0, 2.0, hr=90)
        + tp(None, 1.1, 2.1, hr=91)
        + tp(t(2), None, None, hr=92)
        + "</Track>"
    )
    with pytest.warns(DataQualityWarning, match="1 trackpoint"):
        act = tcx_from_bytes(doc(lap(track)), "<test>")
    rec = act.records
    assert rec["heart_rate_bpm"].tolist() == [90.0, 92.0]
    assert rec["lat_deg"].tolist()[0] == 1.0
    assert np.isnan(rec["lat_deg"].iloc[1])
    assert act.meta.extra["trackpoints_dropped"] == 1
    with pytest.raises(CorruptFileError):
        tcx_from_bytes(doc(lap(track)), "<test>", strict=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-04-16T13:37:53Z", "2021-04-16T13:37:53Z"),
        ("2021-04-16T13:37:53.000Z", "2021-04-16T13:37:53Z"),
        ("2021-04-16T13:37:53.25Z", "2021-04-16T13:37:53.25Z"),
        ("2021-04-16T13:37:53.123456789Z", "2021-04-16T13:37:53.123456789Z"),
        ("2021-04-16T15:37:53+02:00", "2021-04-16T13:37:53Z"),
        ("2021-04-16T08:37:53.5-05:00", "2021-04-16T13:37:53.5Z"),
        ("2021-04-16T19:07:53+0530", "2021-04-16T13:37:53Z"),
        ("2021-04-16T14:37:53+01", "2021-04-16T13:37:53Z"),
        ("  2021-04-16T13:37:53Z\n", "2021-04-16T13:37:53Z"),
    ],
)
def test_time_forms(text, expected):
    track = "<Track>" + tp(text) + "</Track>"
    act = read(doc(lap(track)))
    assert act.records.index[0] == pd.Timestamp(expected)


def test_naive_time_assumed_utc():
    track = "<Track>" + tp("2021-04-16T13:37:53") + tp("2021-04-16T13:37:54.5") + "</Track>"
    with pytest.warns(DataQualityWarning, match="assumed to be UTC"):
        act = tcx_from_bytes(doc(lap(track)), "<test>", strict=True)
    assert list(act.records.index) == [
        pd.Timestamp("2021-04-16T13:37:53Z"),
        pd.Timestamp("2021-04-16T13:37:54.5Z"),
    ]
    assert any("assumed to be UTC" in w for w in act.meta.warnings)


@pytest.mark.parametrize("few", [0, 256])  # vectorised; float() per number
def test_parse_helpers_exact(few, monkeypatch):
    import kickanalysis.io.tcx as tcx

    monkeypatch.setattr(tcx, "_FEW_DECIMALS", few)
    texts = [b"53.32048667", b"-105.25865315459669", b"62", b"", b"x", b" 7.5 ", b"1e3", b"+0.1"]
    buf = b"".join(texts) + b"\0" * 64
    starts = np.cumsum([0] + [len(x) for x in texts[:-1]])
    ends = starts + [len(x) for x in texts]
    arr = np.frombuffer(buf, np.uint8)
    got = parse_decimals(buf, arr, starts, ends)
    want = [53.32048667, -105.25865315459669, 62.0, np.nan, np.nan, 7.5, 1000.0, 0.1]
    np.testing.assert_array_equal(got, want)
    times = [b"2020-02-29T23:59:59.999Z", b"not a time", b"2021-01-01T00:00:00+14:00"]
    buf = b"".join(times) + b"\0" * 64
    starts = np.cumsum([0] + [len(x) for x in times[:-1]])
    ends = starts + [len(x) for x in times]
    ns, naive = parse_times(buf, np.frombuffer(buf, np.uint8), starts, ends)
    assert ns[0] == pd.Timestamp("2020-02-29T23:59:59.999Z").value
    assert ns[1] == np.iinfo(np.int64).min
    assert ns[2] == pd.Timestamp("2020-12-31T10:00:00Z").value
    assert naive.tolist() == [False, False, False]


def test_comments_cdata_and_entities_in_text():
    track = "<Track><!-- a <Trackpoint> in a comment -->" + tp(t(0), hr=99) + "</Track>"
    data = doc(lap(track), extra="<Notes><![CDATA[5 < 6 & fun]]></Notes>")
    act = read(data)
    assert len(act.records) == 1
    assert act.records["heart_rate_bpm"].tolist() == [99.0]
    assert act.meta.name == "5 < 6 & fun"


def test_utf16_document():
    data = doc(lap("<Track>" + tp(t(0), hr=77) + "</Track>")).decode()
    data = data.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    act = ka.read(data)
    assert act.meta.format == "tcx"
    assert act.records["heart_rate_bpm"].tolist() == [77.0]


def test_course():
    data = (
        f"<TrainingCenterDatabase {NS}><Courses><Course><Name>Hill loop</Name>"
        "<Lap><TotalTimeSeconds>2</TotalTimeSeconds><DistanceMeters>20</DistanceMeters></Lap>"
        "<Track>"
        + tp(t(0), 1.0, 2.0, alt=10.0, dist=0.0)
        + tp(t(2), 1.0001, 2.0, alt=12.0, dist=20.0)
        + "</Track></Course></Courses></TrainingCenterDatabase>"
    ).encode()
    act = read(data)
    assert act.meta.name == "Hill loop"
    assert act.meta.sport is None
    assert act.meta.extra["courses"] == 1
    assert act.records["elevation_m"].tolist() == [10.0, 12.0]
    assert act.records["distance_m"].tolist() == [0.0, 20.0]
    assert len(act.laps) == 0
    assert list(act.laps.columns) == list(schema.SPLIT_COLUMNS)


def test_read_dispatches_to_tcx():
    act = ka.read(BASIC)
    assert act.meta.format == "tcx"
    assert len(act.records) == 3


# -- damage ------------------------------------------------------------------------------


def test_empty_activity():
    with pytest.raises(EmptyActivityError):
        read(doc(lap("<Track></Track>")))
    with pytest.raises(EmptyActivityError):
        read(f"<TrainingCenterDatabase {NS}/>".encode())


def test_malformed_mismatched_tag_reports_line():
    data = doc(lap("<Track>\n" + tp(t(0)) + tp(t(1)).replace("</Time>", "</Tim>") + "</Track>"))
    with pytest.raises(CorruptFileError) as info:
        read(data)
    assert info.value.line == 6  # the line of the second trackpoint
    assert "mismatched tag" in str(info.value)


def test_malformed_not_xml():
    with pytest.raises(CorruptFileError):
        read(b"<TrainingCenterDatabase><Activities><<<>>></Activities></TrainingCenterDatabase>")


def test_truncated_keeps_trackpoints_before_the_cut():
    track = "<Track>" + "".join(tp(t(i), hr=100 + i, dist=float(i)) for i in range(5)) + "</Track>"
    data = doc(lap(track))
    cut = data.index(b"<HeartRateBpm><Value>104") + 10  # inside the 5th trackpoint
    with pytest.warns(DataQualityWarning, match="truncated"):
        act = tcx_from_bytes(data[:cut], "<test>")
    assert act.records["heart_rate_bpm"].tolist() == [100.0, 101.0, 102.0, 103.0]
    assert act.laps["partial"].tolist() == [True]
    assert act.meta.extra["truncated"] is True
    with pytest.raises(CorruptFileError):
        tcx_from_bytes(data[:cut], "<test>", strict=True)


@pytest.mark.parametrize("cut", [0.3, 0.5, 0.77, 0.9, 0.999])
def test_truncated_anywhere(cut):
    track = "<Track>" + "".join(tp(t(i), hr=100 + i) for i in range(20)) + "</Track>"
    data = doc(lap(track))
    part = data[: int(len(data) * cut)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        act = tcx_from_bytes(part, "<test>")
    n = part.count(b"</Trackpoint>")
    assert act.records["heart_rate_bpm"].tolist() == [100.0 + i for i in range(n)]


def test_entity_bomb_refused():
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n'
        b"<TrainingCenterDatabase><Activities><Activity><Notes>&lol3;</Notes>"
        b"</Activity></Activities></TrainingCenterDatabase>"
    )
    with pytest.raises(CorruptFileError) as info:
        tcx_from_bytes(bomb, "<bomb>")
    assert info.value.line == 2


def test_xxe_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("2021-04-16T13:37:53Z")
    xxe = (
        f'<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        "<TrainingCenterDatabase><Activities><Activity><Lap><Track><Trackpoint>"
        "<Time>&xxe;</Time></Trackpoint></Track></Lap></Activity></Activities>"
        "</TrainingCenterDatabase>"
    ).encode()
    with pytest.raises(CorruptFileError):
        tcx_from_bytes(xxe, "<xxe>")
    external_dtd = b'<!DOCTYPE t SYSTEM "http://example.invalid/t.dtd"><TrainingCenterDatabase/>'
    with pytest.raises(CorruptFileError):
        tcx_from_bytes(external_dtd, "<dtd>")


def test_undefined_entity_is_not_expanded():
    track = "<Track>" + tp(t(0)).replace("<Time>", "<Time>&foo;") + tp(t(1)) + "</Track>"
    with pytest.warns(DataQualityWarning):
        act = tcx_from_bytes(doc(lap(track)), "<test>")
    assert len(act.records) == 1
    with pytest.raises(CorruptFileError):
        tcx_from_bytes(doc(lap(track)), "<test>", strict=True)


@pytest.mark.parametrize(
    "data",
    [b"<", b"<TrainingCenterDatabase", b"<TrainingCenterDatabase>", b"<a></b>", b"\xff\xfe<\x00"],
)
def test_garbage_raises_kickanalysis_error(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        with pytest.raises(KickAnalysisError):
            tcx_from_bytes(data, "<garbage>")


# --------------------------------------------------------------------------------------
# the template fast path against the general scanner


def both_paths(data: bytes, monkeypatch) -> tuple:
    """Read *data* with the fast path allowed and with the general scanner only."""
    import kickanalysis.io.tcx as tcx

    def run():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                act = tcx_from_bytes(data, "<test>")
            except KickAnalysisError as exc:
                act = f"{type(exc).__name__}: {exc}"
        return act, [str(w.message) for w in caught]

    fast, fast_warnings = run()
    monkeypatch.setattr(tcx, "_FAST_PATH", False)
    general, general_warnings = run()
    monkeypatch.setattr(tcx, "_FAST_PATH", True)
    assert fast_warnings == general_warnings
    return fast, general


def fast_path_taken(data: bytes) -> bool:
    import kickanalysis.io.tcx as tcx

    return tcx._fast_points(*tcx._normalise_encoding(data, "<test>")) is not None


def assert_same(fast, general) -> None:
    if isinstance(fast, str) or isinstance(general, str):  # an error
        assert fast == general
        return
    pd.testing.assert_frame_equal(fast.records, general.records, check_exact=True)
    pd.testing.assert_frame_equal(fast.laps, general.laps, check_exact=True)
    assert fast.meta == general.meta


def varied_track(n: int = 12) -> str:
    """Trackpoints of several templates: some without HR, position or extension."""
    out = "<Track>"
    for i in range(n):
        out += tp(
            t(i),
            lat=None if i % 5 == 3 else 40.0 + i * 1e-4,
            lon=-105.0,
            alt=1600.0 + i,
            dist=float(i * 3),
            hr=None if i % 4 == 1 else 120 + i,
            cad=80 + i,
            ext="" if i % 3 == 2 else f"<ns3:Speed>{2.5 + i / 10}</ns3:Speed>",
        )
    return out + "</Track>"


FAST_DOCS = {
    "one template": BASIC,
    "several templates": doc(lap(varied_track())),
    "two laps, pause": doc(
        lap(varied_track(5) + varied_track(4).replace(t(0), t(30)), head="<Calories>5</Calories>")
        + lap(varied_track(3).replace(t(0), t(90)), start=t(90))
    ),
    "prefixed names": doc(
        lap("<Track>" + tp(t(0), hr=99, p="tcx:") + tp(t(1), hr=98, p="tcx:") + "</Track>"),
        ns='xmlns:tcx="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
        'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"',
    )
    .replace(b"<Lap ", b"<tcx:Lap ")
    .replace(b"</Lap>", b"</tcx:Lap>"),
    "offset times with fractions": doc(
        lap(
            "<Track>"
            + "".join(tp(f"2021-04-16T15:37:{53 + i}.{i}25+02:00", hr=90 + i) for i in range(4))
            + "</Track>"
        )
    ),
    "17-digit numbers": doc(
        lap(
            "<Track>"
            + "".join(
                tp(t(i), 46.158643048256636 + i * 1e-5, -1.1469579208642244, alt=4.800000190734863)
                for i in range(5)
            )
            + "</Track>"
        )
    ),
    "duplicate field, last one wins": doc(
        lap(
            "<Track>"
            + tp(t(0), hr=99).replace(
                "</Trackpoint>", "<HeartRateBpm><Value>77</Value></HeartRateBpm></Trackpoint>"
            )
            * 1
            + tp(t(1), hr=98)
            + "</Track>"
        )
    ),
    "Value outside HeartRateBpm": doc(
        lap("<Track>" + tp(t(0), ext="<ns3:Value>5</ns3:Value>") + tp(t(1)) + "</Track>")
    ),
    "trackpoint without a time": doc(lap("<Track>" + tp(None) + tp(t(1)) + tp(t(2)) + "</Track>")),
    "self-closing trackpoint": doc(
        lap("<Track>" + tp(t(0)) + "<Trackpoint/>" + tp(t(1)) + "</Track>")
    ),
    "trackpoints out of order": doc(lap("<Track>" + tp(t(5)) + tp(t(1)) + tp(t(3)) + "</Track>")),
}

FALLBACK_DOCS = {
    "comment": doc(lap("<Track><!-- c -->" + tp(t(0)) + tp(t(1)) + "</Track>")),
    "'>' in text": BASIC.replace(b"Easy &amp; short", b"a > b"),
    "trackpoint with an attribute": doc(
        lap(
            "<Track>"
            + tp(t(0))
            + tp(t(1)).replace("<Trackpoint>", '<Trackpoint a="1">')
            + "</Track>"
        )
    ),
    "long tags that differ": doc(
        lap(
            "<Track>"
            + tp(t(0), ext="<ns3:Speed>1</ns3:Speed>").replace(
                "<ns3:TPX>", '<ns3:TPX a="1234567890">'
            )
            + tp(t(1), ext="<ns3:Speed>2</ns3:Speed>").replace(
                "<ns3:TPX>", '<ns3:TPX a="1234567891">'
            )
            + "</Track>"
        )
    ),
    "a lap inside a trackpoint": doc(
        lap(
            "<Track>"
            + tp(t(0)).replace("</Trackpoint>", "<Lap/></Trackpoint>")
            + tp(t(1))
            + "</Track>"
        )
    ),
    "unclosed element": doc(lap("<Track>" + tp(t(0)) + tp(t(1)) + "</Track>")).replace(
        b"</Activity>", b"<Foo></Activity>"
    ),
    "truncated": doc(lap("<Track>" + tp(t(0)) + tp(t(1)) + tp(t(2)) + "</Track>"))[:-120],
    "more templates than the fast path groups": doc(
        lap(
            "<Track>"
            + "".join(
                tp(t(i)).replace("</Trackpoint>", f"<X{i}>1</X{i}></Trackpoint>") for i in range(70)
            )
            + "</Track>"
        )
    ),
}


@pytest.mark.parametrize("name", FAST_DOCS)
def test_fast_path_equals_general_path(name, monkeypatch):
    data = FAST_DOCS[name]
    assert fast_path_taken(data)
    assert_same(*both_paths(data, monkeypatch))


@pytest.mark.parametrize("name", FALLBACK_DOCS)
def test_fast_path_falls_back(name, monkeypatch):
    data = FALLBACK_DOCS[name]
    assert not fast_path_taken(data)
    assert_same(*both_paths(data, monkeypatch))


def test_fast_path_values_several_templates(monkeypatch):
    fast, general = both_paths(FAST_DOCS["several templates"], monkeypatch)
    rec = fast.records
    hr = [np.nan if i % 4 == 1 else 120.0 + i for i in range(12)]
    np.testing.assert_array_equal(rec["heart_rate_bpm"], hr)
    np.testing.assert_array_equal(rec["lat_deg"].isna(), [i % 5 == 3 for i in range(12)])
    np.testing.assert_array_equal(rec["cadence_rpm"], [80.0 + i for i in range(12)])
    dup = both_paths(FAST_DOCS["duplicate field, last one wins"], monkeypatch)[0]
    assert dup.records["heart_rate_bpm"].tolist() == [77.0, 98.0]
    other = both_paths(FAST_DOCS["Value outside HeartRateBpm"], monkeypatch)[0]
    assert other.records["heart_rate_bpm"].isna().all()


def test_records_frame_matches_schema():
    from kickanalysis.io.tcx import _records_frame

    time_ns = np.array([0, 10**9, 3 * 10**9], dtype=np.int64) + 1_600_000_000 * 10**9
    cols = {"lat_deg": np.array([1.0, 2.0, 3.0]), "heart_rate_bpm": np.array([1.0, np.nan, 2.0])}
    extra = {"cadence_rpm": np.array([80.0, 81.0, 82.0])}
    want = schema.records_frame(time_ns, cols, extra=extra)
    got = _records_frame(time_ns, {**dict.fromkeys(schema.RECORD_COLUMNS), **cols}, extra)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_parse_decimals_correctly_rounded():
    import random
    import struct

    rng = random.Random(3)
    texts = []
    for _ in range(20000):
        kind = rng.random()
        if kind < 0.3:
            texts.append(repr(rng.uniform(-1e4, 1e4)))
        elif kind < 0.5:
            texts.append(repr(struct.unpack("f", struct.pack("f", rng.uniform(-200, 200)))[0]))
        elif kind < 0.8:
            digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 21)))
            cut = rng.randint(0, len(digits))
            texts.append(rng.choice(["", "-", "+"]) + digits[:cut] + "." + digits[cut:])
        else:
            texts.append(rng.choice(["", ".", "-", "1.2.3", "1e5", " 7 ", "nan", "-0", "5.", ".5"]))
    # exactly halfway between two doubles: ties to even, decided by float()
    texts += ["9007199254740993", "9007199254740995", "0.30000000000000004", "-0.0"]
    raw = [x.encode() for x in texts]
    buf = b"".join(raw) + b"\0" * 64
    starts = np.cumsum([0] + [len(x) for x in raw[:-1]])
    ends = starts + np.array([len(x) for x in raw])
    got = parse_decimals(buf, np.frombuffer(buf, np.uint8), starts, ends)

    def ref(x: bytes) -> float:
        try:
            return float(x)
        except ValueError:
            return np.nan

    want = np.array([ref(x) for x in raw])
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize(
    "texts",
    [
        [f"2021-04-16T13:37:{s:02d}Z" for s in range(50)],
        [f"2020-02-29T23:59:{s:02d}.{s:03d}Z" for s in range(50)],
        [f"2021-12-31T23:00:{s:02d}.123456-05:30" for s in range(50)],
        [f"2021-06-01T01:00:{s:02d}+02:00" for s in range(50)],
        ["2021-02-29T00:00:00Z", "2021-03-01T00:00:00Z"],  # invalid date: general path
        ["2021-04-16T13:37:53Z", "2021-04-16T13:37:54.5Z", "2021-04-16 13:37:55"],
    ],
)
def test_parse_times_uniform_layout_matches_pandas(texts):
    raw = [x.encode() for x in texts]
    buf = b"\0" * 8 + b"".join(raw) + b"\0" * 64
    starts = 8 + np.cumsum([0] + [len(x) for x in raw[:-1]])
    ends = starts + np.array([len(x) for x in raw])
    ns, naive = parse_times(buf, np.frombuffer(buf, np.uint8), starts, ends)
    for text, value, is_naive in zip(texts, ns.tolist(), naive.tolist()):
        try:
            ts = pd.Timestamp(text)
        except ValueError:
            assert value == np.iinfo(np.int64).min
            continue
        assert is_naive == (ts.tzinfo is None)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        assert value == ts.value, text


def lap_values_doc(second_first: bool) -> bytes:
    """Two laps with missing distances and altitudes; optionally the second lap's
    trackpoints come first in time (then the laps' rows are not contiguous runs)."""
    a = "<Track>" + tp(t(10), dist=10.0, alt=100.0) + tp(t(11), alt=99.0)
    a += tp(t(12), dist=20.0) + tp(t(13), dist=21.0, alt=103.0) + "</Track>"
    b_times = (0, 1, 2) if second_first else (20, 21, 22)
    b = "<Track>" + tp(t(b_times[0]), alt=90.0) + tp(t(b_times[1]), dist=25.0, alt=95.0)
    b += tp(t(b_times[2]), dist=30.0, alt=94.0) + "</Track>"
    return doc(lap(a, start=t(10)) + lap(b, start=t(b_times[0])))


@pytest.mark.parametrize("second_first", [False, True])
def test_lap_values_contiguous_and_interleaved_rows(second_first, monkeypatch):
    """Per-lap distances and elevation from the rows of each lap, whether the laps'
    rows are contiguous (vectorised lookups) or not (one mask per lap)."""
    data = lap_values_doc(second_first)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        laps = tcx_from_bytes(data, "<test>").laps
    # lap 1: distances 10 ... 21 (NaN skipped), altitudes 100, 99, 103
    # lap 2: its first distance is the end of lap 1 (laps follow each other)
    assert laps["start_distance_m"].tolist() == [10.0, 21.0]
    assert laps["end_distance_m"].tolist() == [21.0, 30.0]
    assert laps["elevation_gain_m"].tolist() == [4.0, 5.0]
    assert laps["elevation_loss_m"].tolist() == [1.0, 1.0]
    first_b = 0 if second_first else 20
    assert laps["end_time"].tolist() == [pd.Timestamp(t(13)), pd.Timestamp(t(first_b + 2))]
    assert_same(*both_paths(data, monkeypatch))


def test_lap_without_trackpoints_between_laps():
    a = "<Track>" + tp(t(0), dist=0.0, alt=10.0) + tp(t(1), dist=5.0, alt=12.0) + "</Track>"
    c = "<Track>" + tp(t(5), dist=9.0, alt=11.0) + tp(t(6), dist=12.0, alt=13.0) + "</Track>"
    data = doc(lap(a, start=t(0)) + lap("", start=t(2)) + lap(c, start=t(5)))
    laps = read(data).laps
    assert laps["start_distance_m"].tolist() == [0.0, 5.0, 5.0]
    assert laps["end_distance_m"].tolist() == [5.0, 5.0, 12.0]
    assert laps["elevation_gain_m"].fillna(-1).tolist() == [2.0, -1.0, 2.0]
    assert laps["end_time"].tolist() == [pd.Timestamp(t(1)), pd.NaT, pd.Timestamp(t(6))]


@pytest.mark.parametrize("name", ["several templates", "two laps, pause", "prefixed names"])
def test_fast_path_in_small_chunks(name, monkeypatch):
    """The template stage works in chunks of trackpoints; tiny chunks give the same, and
    so do the stages that a small document skips (grouping the last few trackpoints by
    template, converting few numbers, checking the long tags of a template with many
    trackpoints)."""
    import kickanalysis.io.tcx as tcx

    monkeypatch.setattr(tcx, "_TAG_CHUNK", 20)
    monkeypatch.setattr(tcx, "_CHUNK", 3)
    monkeypatch.setattr(tcx, "_FEW_LEFT", 0)
    monkeypatch.setattr(tcx, "_FEW_DECIMALS", 0)
    monkeypatch.setattr(tcx, "_FEW_MEMBERS", 0)
    data = FAST_DOCS[name]
    assert fast_path_taken(data)
    assert_same(*both_paths(data, monkeypatch))


@pytest.mark.parametrize("few_left", [0, 48])
@pytest.mark.parametrize("few_members", [0, 64])
def test_fast_path_in_small_chunks_still_falls_back(few_left, few_members, monkeypatch):
    import kickanalysis.io.tcx as tcx

    monkeypatch.setattr(tcx, "_TAG_CHUNK", 20)
    monkeypatch.setattr(tcx, "_FEW_LEFT", few_left)
    monkeypatch.setattr(tcx, "_FEW_MEMBERS", few_members)
    for name in ("long tags that differ", "more templates than the fast path groups"):
        assert not fast_path_taken(FALLBACK_DOCS[name])
    # a long tag that differs beyond its key, in the last trackpoint only
    ext = "<ns3:Speed>1</ns3:Speed>"
    track = "".join(
        tp(t(i), hr=100 + i, ext=ext).replace("<ns3:TPX>", f'<ns3:TPX a="123456789{i // 9}">')
        for i in range(10)
    )
    data = doc(lap("<Track>" + track + "</Track>"))
    assert not fast_path_taken(data)
    assert_same(*both_paths(data, monkeypatch))


def test_frames_are_the_same_through_pandas_public_route(monkeypatch):
    """The frames built from pandas' private block classes (pandas 3) equal those of
    the public route that other pandas versions take: values, dtypes, index, columns."""
    import kickanalysis.io.tcx as tcx_module

    lap1 = lap(
        "<Track>" + tp(t(0), dist=0.0) + tp(t(10), dist=30.0) + "</Track>"
        "<Track>" + tp(t(40), dist=31.0) + tp(t(50), dist=60.0) + "</Track>",
        start=t(0),
        head="<TotalTimeSeconds>20.0</TotalTimeSeconds><DistanceMeters>60.0</DistanceMeters>",
    )
    data = doc(lap1)
    fast = read(data)
    monkeypatch.setattr(tcx_module, "_INTERNALS", [None])
    public = read(data)
    pd.testing.assert_frame_equal(fast.records, public.records, check_exact=True)
    pd.testing.assert_frame_equal(fast.laps, public.laps, check_exact=True)
