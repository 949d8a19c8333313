"""A readable report of one run: summary, splits, pacing, strides, intervals, the kick.

:func:`build_report` runs the library's analyses on an activity and keeps their results
in a :class:`Report`; :func:`text_report` and :func:`html_report` lay them out for a
terminal and as a self-contained HTML page (plots embedded as base64 PNG). This module
only formats: every number comes from the analysis functions
(:func:`~kickanalysis.splits`, :func:`~kickanalysis.negative_split`,
:func:`~kickanalysis.pacing_profile`, :func:`~kickanalysis.summarize`,
:func:`~kickanalysis.detect_strides`, :func:`~kickanalysis.detect_intervals`,
:func:`~kickanalysis.interval_session`, :func:`~kickanalysis.detect_kick`).

Paces are shown as m:ss per kilometre (``units="metric"``) or per mile
(``units="imperial"``), distances in km or mi.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from .activity import Activity

__all__ = [
    "UNITS",
    "Report",
    "build_report",
    "format_distance",
    "format_duration",
    "format_pace",
    "html_report",
    "jsonable",
    "text_report",
]

MILE_M = 1609.344
#: Unit systems understood by the formatting functions.
UNITS: tuple[str, ...] = ("metric", "imperial")


# ---------------------------------------------------------------------- formatting
def _unit(units: str) -> tuple[float, str]:
    """Length of the display unit [m] and its name."""
    if units == "metric":
        return 1000.0, "km"
    if units == "imperial":
        return MILE_M, "mi"
    raise ValueError(f"units={units!r}: use one of {UNITS}")


def _finite(x: Any) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def format_duration(seconds: float) -> str:
    """A duration as ``m:ss`` or ``h:mm:ss``, rounded to the second.

    Parameters
    ----------
    seconds : float
        The duration [s]; NaN or None gives ``"-"``.

    Returns
    -------
    str

    Examples
    --------
    >>> format_duration(1199.4), format_duration(3723), format_duration(float("nan"))
    ('19:59', '1:02:03', '-')
    """
    if not _finite(seconds):
        return "-"
    sign = "-" if seconds < 0 else ""
    s = abs(int(round(float(seconds))))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{sign}{h}:{m:02d}:{sec:02d}" if h else f"{sign}{m}:{sec:02d}"


def format_pace(pace_s_per_km: float, units: str = "metric", *, suffix: bool = True) -> str:
    """A pace as ``m:ss/km`` or, in imperial units, ``m:ss/mi``.

    Parameters
    ----------
    pace_s_per_km : float
        Pace [s/km]; NaN, None or a non-positive value gives ``"-"``.
    units : {"metric", "imperial"}
        Per kilometre or per mile.
    suffix : bool
        Append ``/km`` or ``/mi``.

    Returns
    -------
    str

    Examples
    --------
    >>> format_pace(240.0), format_pace(240.0, "imperial")
    ('4:00/km', '6:26/mi')
    >>> format_pace(float("nan"))
    '-'
    """
    length_m, name = _unit(units)
    if not _finite(pace_s_per_km) or pace_s_per_km <= 0:
        return "-"
    text = format_duration(float(pace_s_per_km) * length_m / 1000.0)
    return f"{text}/{name}" if suffix else text


def format_distance(distance_m: float, units: str = "metric", *, digits: int = 2) -> str:
    """A distance in kilometres or miles.

    Parameters
    ----------
    distance_m : float
        Distance [m]; NaN or None gives ``"-"``.
    units : {"metric", "imperial"}
        Kilometres or miles.
    digits : int
        Decimals shown.

    Returns
    -------
    str

    Examples
    --------
    >>> format_distance(4992.88), format_distance(4992.88, "imperial")
    ('4.99 km', '3.10 mi')
    """
    length_m, name = _unit(units)
    if not _finite(distance_m):
        return "-"
    return f"{float(distance_m) / length_m:.{digits}f} {name}"


def _speed_pace(speed_mps: float, units: str) -> str:
    if not _finite(speed_mps) or speed_mps <= 0:
        return "-"
    return format_pace(1000.0 / float(speed_mps), units)


def _num(x: Any, fmt: str = ".0f", unit: str = "") -> str:
    return f"{float(x):{fmt}}{unit}" if _finite(x) else "-"


def _clock_time(ts: Any) -> str:
    try:
        import pandas as pd

        if ts is None or pd.isna(ts):
            return "-"
        return pd.Timestamp(ts).strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    except (TypeError, ValueError):
        return str(ts)


# ---------------------------------------------------------------------- sections
@dataclass
class _Section:
    """A titled block: key/value items, free lines, and an optional table."""

    key: str
    title: str
    items: list[tuple[str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    footer: list[str] | None = None
    after: list[str] = field(default_factory=list)


#: Columns of text (left-aligned in the text tables); all others are right-aligned.
_LEFT = frozenset({"source", "result", "status", "match", "label", "profile", "halves", "error"})


def _text_table(headers: list[str], rows: list[list[str]], footer: list[str] | None = None) -> str:
    """Numbers right-aligned, text columns (:data:`_LEFT`) left-aligned; no trailing spaces."""
    body = [headers, *rows] + ([footer] if footer else [])
    widths = [max(len(r[i]) for r in body) for i in range(len(headers))]
    left = [h in _LEFT for h in headers]
    out = []
    for r in body:
        cells = (c.ljust(w) if lf else c.rjust(w) for c, w, lf in zip(r, widths, left))
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


def _section_text(sec: _Section) -> str:
    out = [sec.title, "-" * len(sec.title)]
    if sec.items:
        w = max(len(k) for k, _ in sec.items)
        out += [f"{k.ljust(w)}  {v}" for k, v in sec.items]
    out += sec.lines
    if sec.headers:
        out.append(_text_table(sec.headers, sec.rows, sec.footer))
    out += sec.after
    return "\n".join(out)


def _splits_section(splits: pd.DataFrame, units: str, every: str = "") -> _Section:
    """The splits table (distance, elapsed time, moving pace, GAP, HR, cadence, elevation)."""
    has_hr = bool(splits["heart_rate_mean_bpm"].notna().any())
    has_cad = bool(splits["cadence_mean_spm"].notna().any())
    has_ele = bool(splits["elevation_gain_m"].notna().any())
    headers = ["#", "distance", "time", "pace", "GAP"]
    headers += ["HR"] * has_hr + ["cadence"] * has_cad + ["elev +/-"] * has_ele
    rows = []
    for r in splits.itertuples():
        gap = 1000.0 / r.gap_speed_mps if _finite(r.gap_speed_mps) and r.gap_speed_mps > 0 else None
        row = [
            f"{r.split}{'*' if r.partial else ''}",
            format_distance(r.distance_m, units),
            format_duration(r.duration_s),
            format_pace(r.pace_s_per_km, units),
            format_pace(gap, units, suffix=False),
        ]
        if has_hr:
            row.append(_num(r.heart_rate_mean_bpm))
        if has_cad:
            row.append(_num(r.cadence_mean_spm))
        if has_ele:
            row.append(f"+{_num(r.elevation_gain_m)}/-{_num(r.elevation_loss_m)}")
        rows.append(row)
    title = f"Splits (every {_every_text(every)})" if every else "Splits"
    after = ["time is elapsed; pace and GAP (grade-adjusted pace) over moving time"]
    if len(splits) and bool(splits["partial"].iloc[-1]):
        after.insert(0, "* partial split")
    return _Section("splits", title, headers=headers, rows=rows, after=after)


def _every_text(every: Any) -> str:
    """``"1km"`` -> ``"1 km"``; a number of metres -> ``"400 m"``."""
    if isinstance(every, str):
        return re.sub(r"^\s*([\d.]+)\s*([a-z]+)\s*$", r"\1 \2", every.lower())
    return f"{float(every):g} m"


def _summary_section(summary: pd.DataFrame, units: str) -> _Section:
    r = summary.iloc[0]

    def get(name: str) -> Any:
        v = r.get(name)
        return None if v is None or (not isinstance(v, str) and _isna(v)) else v

    sport = "/".join(str(s) for s in (get("sport"), get("sub_sport")) if s) or "-"
    gain, loss = get("elevation_gain_m"), get("elevation_loss_m")
    items = [
        ("file", f"{get('source') or '-'} ({get('format') or '?'})"),
        ("sport", sport),
        ("start", _clock_time(get("start_time"))),
        ("distance", format_distance(get("distance_m"), units)),
        ("elapsed", format_duration(get("elapsed_s"))),
        ("moving", format_duration(get("moving_s"))),
        ("pace", format_pace(get("pace_s_per_km"), units) + " (moving)"),
        ("GAP", format_pace(get("gap_pace_s_per_km"), units) + " (grade adjusted)"),
        (
            "heart rate",
            f"{_num(get('heart_rate_mean_bpm'))} bpm avg, {_num(get('heart_rate_max_bpm'))} max"
            if get("heart_rate_mean_bpm") is not None
            else "-",
        ),
        ("cadence", _num(get("cadence_mean_spm"), unit=" spm")),
        (
            "elevation",
            f"+{_num(gain)} m / -{_num(loss)} m" if gain is not None else "-",
        ),
    ]
    if get("name"):
        items.insert(1, ("name", str(get("name"))))
    return _Section("summary", "Summary", items=items)


def _isna(v: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _negative_section(ns: Any, units: str, note: str | None = None) -> _Section:
    sec = _Section("negative_split", "Negative split")
    if ns is None:
        sec.lines.append(f"not available: {note}")
        return sec
    length_m, name = _unit(units)
    trend = ns.trend_s_per_km_per_km * (length_m / 1000.0) ** 2
    sec.items = [
        ("verdict", ns.verdict),
        ("first half", format_duration(ns.first_half_s)),
        ("second half", format_duration(ns.second_half_s)),
        ("difference", f"{ns.difference_s:+.0f} s ({ns.difference_pct:+.1f} %)"),
        ("trend", f"{trend:+.1f} s/{name} per {name} (robust slope of split pace)"),
        ("faster splits", f"{ns.consecutive_faster} in a row at most"),
    ]
    return sec


def _profile_section(pp: Any, note: str | None = None) -> _Section:
    sec = _Section("pacing_profile", "Pacing profile")
    if pp is None:
        sec.lines.append(f"not available: {note}")
        return sec
    sec.items = [
        ("profile", pp.profile),
        ("by tenth", " ".join(f"{v:.2f}" for v in pp.segment_speed_rel) + " (speed / mean)"),
        (
            "fast start",
            f"{'yes' if pp.fast_start else 'no'} (first tenth "
            f"{pp.first_segment_vs_rest_pct:+.1f} % vs the rest)",
        ),
    ]
    return sec


def _strides_section(strides: pd.DataFrame | None, units: str, note: str | None = None) -> _Section:
    sec = _Section("strides", "Strides")
    if strides is None:
        sec.lines.append(f"not available: {note}")
        return sec
    if len(strides) == 0:
        sec.lines.append("no strides")
        return sec
    sets = strides["set"].nunique()
    sec.lines.append(f"{len(strides)} strides in {sets} set{'s' if sets > 1 else ''}")
    sec.headers = [
        "#",
        "set",
        "at",
        "clock",
        "duration",
        "distance",
        "pace",
        "peak",
        "easy",
        "ratio",
    ]
    for r in strides.itertuples():
        sec.rows.append(
            [
                str(r.stride),
                str(r.set),
                format_distance(r.start_distance_m, units),
                format_duration(r.start_elapsed_s),
                f"{r.duration_s:.0f} s",
                f"{r.distance_m:.0f} m",
                _speed_pace(r.mean_speed_mps, units),
                _speed_pace(r.peak_speed_mps, units),
                _speed_pace(r.baseline_speed_mps, units),
                f"{r.speed_ratio:.2f}",
            ]
        )
    return sec


def _session_text(session: Any, units: str) -> str:
    """The library's one-line session summary, its pace range in the chosen units."""
    text = session.summary
    if units != "metric" and session.reps:
        lo = format_duration(session.pace_min_s_per_km)
        hi = format_duration(session.pace_max_s_per_km)
        new = (
            f"{format_pace(session.pace_min_s_per_km, units, suffix=False)}–"
            f"{format_pace(session.pace_max_s_per_km, units)}"
        )
        text = text.replace(f"{lo}–{hi}/km", new)
    return text


def _intervals_section(
    intervals: pd.DataFrame | None, session: Any, units: str, note: str | None = None
) -> _Section:
    sec = _Section("intervals", "Intervals")
    if intervals is None:
        sec.lines.append(f"not available: {note}")
        return sec
    sec.items = [("session", _session_text(session, units))]
    if len(intervals) == 0:
        return sec
    sec.headers = ["rep", "at", "clock", "time", "distance", "pace", "HR", "recovery"]
    for r in intervals.itertuples():
        rec = (
            f"{format_duration(r.recovery_s)} / {r.recovery_distance_m:.0f} m"
            if _finite(r.recovery_s)
            else "-"
        )
        sec.rows.append(
            [
                str(r.rep),
                format_distance(r.start_distance_m, units),
                format_duration(r.start_elapsed_s),
                format_duration(r.duration_s),
                f"{r.distance_m:.0f} m",
                format_pace(r.pace_s_per_km, units),
                _num(r.heart_rate_mean_bpm),
                rec,
            ]
        )
    return sec


def _kick_section(kick: Any, units: str, note: str | None = None) -> _Section:
    sec = _Section("kick", "Kick")
    if kick is None:
        sec.lines.append(f"not available: {note}")
        return sec
    finish = (
        f"{format_distance(kick.finish_distance_m, units)} at "
        f"{format_duration(kick.finish_elapsed_s)}"
    )
    if not kick.detected:
        sec.items = [("kick", "none detected"), ("finish", finish)]
        return sec
    length = (
        f"{kick.distance_m:.0f} m"
        if units == "metric"
        else format_distance(kick.distance_m, units, digits=2)
    )
    sec.items = [
        ("kick", "detected"),
        (
            "start",
            f"{format_distance(kick.start_distance_m, units)} at "
            f"{format_duration(kick.start_elapsed_s)} ({_clock_time(kick.start_time)})",
        ),
        ("length", f"{length} in {kick.duration_s:.0f} s"),
        (
            "pace",
            f"{_speed_pace(kick.baseline_speed_mps, units)} -> "
            f"{_speed_pace(kick.kick_speed_mps, units)} ({kick.gain_pct:+.1f} %), "
            f"peak {_speed_pace(kick.peak_speed_mps, units)}",
        ),
        ("finish", finish),
    ]
    return sec


def _plan_section(plan: pd.DataFrame, units: str) -> _Section:
    """A pacing plan from :func:`~kickanalysis.plan_pacing` as a table with a total row."""
    attrs = plan.attrs
    has_ele = bool(plan["elevation_gain_m"].notna().any())
    headers = ["#", "to", "grade", *(["elev +/-"] * has_ele), "pace", "GAP", "split", "clock"]
    rows = []
    for r in plan.itertuples():
        row = [
            f"{r.split}{'*' if r.partial else ''}",
            format_distance(r.end_distance_m, units),
            _num(r.grade_mean * 100 if _finite(r.grade_mean) else None, "+.1f", " %"),
        ]
        if has_ele:
            row.append(f"+{_num(r.elevation_gain_m)}/-{_num(r.elevation_loss_m)}")
        row += [
            format_pace(r.pace_s_per_km, units),
            format_pace(r.gap_pace_s_per_km, units, suffix=False),
            format_duration(r.duration_s),
            format_duration(r.end_elapsed_s),
        ]
        rows.append(row)
    total = float(plan["duration_s"].sum())
    length = float(plan["distance_m"].sum())
    footer = ["total", format_distance(length, units), "", *([""] * has_ele)]
    footer += [format_pace(1000.0 * total / length, units) if length > 0 else "-", "", ""]
    footer += [format_duration(total)]
    strategy = attrs.get("strategy", "?")
    if strategy == "negative":
        strategy += f" ({attrs.get('negative_split_pct', 0):g} % faster second half)"
    items = [
        ("course", f"{attrs.get('course', '-')}"),
        ("length", format_distance(attrs.get("course_length_m"), units)),
        ("goal", format_duration(attrs.get("goal_time_s"))),
        ("strategy", strategy),
    ]
    sec = _Section("plan", "Pacing plan", items=items, headers=headers, rows=rows, footer=footer)
    sec.after = ["pace on the ground; GAP: the same effort on the flat; clock at the split's end"]
    if bool(plan["partial"].iloc[-1]):
        sec.after.insert(0, "* partial split")
    return sec


# ---------------------------------------------------------------------- the report
@dataclass(frozen=True)
class Report:
    """Everything :func:`build_report` found in one run (see the fields' functions).

    Attributes
    ----------
    activity : Activity
        The run analysed.
    every : str
        Split length used, e.g. ``"1km"``.
    summary : pandas.DataFrame
        :func:`~kickanalysis.summarize` (one row).
    splits : pandas.DataFrame
        :func:`~kickanalysis.splits` every ``every``.
    negative_split, pacing_profile, kick : NegativeSplit, PacingProfile, Kick or None
        The verdicts; None when that analysis could not run (see ``notes``).
    strides, intervals : pandas.DataFrame or None
        :func:`~kickanalysis.detect_strides`, :func:`~kickanalysis.detect_intervals`.
    session : IntervalSession or None
        :func:`~kickanalysis.interval_session` of the intervals.
    notes : dict
        Why an analysis is missing: section name -> message.
    """

    activity: Activity = field(repr=False)
    every: str
    summary: pd.DataFrame = field(repr=False)
    splits: pd.DataFrame = field(repr=False)
    negative_split: Any = None
    pacing_profile: Any = None
    strides: pd.DataFrame | None = field(default=None, repr=False)
    intervals: pd.DataFrame | None = field(default=None, repr=False)
    session: Any = None
    kick: Any = None
    notes: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"Report({self.activity.meta.source}: {len(self.splits)} splits every "
            f"{self.every}, {self.negative_split!r}, {self.kick!r})"
        )

    def sections(self, units: str = "metric") -> list[_Section]:
        """The report's sections in order (for the text and HTML layouts)."""
        _unit(units)
        n = self.notes
        return [
            _summary_section(self.summary, units),
            _splits_section(self.splits, units, self.every),
            _negative_section(self.negative_split, units, n.get("negative_split")),
            _profile_section(self.pacing_profile, n.get("pacing_profile")),
            _strides_section(self.strides, units, n.get("strides")),
            _intervals_section(self.intervals, self.session, units, n.get("intervals")),
            _kick_section(self.kick, units, n.get("kick")),
        ]

    def to_dict(self) -> dict[str, Any]:
        """The results as plain Python (JSON-ready: SI units, ISO times, NaN as None)."""
        return jsonable(
            {
                "source": self.activity.meta.source,
                "every": self.every,
                "summary": self.summary,
                "splits": self.splits,
                "negative_split": self.negative_split,
                "pacing_profile": self.pacing_profile,
                "strides": self.strides,
                "intervals": self.intervals,
                "interval_session": self.session,
                "kick": self.kick,
                "notes": self.notes,
            }
        )


def jsonable(value: Any) -> Any:
    """Plain JSON types from results: frames as lists of rows, verdicts as dicts.

    Parameters
    ----------
    value : Any
        A DataFrame, a verdict with ``to_dict()``, a dict/list of them, or a scalar.

    Returns
    -------
    Any
        Dicts, lists, str, float, int, bool and None only (timestamps as ISO 8601
        strings, NaN/NA/NaT as None).

    Examples
    --------
    >>> import pandas as pd
    >>> jsonable({"t": pd.Timestamp("2024-05-01", tz="UTC"), "x": float("nan"), "n": 3})
    {'t': '2024-05-01T00:00:00+00:00', 'x': None, 'n': 3}
    """
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return [jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return jsonable(value.to_dict())
    if hasattr(value, "to_dict") and not isinstance(value, dict):
        return jsonable(value.to_dict())
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return value.total_seconds()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.datetime64):
        return jsonable(pd.Timestamp(value))
    return value if isinstance(value, str) else str(value)


def build_report(
    activity: Activity,
    *,
    every: float | str = "1km",
    finish: Any = None,
) -> Report:
    """Run every analysis of the library on one run.

    The splits and the summary must succeed (they fail only for an activity without
    timed samples); any other analysis that raises a
    :class:`~kickanalysis.errors.KickAnalysisError` is left out, with the reason in
    ``Report.notes``.

    Parameters
    ----------
    activity : Activity
        The run.
    every : float or str
        Split length: metres, or ``"1km"``, ``"1mi"``, ``"400m"``, ``"5min"`` …
    finish : optional
        Where the race ended, passed to :func:`~kickanalysis.detect_kick`.

    Returns
    -------
    Report

    Raises
    ------
    EmptyActivityError
        When the run has no timed samples to split.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> rep = build_report(ka.read("data/samples/race_5k_kick.fit"))
    >>> len(rep.splits), rep.negative_split.verdict, rep.kick.detected
    (5, 'negative', True)
    """
    from .analysis import (
        negative_split,
        pacing_profile,
        splits,
        summarize,
    )
    from .analysis.intervals import detect_intervals, interval_session
    from .analysis.kick import detect_kick
    from .analysis.strides import detect_strides
    from .errors import KickAnalysisError

    table = splits(activity, every=every)
    summary = summarize(activity)
    notes: dict[str, str] = {}
    results: dict[str, Any] = {}

    def attempt(name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            results[name] = fn(*args, **kwargs)
        except KickAnalysisError as exc:
            notes[name] = str(exc)
            results[name] = None
        return results[name]

    attempt("negative_split", negative_split, activity)
    attempt("pacing_profile", pacing_profile, activity)
    attempt("strides", detect_strides, activity)
    intervals = attempt("intervals", detect_intervals, activity)
    session = interval_session(intervals) if intervals is not None else None
    attempt("kick", detect_kick, activity, finish=finish)
    return Report(
        activity=activity,
        every=_every_text(every),
        summary=summary,
        splits=table,
        session=session,
        notes=notes,
        **results,
    )


def text_report(report: Report | Activity, *, units: str = "metric", **kwargs: Any) -> str:
    """The report as plain text for a terminal.

    Parameters
    ----------
    report : Report or Activity
        A :class:`Report`, or a run (then :func:`build_report` is called with
        ``kwargs``).
    units : {"metric", "imperial"}
        Paces per km and distances in km, or per mile and in miles.
    **kwargs
        Passed to :func:`build_report` when ``report`` is an activity.

    Returns
    -------
    str
        Sections Summary, Splits, Negative split, Pacing profile, Strides, Intervals and
        Kick, each under an underlined title.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> text = text_report(ka.read("data/samples/race_5k_kick.fit"), units="imperial")
    >>> "Kick\\n----" in text, "/mi" in text
    (True, True)
    """
    rep = report if isinstance(report, Report) else build_report(report, **kwargs)
    title = f"kickanalysis report: {rep.activity.meta.source}"
    parts = [f"{title}\n{'=' * len(title)}"]
    parts += [_section_text(s) for s in rep.sections(units)]
    return "\n\n".join(parts) + "\n"


# ---------------------------------------------------------------------- HTML
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:60rem;
margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;
margin-top:2rem}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:.5rem 0}
th,td{padding:.15rem .6rem;text-align:right;border-bottom:1px solid #eee}
table.items td:first-child{text-align:left;color:#555}table.items td{text-align:left}
img{max-width:100%;height:auto}.note{color:#666;font-size:.9rem}
"""


def _png(ax: Any) -> str:
    buf = io.BytesIO()
    ax.figure.tight_layout()
    ax.figure.savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _plots(rep: Report) -> list[str]:
    """``<figure>`` elements with embedded PNG plots, or a note when matplotlib is missing."""
    from . import plot

    try:
        speed = plot.plot_speed(
            rep.activity, pace=True, strides=rep.strides, intervals=rep.intervals, kick=rep.kick
        )
        bars = plot.plot_splits(rep.splits)
    except ImportError as exc:
        return [f'<p class="note">No plots: {html.escape(str(exc))}.</p>']
    return [
        f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{_png(ax)}">'
        f"<figcaption>{html.escape(alt)}</figcaption></figure>"
        for alt, ax in (
            ("Pace over distance (strides, intervals and the kick shaded)", speed),
            ("Pace per split", bars),
        )
    ]


def _html_table(headers: list[str], rows: list[list[str]], cls: str = "") -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    attr = f' class="{cls}"' if cls else ""
    return (
        f"<table{attr}>" + (f"<thead><tr>{head}</tr></thead>" if head else "") + body + "</table>"
    )


def _section_html(sec: _Section) -> str:
    out = [f'<section id="{sec.key}"><h2>{html.escape(sec.title)}</h2>']
    if sec.items:
        out.append(_html_table([], [[k, v] for k, v in sec.items], "items"))
    out += [f'<p class="note">{html.escape(line)}</p>' for line in sec.lines]
    if sec.headers:
        rows = sec.rows + ([sec.footer] if sec.footer else [])
        out.append(_html_table(sec.headers, rows))
    out += [f'<p class="note">{html.escape(line)}</p>' for line in sec.after]
    out.append("</section>")
    return "".join(out)


def html_report(
    report: Report | Activity, *, units: str = "metric", plots: bool = True, **kwargs: Any
) -> str:
    """The report as one self-contained HTML page (no external files or links).

    The plots (:func:`~kickanalysis.plot.plot_speed` with strides, intervals and the kick
    shaded, and :func:`~kickanalysis.plot.plot_splits`) are embedded as base64 PNG
    images; without matplotlib the page says so in their place.

    Parameters
    ----------
    report : Report or Activity
        A :class:`Report`, or a run (then :func:`build_report` is called with
        ``kwargs``).
    units : {"metric", "imperial"}
        Paces per km and distances in km, or per mile and in miles.
    plots : bool
        Embed the plots.
    **kwargs
        Passed to :func:`build_report` when ``report`` is an activity.

    Returns
    -------
    str
        The HTML document.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> page = html_report(ka.read("data/samples/fade_10k.fit"), plots=False)
    >>> page.startswith("<!DOCTYPE html>"), '<section id="kick">' in page
    (True, True)
    """
    rep = report if isinstance(report, Report) else build_report(report, **kwargs)
    source = str(rep.activity.meta.source)
    title = f"kickanalysis report: {source}"
    body = [f"<h1>{html.escape(title)}</h1>"]
    sections = rep.sections(units)
    body.append(_section_html(sections[0]))
    if plots:
        body.append('<section id="plots"><h2>Plots</h2>' + "".join(_plots(rep)) + "</section>")
    body += [_section_html(s) for s in sections[1:]]
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
    return re.sub(r"\n{2,}", "\n", page)
