"""GPX 1.0 / 1.1 reader: tracks (or a route, for a course) into an :class:`Activity`.

Two engines produce the same :class:`~kickanalysis.activity.Activity` shape:

``"native"``
    kickanalysis' own reader. Its fast path locates every tag of the document with numpy
    (positions of ``<`` and ``>``), checks that the tags nest and match, and converts the
    text of the point elements in bulk; everything outside the track points (metadata,
    track names, waypoints …) is parsed by expat. Documents the fast path does not handle
    (comments or CDATA after the root start, truncated or malformed input, UTF-16) go
    through a streaming expat parser, which reports malformed XML with its line and
    recovers the points before a truncation.
``"gpxpy"``
    Reads through the gpxpy library into the same frame; meant as an independent
    reference.

Both engines share the conversion from the raw per-point arrays to the records frame
(:func:`_build_activity`), so the policies below hold for both.
"""

from __future__ import annotations

import re

from ...activity import Activity
from ...errors import CorruptFileError, WarningLog
from ..xmlsafe import reject_dtd
from ._common import _NAT, _Raw  # noqa: F401 (_NAT used by tests)
from .build import _build_activity
from .expat_scan import _scan_expat
from .gpxpy_engine import _read_gpxpy
from .scan import _scan_fast
from .template import _scan_template
from .text import _decimals, _parse_times, _texts_to_float  # noqa: F401 (used by tests)

__all__ = ["gpx_from_bytes"]


def gpx_from_bytes(
    data: bytes, name: str = "<bytes>", *, engine: str = "native", strict: bool = False
) -> Activity:
    """Read a GPX document into an :class:`~kickanalysis.activity.Activity`.

    Parameters
    ----------
    data : bytes
        The GPX document (already decompressed).
    name : str
        Source name used in messages and ``meta.source``.
    engine : {"native", "gpxpy"}
        ``"native"``: kickanalysis' own vectorised reader; ``"gpxpy"``: through gpxpy.
    strict : bool
        Raise :class:`~kickanalysis.errors.CorruptFileError` instead of repairing
        (truncation, unparseable timestamps, times out of order).

    Returns
    -------
    Activity
        ``records`` with the core columns (``distance_m`` [m] from the positions,
        ``speed_mps`` [m/s], ``heart_rate_bpm`` [1/min], ``cadence_spm`` [1/min],
        ``power_w`` [W], ``temperature_c`` [°C]) plus ``course_deg`` [deg] and
        ``cadence_rpm`` [1/min] (the value as written) when present; ``laps`` empty;
        ``meta`` with ``format="gpx"``.

    Raises
    ------
    CorruptFileError
        Malformed XML (with the line), entity/DTD declarations, a root other than
        ``<gpx>``; with ``strict``, any repaired damage.
    EmptyActivityError
        Neither track points nor route points.
    ValueError
        Unknown ``engine``.

    Notes
    -----
    Policies, shared by both engines:

    * **What is read**: every ``trkpt`` of every track and segment, in document order.
      When there is none, the ``rtept`` of every route (a course: ``extra["kind"]`` is
      ``"route"``). Waypoints are never read as samples.
    * **Times**: any ISO-8601 form (``Z``, ``±hh:mm``, fractional seconds) becomes UTC;
      naive times are taken as UTC (warning). Without any time (a course), the points
      are placed one second apart from the metadata time (or 1970-01-01), with
      ``extra["timed"] = False`` and a warning. Points without a time between timed
      points get a time interpolated linearly in point index, untimed points before the
      first or after the last timed point are placed one second apart (no position is
      lost; ``extra["timed"] = False``, ``extra["untimed_points"]`` counts them, and a
      warning). Times going backwards are sorted (stable, repair).
    * **Segments**: a new ``trkseg`` (or ``trk``) is a recording gap: ``meta.pauses``
      gets (last time of the previous segment, first time of the next) when time moves
      forward between them, and the jump in position across the break is *not* counted
      in ``distance_m``.
    * **Speed**: from the extension ``speed`` where the file has it, else (and for
      points lacking it) from the distance by backward differences; the first point of
      a segment takes the next point's value.
    * **Cadence**: Garmin/Suunto/Strava write *per-leg* (or crank) revolutions per
      minute, e.g. 85 for a run at 170 steps/min. For running, walking, hiking and an
      unknown sport ``cadence_spm = 2 * cad`` (unknown sport: with a warning); for
      cycling the crank rpm goes to ``cadence_rpm`` and ``cadence_spm`` stays NaN, as in
      the FIT reader.
    * **Extensions** are matched on local names, whatever the namespace prefix:
      ``hr``/``heartrate``, ``cad``/``cadence``, ``atemp``/``temp``, ``speed``,
      ``course``, ``power``/``PowerInWatts``.

    Examples
    --------
    >>> gpx = b'''<gpx version="1.1" creator="x"><trk><trkseg>
    ... <trkpt lat="0" lon="0"><time>2024-01-01T00:00:00Z</time></trkpt>
    ... <trkpt lat="0" lon="0.001"><time>2024-01-01T00:00:30Z</time></trkpt>
    ... </trkseg></trk></gpx>'''
    >>> act = gpx_from_bytes(gpx, "demo.gpx")
    >>> round(float(act.records["distance_m"].iloc[-1]), 2)
    111.2
    """
    if engine not in ("native", "gpxpy"):
        raise ValueError(f"unknown GPX engine {engine!r}; use 'native' or 'gpxpy'")
    log = WarningLog(name, strict=strict)
    reject_dtd(data, name)
    raw = _read_gpxpy(data, name) if engine == "gpxpy" else _read_native(data, name, log)
    if raw.bad_times:
        log.repaired(f"{raw.bad_times} unparseable timestamps treated as missing")
    if raw.root is not None and raw.root != "gpx":
        raise CorruptFileError(name, f"root element is <{raw.root}>, not <gpx>")
    if len(raw.lat) == 0:
        raw.waypoints = len(_WPT.findall(data))
    return _build_activity(raw, name, log)


_WPT = re.compile(rb"<(?:[\w.\-]+:)?wpt[\s/>]")


def _read_native(data: bytes, name: str, log: WarningLog) -> _Raw:
    raw = None
    if data[:2] not in (b"\xff\xfe", b"\xfe\xff") and b"\x00" not in data[:4]:
        raw = _scan_template(data, name)
        if raw is None:
            raw = _scan_fast(data, name)
    if raw is None:
        raw = _scan_expat(data, name, log)
    return raw
