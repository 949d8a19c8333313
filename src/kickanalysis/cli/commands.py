"""The commands of the ``kickanalysis`` command line (formatting only)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from typing import TYPE_CHECKING, Any

from ..errors import DataQualityWarning
from ..report import (
    _intervals_section,
    _kick_section,
    _plan_section,
    _section_text,
    _splits_section,
    _strides_section,
    _text_table,
    format_distance,
    format_duration,
    format_pace,
    jsonable,
)
from ._args import CliError

if TYPE_CHECKING:
    import pandas as pd

    from ..activity import Activity

__all__ = [
    "JOURNAL_DOC",
    "cmd_batch",
    "cmd_info",
    "cmd_intervals",
    "cmd_journal_add",
    "cmd_journal_list",
    "cmd_journal_similar",
    "cmd_kick",
    "cmd_plan",
    "cmd_report",
    "cmd_splits",
    "cmd_strides",
]


# ---------------------------------------------------------------------- helpers
def _read(path: str, *, show_warnings: bool = True) -> Activity:
    """Read a recording; its data-quality warnings go to stderr, one line each."""
    from ..io import read

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always", DataQualityWarning)
        act = read(path)
    if show_warnings:
        for w in act.meta.warnings:
            print(f"kickanalysis: warning: {' '.join(str(w).split())}", file=sys.stderr)
    return act


def _emit(args: argparse.Namespace, *, table: str, frame: Any = None, data: Any = None) -> int:
    """Print in the chosen format: text, the frame as CSV, or data (else frame) as JSON."""
    fmt = getattr(args, "format", "table")
    if fmt == "table":
        print(table.rstrip("\n"))
    elif fmt == "csv":
        if frame is None:
            raise CliError("this command has no table for --format csv; use json")
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        print(json.dumps(jsonable(frame if data is None else data), indent=2, allow_nan=False))
    return 0


def _units(args: argparse.Namespace) -> str:
    return getattr(args, "units", "metric")


def _every(args: argparse.Namespace) -> float | str:
    every = getattr(args, "every", None)
    if every is None:
        every = "1mi" if _units(args) == "imperial" else "1km"
    return every


# ---------------------------------------------------------------------- info
def cmd_info(args: argparse.Namespace) -> int:
    """Print what a recording holds: device, sport, totals, columns, laps, warnings.

    With --format csv the records themselves are printed (one row per sample, SI
    columns); with --format json the metadata, totals and device laps.
    """
    from ..io import read

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always", DataQualityWarning)
        act = read(args.file)
    rec, meta = act.records, act.meta
    dist = float(rec["distance_m"].max()) if len(rec) else float("nan")
    elapsed = float(rec["elapsed_s"].max()) if len(rec) else float("nan")
    fmt = getattr(args, "format", "table")
    units = _units(args)
    if fmt == "csv":
        return _emit(args, table="", frame=rec.reset_index())
    if fmt == "json":
        data = {
            "source": meta.source,
            "format": meta.format,
            "sport": meta.sport,
            "sub_sport": meta.sub_sport,
            "device": meta.device,
            "start_time": meta.start_time,
            "samples": len(rec),
            "distance_m": dist,
            "elapsed_s": elapsed,
            "pauses": len(meta.pauses),
            "columns": [c for c in rec.columns if rec[c].notna().any()],
            "laps": act.laps,
            "warnings": list(meta.warnings),
        }
        return _emit(args, table="", data=data)
    avg = format_pace(1000.0 * elapsed / dist, units) if elapsed and dist == dist and dist else "-"
    lines = [
        f"file        {meta.source} ({meta.format})",
        f"sport       {'/'.join(s for s in (meta.sport, meta.sub_sport) if s) or '-'}",
        f"device      {meta.device or '-'}",
        f"start       {meta.start_time if meta.start_time is not None else '-'}",
        f"samples     {len(rec)}",
        f"distance    {format_distance(dist, units)}" if dist == dist else "distance    -",
        f"elapsed     {format_duration(elapsed)}",
        f"avg pace    {avg}",
        f"heart rate  {rec['heart_rate_bpm'].mean():.0f} bpm avg, "
        f"{rec['heart_rate_bpm'].max():.0f} max"
        if rec["heart_rate_bpm"].notna().any()
        else "heart rate  -",
        f"pauses      {len(meta.pauses)}",
        f"columns     {', '.join(c for c in rec.columns if rec[c].notna().any())}",
    ]
    print("\n".join(lines))
    if len(act.laps):
        print(f"\nlaps ({len(act.laps)})")
        rows = []
        for lap in act.laps.itertuples():
            hr = (
                f"{lap.heart_rate_mean_bpm:.0f}"
                if lap.heart_rate_mean_bpm == lap.heart_rate_mean_bpm
                else "-"
            )
            pace = (
                1000.0 / lap.speed_mps if lap.speed_mps == lap.speed_mps and lap.speed_mps else None
            )
            rows.append(
                [
                    str(lap.split),
                    format_distance(lap.distance_m, units),
                    format_duration(lap.duration_s),
                    format_pace(pace, units),
                    hr,
                ]
            )
        print(_text_table(["#", "distance", "time", "pace", "HR"], rows))
    for w in meta.warnings:
        print(f"warning: {w}")
    return 0


# ---------------------------------------------------------------------- one run
def cmd_splits(args: argparse.Namespace) -> int:
    """Split a run every kilometre, mile, any distance or any time.

    Boundaries are interpolated between samples, so the splits are exact and add up to
    the whole run (kickanalysis.splits). The table shows elapsed time, pace and
    grade-adjusted pace (GAP) over moving time, heart rate, cadence and elevation.
    """
    from ..analysis import splits

    act = _read(args.file)
    units = _units(args)
    every = _every(args)
    table = splits(act, every=every)
    sec = _splits_section(table, units, every if isinstance(every, str) else f"{every:g}m")
    total = [
        "total",
        format_distance(table["distance_m"].sum(), units),
        format_duration(table["duration_s"].sum()),
    ]
    moving = float(table["moving_s"].sum())
    dist = float(table["distance_m"].sum())
    total.append(format_pace(1000.0 * moving / dist, units) if dist > 0 else "-")
    sec.footer = total + [""] * (len(sec.headers) - len(total))
    text = f"{act.meta.source}\n\n{_section_text(sec)}"
    return _emit(args, table=text, frame=table)


def cmd_kick(args: argparse.Namespace) -> int:
    """Find the final kick of a race: where it started, how long and how fast it was.

    The kick is a sustained rise of (grade-adjusted) speed over the finish
    (kickanalysis.detect_kick). Use --finish when the recording goes on after the race.
    """
    from ..analysis.kick import detect_kick

    act = _read(args.file)
    kick = detect_kick(act, finish=args.finish)
    text = f"{act.meta.source}\n\n{_section_text(_kick_section(kick, _units(args)))}"
    return _emit(args, table=text, frame=kick.to_frame(), data=kick)


def cmd_strides(args: argparse.Namespace) -> int:
    """Find strides: short surges (about 6-40 s) well above the easy pace around them.

    Uses kickanalysis.detect_strides; strides less than 5 minutes apart form a set.
    """
    from ..analysis.strides import detect_strides

    act = _read(args.file)
    table = detect_strides(act)
    text = f"{act.meta.source}\n\n{_section_text(_strides_section(table, _units(args)))}"
    return _emit(args, table=text, frame=table)


def cmd_intervals(args: argparse.Namespace) -> int:
    """Find the work intervals of speedwork (about 40 s to 20 min each) and sum them up.

    Uses kickanalysis.detect_intervals and interval_session ("6 x 800 m in 2:29-2:33,
    2:00 jog recovery"). --format json gives the session summary and the intervals.
    """
    from ..analysis.intervals import detect_intervals, interval_session

    act = _read(args.file)
    table = detect_intervals(act)
    session = interval_session(table)
    sec = _intervals_section(table, session, _units(args))
    text = f"{act.meta.source}\n\n{_section_text(sec)}"
    return _emit(args, table=text, frame=table, data={"session": session, "intervals": table})


def cmd_report(args: argparse.Namespace) -> int:
    """Everything about one run: summary, splits, negative split, pacing profile and
    fast start, strides, intervals and the kick.

    --html OUT writes the report as one self-contained HTML file with the plots
    embedded (they need matplotlib). --format csv prints the one-row summary, --format
    json every result.
    """
    from ..report import build_report, html_report, text_report

    act = _read(args.file)
    units = _units(args)
    rep = build_report(act, every=_every(args), finish=args.finish)
    if args.html:
        page = html_report(rep, units=units)
        with open(args.html, "w", encoding="utf-8") as fh:
            fh.write(page)
        print(f"wrote {args.html}")
        return 0
    return _emit(args, table=text_report(rep, units=units), frame=rep.summary, data=rep.to_dict())


# ---------------------------------------------------------------------- plan
def _signed_s(seconds: float) -> str:
    """``+12 s`` / ``-3 s`` / ``0 s`` ("-" when unknown)."""
    if seconds != seconds:
        return "-"
    s = int(round(seconds))
    return f"{s:+d} s" if s else "0 s"


def _compare_section(cmp: pd.DataFrame, units: str) -> str:
    rows = []
    for r in cmp.itertuples():
        rows.append(
            [
                str(r.split),
                format_distance(r.end_distance_m, units),
                format_duration(r.plan_duration_s),
                format_duration(r.actual_duration_s),
                _signed_s(r.difference_s),
                format_pace(r.actual_pace_s_per_km, units),
                _signed_s(r.cumulative_difference_s),
                "-" if r.status is None or r.status != r.status else str(r.status),
            ]
        )
    title = "Against the plan"
    headers = ["#", "to", "plan", "actual", "diff", "pace", "total diff", "status"]
    return f"{title}\n{'-' * len(title)}\n{_text_table(headers, rows)}"


def cmd_plan(args: argparse.Namespace) -> int:
    """A pacing plan for a course and a goal time: target pace and split times.

    By default the effort is even: slower uphill, faster downhill (grade adjusted,
    Minetti et al. 2002), and the splits add up to the goal exactly
    (kickanalysis.plan_pacing). --compare RUN lays a recorded run over the plan
    (kickanalysis.compare_to_plan).
    """
    from ..analysis.plan import compare_to_plan, plan_pacing

    strategy = args.strategy
    pct = args.negative_pct
    if strategy is None:
        strategy = "negative" if pct is not None else "even_effort"
    if strategy == "negative" and pct is None:
        pct = 2.0
    units = _units(args)
    course = _read(args.course, show_warnings=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataQualityWarning)
        plan = plan_pacing(
            course,
            goal_time_s=args.goal,
            every=_every(args),
            strategy=strategy,
            negative_split_pct=pct or 0.0,
        )
    for w in caught:
        print(f"kickanalysis: warning: {' '.join(str(w.message).split())}", file=sys.stderr)
    text = _section_text(_plan_section(plan, units))
    if args.compare is None:
        return _emit(args, table=text, frame=plan, data={"plan": plan.attrs, "splits": plan})
    cmp = compare_to_plan(_read(args.compare), plan)
    text += "\n\n" + _compare_section(cmp, units)
    data = {"plan": plan.attrs, "splits": plan, "comparison": cmp}
    return _emit(args, table=text, frame=cmp, data=data)


# ---------------------------------------------------------------------- batch
def _write_table(table: pd.DataFrame, out: str) -> None:
    name = out.lower()
    if name.endswith((".parquet", ".pq")):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise CliError(
                "writing Parquet needs pyarrow: pip install 'kickanalysis[parquet]' (or write .csv)"
            ) from None
        table.to_parquet(out, index=False)
    elif name.endswith((".csv", ".csv.gz")):
        table.to_csv(out, index=False, lineterminator="\n")
    else:
        raise CliError(f"--out {out}: use a .csv, .csv.gz or .parquet file name")


def cmd_batch(args: argparse.Namespace) -> int:
    """Summarise many recordings (files, folders, zip exports, globs), one row per file.

    Runs in parallel (kickanalysis.analyze_many). A file that cannot be read gets a row
    with its error; the batch goes on. --out writes the whole table (CSV or Parquet).
    """
    from ..batch import analyze_many

    out = args.out
    if out is not None and not out.lower().endswith((".csv", ".csv.gz", ".parquet", ".pq")):
        raise CliError(f"--out {out}: use a .csv, .csv.gz or .parquet file name")
    table = analyze_many(
        args.paths,
        n_jobs=args.jobs,
        engine=args.engine,
        progress=sys.stderr.isatty(),
    )
    errors = int(table["error_type"].notna().sum()) if len(table) else 0
    if out is not None:
        _write_table(table, out)
        print(f"{len(table)} files ({errors} failed) -> {out}")
        return 0
    units = _units(args)
    rows = []
    for r in table.to_dict(orient="records"):
        ok = _na(r.get("error_type"))
        rows.append(
            [
                str(r["source"]),
                format_distance(r.get("distance_m"), units) if ok else "-",
                format_duration(r.get("elapsed_s")) if ok else "-",
                format_pace(r.get("pace_s_per_km"), units) if ok else "-",
                _str(r.get("negative_split")),
                _str(r.get("pacing_profile")),
                "" if ok else f"{r['error_type']}: {' '.join(str(r['error']).split())}"[:60],
            ]
        )
    headers = ["source", "distance", "elapsed", "pace", "halves", "profile", "error"]
    text = _text_table(headers, rows) if rows else "no files"
    text += f"\n{len(table)} files, {errors} failed"
    return _emit(args, table=text, frame=table)


def _na(v: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _str(v: Any) -> str:
    return "-" if v is None or _na(v) else str(v)


# ---------------------------------------------------------------------- journal
JOURNAL_DOC = """A training journal in an SQLite file (kickanalysis.batch.journal.Journal):
add recordings idempotently (by content hash), list the runs with their summaries and
hard/easy labels (and warnings for hard days without an easy day between them), and find
earlier runs like a given one."""


def _journal(args: argparse.Namespace) -> Any:
    from ..batch.journal import Journal

    if not args.db:
        raise CliError("journal: give --db PATH (or set KICKANALYSIS_JOURNAL)")
    return Journal(args.db)


def cmd_journal_add(args: argparse.Namespace) -> int:
    """Add recordings to the journal; files it already holds (same content) are skipped."""
    with _journal(args) as journal:
        table = journal.add(args.sources, n_jobs=args.jobs, progress=sys.stderr.isatty())
    rows = []
    for r in table.itertuples():
        if not _na(r.error_type):
            what = f"failed: {r.error_type}: {' '.join(str(r.error).split())}"[:70]
        else:
            what = "added" if r.added else "already in the journal"
        rows.append([str(r.source), _str(r.activity_id), what])
    added = int(table["added"].fillna(False).sum())
    failed = int(table["error_type"].notna().sum())
    text = _text_table(["source", "id", "result"], rows) if rows else "no files"
    text += f"\n{added} added, {len(table) - added - failed} already there, {failed} failed"
    return _emit(args, table=text, frame=table)


def cmd_journal_list(args: argparse.Namespace) -> int:
    """List the runs in the journal, oldest first, with their hard/easy labels."""
    with _journal(args) as journal:
        table = journal.activities()
        warn = journal.hard_day_warnings()
    if args.last is not None:
        table = table.tail(max(0, args.last))
    units = _units(args)
    rows = []
    for r in table.itertuples():
        rows.append(
            [
                str(r.activity_id),
                "-" if _na(r.start_time) else r.start_time.strftime("%Y-%m-%d %H:%M"),
                format_distance(r.distance_m, units),
                format_duration(r.elapsed_s),
                format_pace(r.pace_s_per_km, units),
                "-" if _na(r.heart_rate_mean_bpm) else f"{r.heart_rate_mean_bpm:.0f}",
                _str(r.label),
                _str(r.pacing_profile),
                _str(r.source),
            ]
        )
    headers = ["id", "start (UTC)", "distance", "time", "pace", "HR", "label", "profile", "source"]
    text = _text_table(headers, rows) if rows else "the journal is empty"
    for message in warn["message"]:
        text += f"\nwarning: {message}"
    return _emit(args, table=text, frame=table)


def cmd_journal_similar(args: argparse.Namespace) -> int:
    """Earlier runs of the same kind as this one (same route, or same distance and type),
    and how pace, heart rate and kick compare."""
    run: Any = args.run
    if run.isdigit() and not os.path.exists(run):
        run = int(run)
    with _journal(args) as journal:
        table = journal.similar(run, n=args.n)
    units = _units(args)
    rows = []
    for r in table.itertuples():
        diff = r.pace_difference_s_per_km * (1.0 if units == "metric" else 1.609344)
        rows.append(
            [
                str(r.activity_id),
                r.start_time.strftime("%Y-%m-%d"),
                f"{r.days_before:.0f}",
                str(r.match),
                format_distance(r.distance_m, units),
                format_pace(r.pace_s_per_km, units),
                f"{diff:+.0f} s" if diff == diff else "-",
            ]
        )
    headers = ["id", "date", "days ago", "match", "distance", "pace", "now"]
    if rows:
        text = _text_table(headers, rows) + "\n\n" + "\n".join(table["sentence"].astype(str))
    else:
        text = "no similar earlier runs in the journal"
    return _emit(args, table=text, frame=table)
