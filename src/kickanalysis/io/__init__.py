"""Readers: one entry point that sniffs the format, and one per format."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .source import Source, load, sniff

if TYPE_CHECKING:
    from ..activity import Activity
    from .fit.encode import write_fit
    from .gpx_writer import write_gpx

__all__ = ["read", "read_fit", "read_gpx", "read_tcx", "write_fit", "write_gpx"]


def read(source: Source, *, format: str | None = None, **kwargs: Any) -> Activity:
    """Read an activity recording of any supported format.

    The format is recognised from the content (FIT header, XML root element), never from
    the file name; gzip-compressed input is decompressed transparently.

    Parameters
    ----------
    source : str, os.PathLike, bytes or binary file object
        The recording.
    format : {"fit", "gpx", "tcx"}, optional
        Skip sniffing and read as this format.
    **kwargs
        Passed to the format's reader (``engine=``, ``strict=`` …).

    Returns
    -------
    Activity
        Records, laps and metadata.

    Raises
    ------
    UnknownFormatError
        The content is not FIT, GPX or TCX.
    CorruptFileError
        The content is damaged beyond recovery (or at all, with ``strict=True``).
    EmptyActivityError
        The file holds no samples.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> act = ka.read("data/samples/race_5k_kick.fit")  # doctest: +SKIP
    >>> act.meta.sport  # doctest: +SKIP
    'running'
    """
    data, name = load(source)
    fmt = sniff(data, name) if format is None else format.lower()
    if fmt == "fit":
        from .fit import fit_from_bytes

        return fit_from_bytes(data, name, **kwargs)
    if fmt == "gpx":
        from .gpx import gpx_from_bytes

        return gpx_from_bytes(data, name, **kwargs)
    if fmt == "tcx":
        from .tcx import tcx_from_bytes

        return tcx_from_bytes(data, name, **kwargs)
    from ..errors import UnknownFormatError

    raise UnknownFormatError(name, f"format={format!r} was asked for")


def read_fit(
    source: Source, *, engine: str = "native", strict: bool = False, **kwargs: Any
) -> Activity:
    """Read a Garmin FIT file.

    Parameters
    ----------
    source : str, os.PathLike, bytes or binary file object
        The FIT file (optionally gzip-compressed).
    engine : {"native", "fitparse"}
        ``"native"`` is kickanalysis' own columnar decoder; ``"fitparse"`` reads through
        the fitparse library into the same :class:`Activity` shape.
    strict : bool
        Raise :class:`CorruptFileError` on any damage (bad CRC, truncation) instead of
        returning what could be recovered with a :class:`DataQualityWarning`.

    Returns
    -------
    Activity

    Examples
    --------
    >>> import kickanalysis as ka
    >>> act = ka.read_fit("data/samples/race_5k_kick.fit")  # doctest: +SKIP
    """
    return read(source, format="fit", engine=engine, strict=strict, **kwargs)


def read_gpx(
    source: Source, *, engine: str = "native", strict: bool = False, **kwargs: Any
) -> Activity:
    """Read a GPX file (tracks, or a route for a course).

    Parameters
    ----------
    source : str, os.PathLike, bytes or binary file object
        The GPX document (optionally gzip-compressed).
    engine : {"native", "gpxpy"}
        ``"native"`` is kickanalysis' own safe, fast parser; ``"gpxpy"`` reads through
        gpxpy into the same :class:`Activity` shape.
    strict : bool
        Raise instead of repairing damaged input.

    Returns
    -------
    Activity

    Examples
    --------
    >>> import kickanalysis as ka
    >>> act = ka.read_gpx("data/samples/race_5k_kick.gpx")  # doctest: +SKIP
    """
    return read(source, format="gpx", engine=engine, strict=strict, **kwargs)


def read_tcx(source: Source, *, strict: bool = False, **kwargs: Any) -> Activity:
    """Read a Garmin Training Center (TCX) file.

    Parameters
    ----------
    source : str, os.PathLike, bytes or binary file object
        The TCX document (optionally gzip-compressed).
    strict : bool
        Raise instead of repairing damaged input.

    Returns
    -------
    Activity

    Examples
    --------
    >>> import kickanalysis as ka
    >>> act = ka.read_tcx("run.tcx")  # doctest: +SKIP
    """
    return read(source, format="tcx", strict=strict, **kwargs)


def __getattr__(name: str) -> Any:
    # writers load on first use, so reading never imports them
    if name == "write_fit":
        from .fit.encode import write_fit

        return write_fit
    if name == "write_gpx":
        from .gpx_writer import write_gpx

        return write_gpx
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
