"""Writing an :class:`~kickanalysis.activity.Activity` as GPX 1.1.

A recording becomes one ``<trk>`` with one ``<trkseg>`` per part between timer pauses;
a course (``meta.extra["timed"] is False``) becomes one ``<rte>``. Sensor values go into
the Garmin TrackPointExtension v2 (``hr``, ``cad``, ``atemp``, ``speed``) and power into a
``<power>`` element, the convention Garmin Connect and Strava use in their exports.

The document is built column by column with numpy string operations and joined once;
no element objects are created per point.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from ._output import Target, deliver

if TYPE_CHECKING:
    import pandas as pd

    from ..activity import Activity

__all__ = ["write_gpx"]

GPX_NS = "http://www.topografix.com/GPX/1/1"
TPX_NS = "http://www.garmin.com/xmlschemas/TrackPointExtension/v2"
_SCHEMAS = (
    f"{GPX_NS} http://www.topografix.com/GPX/1/1/gpx.xsd "
    f"{TPX_NS} http://www.garmin.com/xmlschemas/TrackPointExtensionv2.xsd"
)

#: Sports whose cadence is written per leg (``cadence_spm / 2``), as the GPX reader
#: expects; the words match the reader's.
_FOOT_WORDS = ("run", "walk", "hik", "jog", "trail", "generic", "training", "transition")
_MOUNTAIN = "mountaineering"


def _column(records: pd.DataFrame, name: str) -> np.ndarray | None:
    """A column as float64, or None when absent or all NaN."""
    if name not in records.columns:
        return None
    values = records[name].to_numpy(dtype=np.float64, na_value=np.nan)
    return values if np.isfinite(values).any() else None


def _decimal(values: np.ndarray, decimals: int, *, strip: bool = True) -> np.ndarray:
    """Fixed-point text of *values* (``""`` where NaN), trailing zeros stripped."""
    finite = np.isfinite(values)
    text = np.char.mod(f"%.{decimals}f", np.where(finite, values, 0.0))
    if strip and decimals:
        text = np.char.rstrip(np.char.rstrip(text, "0"), ".")
        text = np.where(text == "-0", "0", text)
    return np.where(finite, text, "")


def _element(tag: str, text: np.ndarray) -> np.ndarray:
    """``<tag>text</tag>`` for every non-empty entry of *text*, ``""`` elsewhere."""
    wrapped = np.char.add(np.char.add(f"<{tag}>", text), f"</{tag}>")
    return np.where(text != "", wrapped, "")


def _times(time_ns: np.ndarray) -> np.ndarray:
    """ISO-8601 UTC with ``Z``; fractional seconds only where a time has them."""
    text = np.datetime_as_string(time_ns.astype("datetime64[ns]"), unit="ns")
    text = np.char.rstrip(np.char.rstrip(text, "0"), ".")
    return np.char.add(text.astype("U32"), "Z")


def _is_foot(sport: str | None) -> bool:
    if sport is None:
        return True
    low = str(sport).lower()
    return low == _MOUNTAIN or any(w in low for w in _FOOT_WORDS)


def _cadence(records: pd.DataFrame, sport: str | None) -> np.ndarray | None:
    """Cadence as GPX ``cad`` holds it [rpm]: per leg for foot sports, else crank rpm."""
    if _is_foot(sport):
        spm = _column(records, "cadence_spm")
        return None if spm is None else spm / 2.0
    rpm = _column(records, "cadence_rpm")
    return rpm if rpm is not None else _column(records, "cadence_spm")


def _points(
    records: pd.DataFrame, sport: str | None, *, timed: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The text of every point with a position, and the positions' row numbers."""
    lat = _column(records, "lat_deg")
    lon = _column(records, "lon_deg")
    if lat is None or lon is None:
        return np.zeros(0, dtype="U1"), np.zeros(0, dtype=np.int64)
    keep = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon))
    rec = records.iloc[keep]
    tag = "trkpt" if timed else "rtept"
    parts = [
        np.char.add(
            np.char.add(
                np.char.add(f'<{tag} lat="', _decimal(lat[keep], 9, strip=False)), '" lon="'
            ),
            np.char.add(_decimal(lon[keep], 9, strip=False), '">'),
        )
    ]
    ele = _column(rec, "elevation_m")
    if ele is not None:
        parts.append(_element("ele", _decimal(ele, 3)))
    if timed:
        time_ns = rec.index.asi8
        ok = time_ns != np.iinfo(np.int64).min
        parts.append(np.where(ok, _element("time", _times(np.where(ok, time_ns, 0))), ""))
        # extensions: <power>, then the TrackPointExtension children in schema order
        ext = []
        power = _column(rec, "power_w")
        if power is not None:
            ext.append(_element("power", _decimal(power, 0)))
        tpx = []
        for name, values, decimals in (
            ("atemp", _column(rec, "temperature_c"), 2),
            ("hr", _column(rec, "heart_rate_bpm"), 0),
            ("cad", _cadence(rec, sport), 0),
            ("speed", _column(rec, "speed_mps"), 3),
        ):
            if values is not None:
                tpx.append(_element(f"gpxtpx:{name}", _decimal(values, decimals)))
        if tpx:
            inner = tpx[0]
            for more in tpx[1:]:
                inner = np.char.add(inner, more)
            ext.append(
                np.where(
                    inner != "",
                    np.char.add(
                        np.char.add("<gpxtpx:TrackPointExtension>", inner),
                        "</gpxtpx:TrackPointExtension>",
                    ),
                    "",
                )
            )
        if ext:
            inner = ext[0]
            for more in ext[1:]:
                inner = np.char.add(inner, more)
            parts.append(_element("extensions", inner))
    parts.append(np.full(len(keep), f"</{tag}>\n"))
    table = np.stack([p.astype(object) for p in parts], axis=1)
    return table, keep


def gpx_bytes(activity: Activity, *, creator: str = "kickanalysis") -> bytes:
    """The GPX 1.1 document of *activity* (see :func:`write_gpx`)."""
    import pandas as pd

    records = activity.records
    meta = activity.meta
    timed = meta.extra.get("timed") is not False
    table, keep = _points(records, meta.sport, timed=timed)
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<gpx version="1.1" creator={quoteattr(creator)} xmlns="{GPX_NS}" '
        f'xmlns:gpxtpx="{TPX_NS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{_SCHEMAS}">\n',
    ]
    start = meta.start_time if meta.start_time is not None else None
    if start is None and len(records) and timed:
        start = records.index[0]  # a route's index is a placeholder: never a time of its own
    meta_parts = []
    if meta.name:
        meta_parts.append(f"<name>{escape(meta.name)}</name>")
    if start is not None and not pd.isna(start) and pd.Timestamp(start).value != 0:
        stamp = _times(np.array([pd.Timestamp(start).as_unit("ns").value]))[0]
        meta_parts.append(f"<time>{stamp}</time>")
    if meta_parts:
        head.append(f"<metadata>{''.join(meta_parts)}</metadata>\n")
    kind = "trk" if timed else "rte"
    head.append(f"<{kind}>")
    if meta.name:
        head.append(f"<name>{escape(meta.name)}</name>")
    if meta.sport:
        head.append(f"<type>{escape(str(meta.sport))}</type>")
    head.append("\n")
    body: list[str] = []
    if timed:
        # a new segment after every pause: at the first point later than the pause start
        time_ns = records.index.asi8[keep] if len(keep) else np.zeros(0, dtype=np.int64)
        cuts = sorted(
            {
                int(np.searchsorted(time_ns, pd.Timestamp(a).as_unit("ns").value, side="right"))
                for a, _ in meta.pauses
            }
            - {0, len(keep)}
        )
        bounds = [0, *cuts, len(keep)]
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            body.append("<trkseg>\n")
            body.extend(table[lo:hi].ravel().tolist())
            body.append("</trkseg>\n")
    else:
        body.extend(table.ravel().tolist())
    tail = [f"</{kind}>\n", "</gpx>\n"]
    return "".join(head + body + tail).encode("utf-8")


def write_gpx(
    activity: Activity, path_or_file: Target = None, *, creator: str = "kickanalysis"
) -> bytes | None:
    """Write an activity as a GPX 1.1 document.

    Parameters
    ----------
    activity : Activity
        What to write. Only records with a position are written (a GPX point needs one).
        When ``activity.meta.extra.get("timed") is False`` (a course: a route without
        times), the points become ``<rte>/<rtept>`` with position and elevation only;
        otherwise one ``<trk>`` with a ``<trkseg>`` for every part between the timer
        pauses of ``meta.pauses``.
    path_or_file : str, os.PathLike or binary file object, optional
        Where to write; when omitted the document's bytes are returned.
    creator : str
        The ``creator`` attribute of ``<gpx>``.

    Returns
    -------
    bytes or None
        The UTF-8 document when *path_or_file* is None, else None.

    Notes
    -----
    Per track point: ``lat``/``lon`` [deg] with 9 decimals, ``<ele>`` [m] to the
    millimetre, ``<time>`` in UTC with ``Z`` (fractional seconds only where a time has
    them), and in ``<extensions>``: ``<power>`` [W] and the Garmin TrackPointExtension
    v2 ``atemp`` [°C], ``hr`` [1/min], ``cad`` [1/min] and ``speed`` [m/s, to the mm/s].
    ``hr``, ``cad`` and ``power`` are whole numbers (the schema's ``unsignedByte`` for
    ``hr`` and ``cad``); ``cad`` is the per-leg cadence ``cadence_spm / 2`` for foot
    sports and an unknown sport (so odd step counts round to the nearest even one) and
    the crank rpm (``cadence_rpm``, else ``cadence_spm``) otherwise. ``meta.name`` and
    ``meta.sport`` go into ``<name>`` and ``<type>``, the start time into
    ``<metadata><time>``.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> act = ka.read("data/samples/race_5k_kick.fit")  # doctest: +SKIP
    >>> doc = ka.write_gpx(act)  # doctest: +SKIP
    >>> doc[:38]  # doctest: +SKIP
    b'<?xml version="1.0" encoding="UTF-8"?>'
    """
    return deliver(gpx_bytes(activity, creator=creator), path_or_file)
