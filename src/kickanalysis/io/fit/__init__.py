"""Garmin FIT: kickanalysis' own columnar decoder, and fitparse as an alternative engine."""

from __future__ import annotations

from ...activity import Activity
from ...errors import EmptyActivityError, WarningLog


def fit_from_bytes(
    data: bytes, name: str, *, engine: str = "native", strict: bool = False
) -> Activity:
    """Read FIT bytes into an :class:`Activity` (see :func:`kickanalysis.read_fit`)."""
    log = WarningLog(name, strict=strict)
    if engine == "native":
        from .build import NEEDED, build_activity
        from .decode import decode

        fit = decode(data, name, log, only=NEEDED)
        if not fit.counts:
            raise EmptyActivityError(name, "the FIT file holds no messages")
        return build_activity(fit, name, log)
    if engine == "fitparse":
        from .fitparse_engine import read_with_fitparse

        return read_with_fitparse(data, name, log)
    raise ValueError(f"unknown FIT engine {engine!r}; use 'native' or 'fitparse'")


__all__ = ["fit_from_bytes"]
