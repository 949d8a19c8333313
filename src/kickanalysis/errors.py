"""Exceptions and warnings shared by every layer of kickanalysis.

Everything that goes wrong with the *input* is a :class:`KickAnalysisError`, so a caller
can catch one class; what was repaired or assumed while reading is a
:class:`DataQualityWarning`.
"""

from __future__ import annotations

__all__ = [
    "CorruptFileError",
    "DataQualityWarning",
    "EmptyActivityError",
    "KickAnalysisError",
    "UnknownFormatError",
]

SUPPORTED_FORMATS = ("fit", "gpx", "tcx")


class KickAnalysisError(Exception):
    """Base class of every error kickanalysis raises about its input."""


class UnknownFormatError(KickAnalysisError, ValueError):
    """The input is none of the supported formats.

    Parameters
    ----------
    source : str
        Name of the input (a path, ``"<bytes>"`` …).
    detail : str, optional
        What was seen instead.
    """

    def __init__(self, source: str = "<input>", detail: str = "") -> None:
        self.source = source
        self.supported = SUPPORTED_FORMATS
        msg = f"{source}: not a recognised activity file"
        if detail:
            msg += f" ({detail})"
        msg += f"; supported formats: {', '.join(SUPPORTED_FORMATS)} (optionally gzip-compressed)"
        super().__init__(msg)


class CorruptFileError(KickAnalysisError, ValueError):
    """The input has the right format but is damaged where it matters.

    Parameters
    ----------
    source : str
        Name of the input.
    message : str
        What is wrong.
    offset : int, optional
        Byte offset (binary formats) where the damage was found.
    line : int, optional
        Line number (text formats) where the damage was found.
    """

    def __init__(
        self,
        source: str,
        message: str,
        *,
        offset: int | None = None,
        line: int | None = None,
    ) -> None:
        self.source = source
        self.offset = offset
        self.line = line
        self.reason = message
        where = ""
        if offset is not None:
            where = f" at byte {offset}"
        elif line is not None:
            where = f" at line {line}"
        super().__init__(f"{source}{where}: {message}")


class EmptyActivityError(KickAnalysisError, ValueError):
    """The input is well formed but holds no samples to analyse.

    Parameters
    ----------
    source : str
        Name of the input (kept as ``source``).
    message : str
        What is missing (kept as ``reason``, as in :class:`CorruptFileError`).
    """

    def __init__(self, source: str, message: str = "no samples in the recording") -> None:
        self.source = source
        self.reason = message
        super().__init__(f"{source}: {message}")


class DataQualityWarning(UserWarning):
    """Something in the input was repaired, dropped or assumed while reading."""


class WarningLog:
    """Collects the data-quality warnings of one read and applies ``strict``.

    Readers call :meth:`repaired` for damage they worked around (raises
    :class:`CorruptFileError` when ``strict``) and :meth:`assumed` for assumptions that
    are not damage (always a warning). The messages end up in ``Activity.meta.warnings``.
    """

    def __init__(self, source: str, *, strict: bool = False) -> None:
        self.source = source
        self.strict = strict
        self.messages: list[str] = []

    def repaired(self, message: str, *, offset: int | None = None, line: int | None = None) -> None:
        """Report damage that was worked around (an error when ``strict``)."""
        if self.strict:
            raise CorruptFileError(self.source, message, offset=offset, line=line)
        where = f" at byte {offset}" if offset is not None else ""
        if line is not None:
            where = f" at line {line}"
        self._emit(f"{self.source}{where}: {message}")

    def assumed(self, message: str) -> None:
        """Report an assumption made about the data (never an error)."""
        self._emit(f"{self.source}: {message}")

    def _emit(self, text: str) -> None:
        import warnings

        if text not in self.messages:
            self.messages.append(text)
            warnings.warn(text, DataQualityWarning, stacklevel=4)
