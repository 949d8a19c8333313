"""The data model every reader returns and every analysis accepts."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Activity", "Meta"]


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value or {}))


@dataclass(frozen=True)
class Meta:
    """What a recording says about itself.

    Attributes
    ----------
    format : str
        ``"fit"``, ``"gpx"`` or ``"tcx"`` for a file; ``"sim"`` for a simulated run.
    source : str
        File name, or ``"<bytes>"`` / ``"<stream>"``.
    sport, sub_sport : str or None
        As the device recorded them (FIT enum names; TCX ``Sport``; GPX ``type``).
    manufacturer, product : str or None
        Device maker and model (FIT ``file_id`` / ``device_info``, GPX ``creator``).
    serial_number : int or None
        Device serial number where recorded.
    start_time : pandas.Timestamp or None
        Start of the activity (UTC).
    pauses : tuple of (pandas.Timestamp, pandas.Timestamp)
        Timer pauses (FIT timer stop → start) and recording gaps (GPX segment breaks).
    warnings : tuple of str
        Every :class:`~kickanalysis.errors.DataQualityWarning` raised while reading.
    name : str or None
        Activity name where the file has one.
    extra : Mapping
        Anything else the reader found (session totals, file versions, …).
    """

    format: str
    source: str
    sport: str | None = None
    sub_sport: str | None = None
    manufacturer: str | None = None
    product: str | None = None
    serial_number: int | None = None
    start_time: pd.Timestamp | None = None
    pauses: tuple[tuple[pd.Timestamp, pd.Timestamp], ...] = ()
    warnings: tuple[str, ...] = ()
    name: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra", _frozen_mapping(self.extra))
        object.__setattr__(self, "pauses", tuple(tuple(p) for p in self.pauses))
        object.__setattr__(self, "warnings", tuple(self.warnings))

    @property
    def device(self) -> str | None:
        """Manufacturer and product as one readable string."""
        parts = [p for p in (self.manufacturer, self.product) if p]
        return " ".join(parts) if parts else None

    def to_dict(self) -> dict[str, Any]:
        """Return the metadata as a plain dict (``extra`` flattened in as a dict)."""
        return {
            "format": self.format,
            "source": self.source,
            "sport": self.sport,
            "sub_sport": self.sub_sport,
            "manufacturer": self.manufacturer,
            "product": self.product,
            "serial_number": self.serial_number,
            "start_time": self.start_time,
            "pauses": list(self.pauses),
            "warnings": list(self.warnings),
            "name": self.name,
            "extra": dict(self.extra),
        }


def _fmt_duration(seconds: float) -> str:
    if seconds != seconds:  # NaN
        return "?"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


@dataclass(frozen=True, repr=False)
class Activity:
    """One recording: samples, device laps and metadata.

    Attributes
    ----------
    records : pandas.DataFrame
        One row per sample, indexed by a sorted tz-aware UTC ``DatetimeIndex`` named
        ``time``; the core columns of :data:`kickanalysis.schema.RECORD_COLUMNS` are always
        present (float64, SI units, NaN where absent), extra fields follow.
    laps : pandas.DataFrame
        Device laps with the columns of :data:`kickanalysis.schema.SPLIT_COLUMNS`
        (empty when the file has none).
    meta : Meta
        What the file says about itself.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> act = ka.read("data/samples/race_5k_kick.fit")  # doctest: +SKIP
    >>> act.records[["distance_m", "speed_mps"]].tail(1)  # doctest: +SKIP
    """

    records: pd.DataFrame
    laps: pd.DataFrame
    meta: Meta

    # -- summaries used by the reprs -------------------------------------------------
    def _summary(self) -> dict[str, str]:
        rec = self.records
        n = len(rec)
        duration = float(rec["elapsed_s"].iloc[-1]) if n else float("nan")
        dist = rec["distance_m"].max() if n else float("nan")
        start = self.meta.start_time
        if start is None and n:
            start = rec.index[0]
        return {
            "format": self.meta.format,
            "source": self.meta.source,
            "sport": "/".join(s for s in (self.meta.sport, self.meta.sub_sport) if s) or "?",
            "device": self.meta.device or "?",
            "start": start.strftime("%Y-%m-%d %H:%M:%S UTC") if start is not None else "?",
            "duration": _fmt_duration(duration),
            "distance": f"{dist / 1000:.2f} km" if dist == dist else "?",
            "samples": str(n),
            "laps": str(len(self.laps)),
            "columns": ", ".join(c for c in rec.columns if rec[c].notna().any()) or "-",
            "warnings": str(len(self.meta.warnings)),
        }

    def __repr__(self) -> str:
        s = self._summary()
        return (
            f"<Activity {s['format']} {s['source']!r}: {s['sport']}, {s['start']}, "
            f"{s['distance']} in {s['duration']}, {s['samples']} samples, {s['laps']} laps, "
            f"device {s['device']}, {s['warnings']} warnings>"
        )

    def _repr_html_(self) -> str:
        s = self._summary()
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in s.items()
        )
        return f"<table><caption>Activity</caption>{rows}</table>"
