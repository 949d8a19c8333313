"""``engine="fitparse"``: read FIT through the fitparse library into the same Activity.

fitparse decodes message by message in Python; its messages are turned into the same
column tables the native decoder produces, so one builder serves both engines and the
two can be compared value for value.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import numpy as np

from ...activity import Activity
from ...errors import EmptyActivityError, WarningLog
from . import _profile
from .build import build_activity
from .decode import Column, FitData, MessageTable

_FIT_EPOCH = dt.datetime(1989, 12, 31)


def _number(field: Any) -> float | None:
    value, raw = field.value, field.raw_value
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return (value - _FIT_EPOCH).total_seconds()
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)  # enum: fitparse gives the name, the builder wants the number
    return None


def _collect(ff: Any, rows: dict[int, list[dict[str, Any]]], units: dict) -> None:
    """Append fitparse's messages to *rows* as {profile field name: number or text}."""
    for message in ff.get_messages():
        num = message.mesg_num
        if num is None:
            continue
        profile = _profile.MESSAGES.get(num, ("", {}))[1]
        row: dict[str, Any] = {}
        # fields the file carries first, then fitparse's component expansions (which
        # may repeat a name, e.g. speed -> enhanced_speed, with the 16-bit value)
        for field in sorted(message.fields, key=lambda f: f.field_def is None):
            is_dev = type(field.field_def).__name__ == "DevFieldDefinition"
            if is_dev:
                key = "dev:" + str(field.name)
            elif field.def_num in profile:
                key = profile[field.def_num][0]
            else:
                key = str(field.name)
            if isinstance(field.value, str) and (
                field.raw_value is None or isinstance(field.raw_value, str)
            ):
                row.setdefault(key, field.value)
                continue
            if isinstance(field.value, (tuple, list)):
                numbers = [v for v in field.value if isinstance(v, (int, float, type(None)))]
                if len(numbers) == len(field.value) and "arr:" + key not in row:
                    row["arr:" + key] = [np.nan if v is None else float(v) for v in numbers]
                continue
            value = _number(field)
            if value is not None and key not in row:
                row[key] = value
                if field.units:
                    units[(num, key)] = str(field.units)
        rows.setdefault(num, []).append(row)


def read_with_fitparse(data: bytes, name: str, log: WarningLog) -> Activity:
    """Decode *data* with fitparse and build an :class:`Activity` from it."""
    import fitparse
    from fitparse.utils import FitCRCError, FitHeaderError

    rows: dict[int, list[dict[str, Any]]] = {}
    units: dict[tuple[int, str], str] = {}
    try:
        _collect(fitparse.FitFile(io.BytesIO(data), check_crc=True), rows, units)
    except (FitCRCError, FitHeaderError) as exc:
        log.repaired(f"fitparse: {exc}")
        if not rows:  # a bad header CRC stops fitparse before any message
            try:
                _collect(fitparse.FitFile(io.BytesIO(data), check_crc=False), rows, units)
            except Exception as again:
                log.repaired(f"fitparse stopped ({type(again).__name__}: {again})")
    except Exception as exc:  # fitparse raises its own errors and, on odd types, others
        log.repaired(
            f"fitparse stopped ({type(exc).__name__}: {exc}); the messages before it are kept"
        )
    if not rows:
        raise EmptyActivityError(name, "the FIT file holds no messages")
    tables: dict[int, MessageTable] = {}
    for num, msgs in rows.items():
        n = len(msgs)
        keys = {k for m in msgs for k in m if not k.startswith("arr:")}
        columns: dict[str, Column] = {}
        arrays: dict[str, np.ndarray] = {}
        for akey in sorted({k for m in msgs for k in m if k.startswith("arr:")}):
            key = akey[4:]
            cells = [m.get(akey, [m[key]] if isinstance(m.get(key), float) else []) for m in msgs]
            matrix = np.full((n, max(len(c) for c in cells) or 1), np.nan)
            for i, c in enumerate(cells):
                matrix[i, : len(c)] = c
            arrays[key] = matrix
        for key in sorted(keys):
            sample = next(m[key] for m in msgs if key in m)
            if isinstance(sample, str):
                values = np.array([m.get(key) for m in msgs], dtype=object)
            else:
                values = np.array(
                    [
                        m.get(key, np.nan) if not isinstance(m.get(key), str) else np.nan
                        for m in msgs
                    ],
                    dtype=np.float64,
                )
            cname = key[4:] if key.startswith("dev:") else key
            ftype = _profile.MESSAGES.get(num, ("", {}))[1]
            ftype = next((f[1] for f in ftype.values() if f[0] == key), "")
            columns[key] = Column(cname, values, units.get((num, key), ""), ftype)
        mname = _profile.MESSAGES.get(num, (f"unknown_{num}", {}))[0]
        tables[num] = MessageTable(num, mname, np.arange(n, dtype=np.int64), columns, arrays)
    protocol, profile_version = data[1], int.from_bytes(data[2:4], "little")
    header = {"offset": 0, "protocol_version": protocol, "profile_version": profile_version}
    fit = FitData(tables, [header], len(data))
    return build_activity(fit, name, log)


__all__ = ["read_with_fitparse"]
