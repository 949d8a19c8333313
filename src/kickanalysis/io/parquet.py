"""An Activity saved to one Parquet file and loaded back whole: records, laps and meta.

The records are the file's table; the laps (as an Arrow IPC stream) and the metadata
(as tagged JSON, so timestamps, bytes and tuples come back as they were) travel in the
table's key-value metadata under ``kickanalysis.*`` keys. Needs pyarrow (the ``parquet``
extra), imported on first use.
"""

from __future__ import annotations

import base64
import json
import os
from typing import TYPE_CHECKING, Any

from ..errors import CorruptFileError

if TYPE_CHECKING:
    from ..activity import Activity

__all__ = ["read_parquet", "write_parquet"]

_KEY_META = b"kickanalysis.meta"
_KEY_LAPS = b"kickanalysis.laps"
_KEY_VERSION = b"kickanalysis.version"
_VERSION = b"1"


def _pyarrow() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            'saving activities to Parquet needs pyarrow: pip install "kickanalysis[parquet]"'
        ) from exc
    return pa


def _encode(value: Any) -> Any:
    """A JSON-ready form of a metadata value, tagging what JSON would lose."""
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.Timestamp):
        return {"__timestamp__": value.isoformat()}
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict) or hasattr(value, "items"):
        return {"__dict__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, np.generic):
        return _encode(value.item())
    if isinstance(value, np.ndarray):
        return [_encode(v) for v in value.tolist()]
    if isinstance(value, float) and value != value:
        return {"__nan__": True}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"__repr__": repr(value)}  # kept readable, not as an object


def _decode(value: Any) -> Any:
    import pandas as pd

    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__timestamp__" in value:
        return pd.Timestamp(value["__timestamp__"])
    if "__bytes__" in value:
        return base64.b64decode(value["__bytes__"])
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_decode(k): _decode(v) for k, v in value["__dict__"]}
    if "__nan__" in value:
        return float("nan")
    if "__repr__" in value:
        return value["__repr__"]
    raise ValueError(f"unknown tag in saved metadata: {sorted(value)}")


def write_parquet(activity: Activity, path: str | os.PathLike[str]) -> None:
    """Save an activity to one Parquet file, laps and metadata included.

    Parameters
    ----------
    activity : Activity
        What to save.
    path : str or os.PathLike
        The file to write (replaced if it exists).

    Examples
    --------
    >>> import os, tempfile
    >>> import kickanalysis as ka
    >>> act = ka.read("data/samples/race_5k_kick.fit")
    >>> path = os.path.join(tempfile.mkdtemp(), "race.parquet")
    >>> ka.write_parquet(act, path)
    >>> back = ka.read_parquet(path)
    >>> back.records.equals(act.records), back.laps.equals(act.laps), back.meta == act.meta
    (True, True, True)
    """
    pa = _pyarrow()
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(activity.records, preserve_index=True)
    sink = pa.BufferOutputStream()
    laps = pa.Table.from_pandas(activity.laps, preserve_index=False)
    with pa.ipc.new_stream(sink, laps.schema) as writer:
        writer.write_table(laps)
    meta = {k: getattr(activity.meta, k) for k in activity.meta.__dataclass_fields__}
    extra = {
        _KEY_VERSION: _VERSION,
        _KEY_META: json.dumps(_encode(meta)).encode("utf-8"),
        _KEY_LAPS: base64.b64encode(sink.getvalue().to_pybytes()),
    }
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
    pq.write_table(table, os.fspath(path))


def read_parquet(path: str | os.PathLike[str]) -> Activity:
    """Load an activity saved by :func:`write_parquet`.

    Parameters
    ----------
    path : str or os.PathLike
        The Parquet file.

    Returns
    -------
    Activity
        The records, laps and metadata as they were saved.

    Raises
    ------
    CorruptFileError
        Not a Parquet file, or not one written by :func:`write_parquet`.

    Examples
    --------
    See :func:`write_parquet`.
    """
    pa = _pyarrow()
    import pyarrow.parquet as pq

    from ..activity import Activity, Meta

    name = os.fspath(path)
    try:
        table = pq.read_table(name)
    except (pa.ArrowException, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise CorruptFileError(name, f"not a readable Parquet file: {exc}") from exc
    saved = table.schema.metadata or {}
    if _KEY_META not in saved or _KEY_LAPS not in saved:
        raise CorruptFileError(name, "a Parquet file, but not an activity saved by kickanalysis")
    try:
        meta = _decode(json.loads(saved[_KEY_META]))
        with pa.ipc.open_stream(base64.b64decode(saved[_KEY_LAPS])) as reader:
            laps = reader.read_all().to_pandas()
    except (ValueError, TypeError, pa.ArrowException) as exc:
        raise CorruptFileError(name, f"damaged kickanalysis metadata: {exc}") from exc
    records = table.to_pandas()
    return Activity(records=records, laps=laps, meta=Meta(**meta))
