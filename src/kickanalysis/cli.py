"""The ``kickanalysis`` command line: thin formatting over the library's functions."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from .errors import DataQualityWarning, KickAnalysisError


def _pace(speed_mps: float) -> str:
    if not speed_mps or speed_mps != speed_mps or speed_mps <= 0:
        return "-"
    s = round(1000.0 / speed_mps)
    return f"{s // 60}:{s % 60:02d}/km"


def _duration(seconds: float) -> str:
    if seconds != seconds:
        return "-"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def cmd_info(args: argparse.Namespace) -> int:
    """Print what a recording holds: device, sport, totals, columns, laps, warnings."""
    from .io import read

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always", DataQualityWarning)
        act = read(args.file)
    rec, meta = act.records, act.meta
    dist = float(rec["distance_m"].max()) if len(rec) else float("nan")
    elapsed = float(rec["elapsed_s"].max()) if len(rec) else float("nan")
    lines = [
        f"file        {meta.source} ({meta.format})",
        f"sport       {'/'.join(s for s in (meta.sport, meta.sub_sport) if s) or '-'}",
        f"device      {meta.device or '-'}",
        f"start       {meta.start_time if meta.start_time is not None else '-'}",
        f"samples     {len(rec)}",
        f"distance    {dist / 1000:.2f} km" if dist == dist else "distance    -",
        f"elapsed     {_duration(elapsed)}",
        f"avg pace    {_pace(dist / elapsed) if elapsed and dist == dist else '-'}",
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
        print("   #  distance      time    pace      HR")
        for lap in act.laps.itertuples():
            hr = (
                f"{lap.heart_rate_mean_bpm:.0f}"
                if lap.heart_rate_mean_bpm == lap.heart_rate_mean_bpm
                else "-"
            )
            print(
                f"{lap.split:4d}  {lap.distance_m / 1000:6.2f} km  {_duration(lap.duration_s):>8}"
                f"  {_pace(lap.speed_mps):>9}  {hr:>4}"
            )
    for w in meta.warnings:
        print(f"warning: {w}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kickanalysis",
        description="Analyse GPS-watch recordings (FIT, GPX, TCX).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    info = sub.add_parser("info", help="what a recording holds", description=cmd_info.__doc__)
    info.add_argument("file", help="a .fit, .gpx or .tcx file (optionally .gz)")
    info.set_defaults(func=cmd_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (KickAnalysisError, OSError) as exc:
        print(f"kickanalysis: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
