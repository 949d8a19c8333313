"""Parsing of the command line's values: split lengths, clock times, finish points."""

from __future__ import annotations

import argparse
import re
from typing import Any

__all__ = ["CliError", "clock_time", "every_distance", "every_length", "finish_point"]

_CLOCK = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d*)?)\s*$")


class CliError(Exception):
    """A problem with the command's input that is not the library's (one-line message)."""


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def every_length(text: str) -> float | str:
    """A split length: metres as a number, or ``1km``, ``1mi``, ``400m``, ``5min`` …

    Examples
    --------
    >>> every_length("1mi"), every_length("400")
    ('1mi', 400.0)
    """
    from ..analysis.splits import parse_every

    value = _number(text)
    try:
        parse_every(value if value is not None else text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value if value is not None else text


def every_distance(text: str) -> float | str:
    """A split length by distance only (a pacing plan splits by distance).

    Examples
    --------
    >>> every_distance("1km")
    '1km'
    """
    from ..analysis.splits import parse_every

    every = every_length(text)
    if parse_every(every)[0] != "distance":
        raise argparse.ArgumentTypeError(f"{text!r}: a plan splits by distance (e.g. 1km, 1mi)")
    return every


def clock_time(text: str) -> float:
    """A time [s] from ``mm:ss``, ``h:mm:ss``, seconds, or ``45min`` / ``2700s`` / ``1h``.

    Examples
    --------
    >>> clock_time("45:00"), clock_time("1:35:30"), clock_time("2700"), clock_time("45min")
    (2700.0, 5730.0, 2700.0, 2700.0)
    """
    from ..analysis.splits import parse_every

    m = _CLOCK.match(text)
    if m:
        h, mins, secs = int(m.group(1) or 0), int(m.group(2)), float(m.group(3))
        if (m.group(1) is not None and mins >= 60) or secs >= 60:
            raise argparse.ArgumentTypeError(f"{text!r}: not a time (minutes and seconds < 60)")
        value = 3600.0 * h + 60.0 * mins + secs
    else:
        value = _number(text)
        if value is None:
            try:
                kind, value = parse_every(text)
            except ValueError:
                kind = "bad"
            if kind != "time":
                raise argparse.ArgumentTypeError(
                    f"{text!r}: not a time; use e.g. 45:00, 1:35:00, 2700 or 45min"
                ) from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the time must be positive")
    return float(value)


def finish_point(text: str) -> Any:
    """Where a race ended: a distance (``5km``, metres) or a time (``25:00``, ``25min``).

    Returns what :func:`kickanalysis.detect_kick` takes as ``finish``: metres (float),
    a string with a unit, or a :class:`pandas.Timedelta` for a clock time.

    Examples
    --------
    >>> finish_point("5km"), finish_point("25:00")
    ('5km', Timedelta('0 days 00:25:00'))
    """
    if ":" in text:
        import pandas as pd

        return pd.Timedelta(seconds=clock_time(text))
    return every_length(text)
