"""Constants and the per-point raw arrays shared by the GPX engines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

#: Sentinel for "no time" in integer-nanosecond arrays.
_NAT = np.iinfo(np.int64).min


#: Local names (namespace prefix ignored) of extension elements → raw field.
#: Garmin TrackPointExtension v1/v2 (hr, cad, atemp, wtemp, speed, course), Cluetrust
#: gpxdata (heartrate/hr, cadence, temp), Apple Health (speed, course), the ``power``
#: element written by Strava/Wahoo and Garmin's PowerExtension ``PowerInWatts``.
_EXT_FIELDS: dict[bytes, str] = {
    b"hr": "hr",
    b"heartrate": "hr",
    b"cad": "cad",
    b"cadence": "cad",
    b"atemp": "temp",
    b"temp": "temp",
    b"speed": "speed",
    b"course": "course",
    b"power": "power",
    b"PowerInWatts": "power",
}


#: GPX 1.0 has ``speed`` and ``course`` as plain children of a point.
_GPX10_FIELDS = ("speed", "course")


_FIELDS = ("ele", "hr", "cad", "temp", "speed", "course", "power")


#: Strava writes its activity type as a number in ``trk/type``.
_STRAVA_TYPES = {"1": "cycling", "9": "running"}


_CYCLING_WORDS = ("cycl", "bik", "ride", "biking")


_FOOT_WORDS = ("run", "walk", "hik", "jog", "trail")


#: Maker recognised from the GPX ``creator`` attribute: (pattern, manufacturer, strip).
_MAKERS: tuple[tuple[str, str, bool], ...] = (
    ("garmin", "Garmin", True),
    ("etrex", "Garmin", False),
    ("oregon", "Garmin", False),
    ("edge", "Garmin", False),
    ("forerunner", "Garmin", False),
    ("fenix", "Garmin", False),
    ("mapsource", "Garmin", False),
    ("gpsmap", "Garmin", False),
    ("movescount", "Suunto", False),
    ("suunto", "Suunto", True),
    ("polar", "Polar", True),
    ("wahoo", "Wahoo", True),
    ("coros", "Coros", True),
    ("tomtom", "TomTom", True),
    ("apple", "Apple", True),
)


_TZ_SUFFIX = re.compile(r"(?:[Zz]|[+-]\d\d(?::?\d\d)?)$")


_ATTR = rb"""\s+[A-Za-z_][\w.\-:]*\s*=\s*(?:"[^"<]*"|'[^'<]*')"""


_TAG_ATTRS = re.compile(rb"(?:(?:" + _ATTR + rb")*\s*/?\x00)*")


@dataclass
class _Raw:
    """Per-point arrays and document metadata, as an engine read them."""

    kind: str = "track"
    lat: np.ndarray = field(default_factory=lambda: np.empty(0))
    lon: np.ndarray = field(default_factory=lambda: np.empty(0))
    time_ns: np.ndarray = field(default_factory=lambda: np.empty(0, dtype="int64"))
    naive: int = 0
    bad_times: int = 0
    seg: np.ndarray = field(default_factory=lambda: np.empty(0, dtype="int64"))
    values: dict[str, np.ndarray] = field(default_factory=dict)
    creator: str | None = None
    version: str | None = None
    root: str | None = None
    meta_name: str | None = None
    meta_time: str | None = None
    trk_name: str | None = None
    trk_type: str | None = None
    waypoints: int = 0
