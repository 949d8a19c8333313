"""The ``kickanalysis`` command line: thin formatting over the library's functions.

Every command reads its input with :func:`kickanalysis.read`, calls the library and
prints the result: a readable table (``--format table``, the default; paces per km or,
with ``--units imperial``, per mile), or the underlying table or record in SI units for
scripts (``--format csv`` / ``--format json``). Bad input ends with exit status 1 (2 for
bad arguments) and one line ``kickanalysis: error: ...`` on stderr.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Sequence

from ..errors import KickAnalysisError
from . import commands
from ._args import CliError, clock_time, every_distance, every_length, finish_point
from .commands import cmd_info

__all__ = ["build_parser", "cmd_info", "main"]

_EPILOG = (
    "Paces are m:ss per km (per mile with --units imperial). --format csv/json print the "
    "underlying data in SI units (metres, seconds, m/s, s/km) for scripts."
)


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error message (and exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"kickanalysis: error: {message} (see '{self.prog} --help')\n")


def _output_options(defaults: bool) -> argparse.ArgumentParser:
    """--units and --format, accepted before and after the command name."""
    parent = _Parser(add_help=False)
    group = parent.add_argument_group("output options")
    group.add_argument(
        "--units",
        choices=("metric", "imperial"),
        default="metric" if defaults else argparse.SUPPRESS,
        help="paces per km and distances in km (metric, default), or per mile and in "
        "miles (imperial); also the default split length (1 km or 1 mi)",
    )
    group.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table" if defaults else argparse.SUPPRESS,
        help="table: readable text (default); csv, json: the underlying data in SI units",
    )
    return parent


def _db_option(defaults: bool) -> argparse.ArgumentParser:
    parent = _Parser(add_help=False)
    parent.add_argument(
        "--db",
        metavar="PATH",
        default=os.environ.get("KICKANALYSIS_JOURNAL") if defaults else argparse.SUPPRESS,
        help="the journal's SQLite file, created when missing (default: $KICKANALYSIS_JOURNAL)",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``kickanalysis`` command (all subcommands)."""
    parser = _Parser(
        prog="kickanalysis",
        description="Analyse GPS-watch recordings (FIT, GPX, TCX, optionally gzipped): "
        "splits, pacing, strides, intervals, the final kick, pacing plans, batches and a "
        "training journal.",
        epilog=_EPILOG,
        parents=[_output_options(True)],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    out = [_output_options(False)]

    def add(name: str, func, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name, help=help, description=func.__doc__.strip(), epilog=_EPILOG, parents=out
        )
        p.set_defaults(func=func)
        return p

    file_help = "a .fit, .gpx or .tcx file (optionally .gz)"
    info = add("info", cmd_info, "what a recording holds")
    info.add_argument("file", help=file_help)

    p = add("splits", commands.cmd_splits, "splits every km, mile, distance or time")
    p.add_argument("file", help=file_help)
    p.add_argument(
        "--every",
        type=every_length,
        metavar="LENGTH",
        help="split length: 1km, 1mi, 400m, 5min, 90s, or metres as a number "
        "(default 1km, or 1mi with --units imperial)",
    )

    p = add("kick", commands.cmd_kick, "the final kick of a race")
    p.add_argument("file", help=file_help)
    p.add_argument(
        "--finish",
        type=finish_point,
        metavar="WHERE",
        help="where the race ended when the recording goes on: a distance (5km, 10mi, "
        "or metres) or a time since the start (25:00, 1:25:00, 25min)",
    )

    p = add("strides", commands.cmd_strides, "strides (short surges) in a run")
    p.add_argument("file", help=file_help)

    p = add("intervals", commands.cmd_intervals, "the work intervals of speedwork")
    p.add_argument("file", help=file_help)

    p = add("report", commands.cmd_report, "everything about one run")
    p.add_argument("file", help=file_help)
    p.add_argument(
        "--every", type=every_length, metavar="LENGTH", help="split length, as for splits"
    )
    p.add_argument("--finish", type=finish_point, metavar="WHERE", help="as for kick")
    p.add_argument(
        "--html",
        metavar="OUT",
        help="write a self-contained HTML report (plots embedded) to OUT instead of text",
    )

    p = add("plan", commands.cmd_plan, "a pacing plan for a course and a goal time")
    p.add_argument("course", help="the course: a GPX route or track (or any recording)")
    p.add_argument(
        "--goal",
        type=clock_time,
        required=True,
        metavar="TIME",
        help="goal time: 45:00, 1:35:00, 2700 (seconds), 45min",
    )
    p.add_argument(
        "--every",
        type=every_distance,
        metavar="LENGTH",
        help="split length by distance: 1km, 1mi, 400m, metres (default 1km or 1mi)",
    )
    p.add_argument(
        "--strategy",
        choices=("even_effort", "even_pace", "negative"),
        help="even_effort: the same effort on the hills (default); even_pace: the same "
        "pace everywhere; negative: a faster second half (see --negative-pct)",
    )
    p.add_argument(
        "--negative-pct",
        type=float,
        metavar="PCT",
        help="with --strategy negative: how much faster the second half is [%%] "
        "(default 2; implies --strategy negative)",
    )
    p.add_argument(
        "--compare",
        metavar="RUN",
        help="a recording of the race: show how it went against the plan, split by split",
    )

    p = add("batch", commands.cmd_batch, "one summary row per file, for many files")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, folders, zip archives, globs")
    p.add_argument(
        "--out",
        metavar="FILE",
        help="write the table to FILE (.csv, .csv.gz or .parquet; Parquet needs pyarrow) "
        "instead of printing it",
    )
    p.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: CPUs)")
    p.add_argument(
        "--engine",
        choices=("processes", "dask", "serial"),
        default="processes",
        help="processes (default), dask (a local dask.distributed cluster) or serial",
    )

    journal = sub.add_parser(
        "journal",
        help="a training journal in an SQLite file",
        description=commands.JOURNAL_DOC,
        epilog=_EPILOG,
        parents=[*out, _db_option(True)],
    )
    jsub = journal.add_subparsers(dest="journal_command", required=True, metavar="ACTION")
    jout = [*out, _db_option(False)]
    j = jsub.add_parser(
        "add",
        help="add recordings (re-adding is a no-op)",
        description=commands.cmd_journal_add.__doc__.strip(),
        parents=jout,
    )
    j.add_argument(
        "sources", nargs="+", metavar="SOURCE", help="files, folders, zip exports, globs"
    )
    j.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: CPUs)")
    j.set_defaults(func=commands.cmd_journal_add)
    j = jsub.add_parser(
        "list",
        help="the runs with their summaries and hard/easy labels",
        description=commands.cmd_journal_list.__doc__.strip(),
        parents=jout,
    )
    j.add_argument("--last", type=int, metavar="N", help="only the N most recent runs")
    j.set_defaults(func=commands.cmd_journal_list)
    j = jsub.add_parser(
        "similar",
        help="earlier runs like this one, and how this one compares",
        description=commands.cmd_journal_similar.__doc__.strip(),
        parents=jout,
    )
    j.add_argument("run", metavar="FILE", help="a recording (or a journal activity id)")
    j.add_argument("-n", type=int, default=5, help="at most N runs (default 5)")
    j.set_defaults(func=commands.cmd_journal_similar)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 on bad input (a one-line message on stderr), 2 on bad arguments.

    Examples
    --------
    >>> main(["splits", "data/samples/race_5k_kick.fit", "--format", "csv"])  # doctest: +ELLIPSIS
    split,start_time,end_time,...
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # e.g. piped into head
        return 0
    except KeyError as exc:
        print(f"kickanalysis: error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 1
    except (
        KickAnalysisError,
        CliError,
        OSError,
        ValueError,
        ImportError,
        sqlite3.Error,
    ) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"kickanalysis: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
