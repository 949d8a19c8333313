"""A training journal: every run of an athlete in one SQLite file, with its summary.

:class:`Journal` keeps one row per activity (identified by the SHA-256 of its content, so
adding a file again, or the same run gzipped, changes nothing) with the columns of
:func:`~kickanalysis.summarize` and a few numbers of its own (where the run started and
ended, how fast the hardest 15 % of it was). On top of that it answers the questions of a
training log: weekly volume, a hard/easy label per run, warnings when hard days follow
each other, and :meth:`Journal.similar` — "the same workout three months ago: am I
faster?".

Storage is the standard library's :mod:`sqlite3`: no server, one file (plus SQLite's
``-wal`` and ``-shm`` files while it is open). Each file is added in one transaction, so
an error or a killed process never leaves half an activity behind, and several processes
may add to the same journal at once (WAL mode, a busy timeout, and a UNIQUE content hash).
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import os
import sqlite3
import time
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import EmptyActivityError, KickAnalysisError
from .run import _crash_row, _processes, _serial, with_progress
from .sources import Item, PathLike, expand_sources, read_item_bytes

if TYPE_CHECKING:
    import pandas as pd

    from ..activity import Activity

__all__ = [
    "ADD_COLUMNS",
    "FEATURE_DTYPES",
    "SCHEMA_VERSION",
    "Journal",
    "JournalError",
]

#: Version of the database layout; a journal written by a newer layout is refused.
SCHEMA_VERSION = 1

#: Columns of :meth:`Journal.add`'s result.
ADD_COLUMNS: dict[str, str] = {
    "source": "string",
    "activity_id": "Int64",
    "added": "boolean",
    "sha256": "string",
    "error_type": "string",
    "error": "string",
}

#: What the journal measures itself on each run, next to the summary columns.
FEATURE_DTYPES: dict[str, str] = {
    "start_lat_deg": "float64",
    "start_lon_deg": "float64",
    "mid_lat_deg": "float64",
    "mid_lon_deg": "float64",
    "end_lat_deg": "float64",
    "end_lon_deg": "float64",
    "gap_speed_median_mps": "float64",
    "gap_speed_p85_mps": "float64",
    "heart_rate_p85_bpm": "float64",
}

#: Columns :meth:`Journal.activities` adds after the stored ones.
LABEL_DTYPES: dict[str, str] = {
    "easy_speed_mps": "float64",
    "speed_ratio": "float64",
    "heart_rate_ratio": "float64",
    "label": "string",
    "label_reason": "string",
    "hard_after_hard": "boolean",
}

#: Summary columns that hold the number of interval repetitions, when summarize() has
#: one (the first present is used).
INTERVAL_REPS_COLUMNS = (
    "interval_reps",
    "intervals",
    "intervals_reps",
    "interval_count",
    "intervals_count",
    "n_intervals",
)
#: Summary columns that hold the kick's speed gain [%], when summarize() has one.
KICK_GAIN_COLUMNS = ("kick_gain_pct", "kick_speed_increase_pct", "kick_gap_gain_pct")

#: Window of the per-run speed and heart-rate distribution [s of moving time].
WINDOW_S = 30.0
#: Trailing window of runs that sets the athlete's easy speed [days].
EASY_WINDOW_DAYS = 42.0
#: Fewest runs in that window; with fewer, all runs of the sport are used.
EASY_MIN_RUNS = 5
#: Speed ratios (hardest-15 % grade-adjusted speed / easy speed) for moderate and hard.
MODERATE_SPEED_RATIO = 1.07
HARD_SPEED_RATIO = 1.15
#: Heart-rate ratios (hardest-15 % heart rate / observed maximum) for moderate and hard.
MODERATE_HR_RATIO = 0.86
HARD_HR_RATIO = 0.92
#: Fewest interval repetitions that make a run hard.
HARD_MIN_REPS = 2
#: The observed maximum heart rate is used only when it is at least this many times the
#: median run's 85th-percentile heart rate (the journal holds a hard effort).
MIN_HR_MAX_OVER_TYPICAL = 1.10
#: Heart rates above this are taken for sensor artefacts when finding the maximum [1/min].
MAX_PLAUSIBLE_HR_BPM = 230.0

_SQL_TYPES = {"string": "TEXT", "float64": "REAL", "int64": "INTEGER", "Int64": "INTEGER"}


class JournalError(KickAnalysisError):
    """The journal database cannot be used (not a journal, or a newer layout)."""


# ============================================================================ per file
def _digest(item: Item) -> tuple[bytes, str]:
    """The item's content, gzip-decompressed, and its SHA-256 (hex)."""
    from ..io.source import gunzip

    data = read_item_bytes(item)
    if data[:2] == b"\x1f\x8b":
        data = gunzip(data, item.name)
    return data, hashlib.sha256(data).hexdigest()


def _windowed(t: np.ndarray, cum: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Means over sliding windows of WINDOW_S [s] with at least half of them weighted."""
    if len(t) < 2 or t[-1] - t[0] < WINDOW_S:
        return np.empty(0)
    grid = np.arange(t[0], t[-1] + 1e-9, 1.0)
    c = np.interp(grid, t, cum)
    w = np.interp(grid, t, weight)
    k = int(WINDOW_S)
    dc, dw = c[k:] - c[:-k], w[k:] - w[:-k]
    ok = dw >= 0.5 * WINDOW_S
    return dc[ok] / dw[ok]


def _position(lat: np.ndarray, lon: np.ndarray, i: int) -> tuple[float, float]:
    """The recorded position nearest to sample *i* (NaN, NaN when there is none)."""
    ok = np.flatnonzero(~(np.isnan(lat) | np.isnan(lon)))
    if len(ok) == 0:
        return math.nan, math.nan
    j = ok[np.argmin(np.abs(ok - i))]
    return float(lat[j]), float(lon[j])


def _features(activity: Activity) -> dict[str, float]:
    """:data:`FEATURE_DTYPES` of one activity (NaN where the recording lacks them)."""
    from ..analysis._prepare import prepare

    s = prepare(activity)
    records = activity.records
    lat = records["lat_deg"].to_numpy(dtype=np.float64)
    lon = records["lon_deg"].to_numpy(dtype=np.float64)
    d = s.distance_m
    mid = int(np.searchsorted(d, 0.5 * (d[0] + d[-1])))
    out: dict[str, float] = {}
    for name, i in (("start", 0), ("mid", mid), ("end", len(d) - 1)):
        out[f"{name}_lat_deg"], out[f"{name}_lon_deg"] = _position(lat, lon, i)
    v = _windowed(s.time_s, s.cum_gap_m, s.cum_moving_s)
    hr = _windowed(s.time_s, *s.cum_hr)
    out["gap_speed_median_mps"] = float(np.median(v)) if len(v) else math.nan
    out["gap_speed_p85_mps"] = float(np.quantile(v, 0.85)) if len(v) else math.nan
    out["heart_rate_p85_bpm"] = float(np.quantile(hr, 0.85)) if len(hr) else math.nan
    return out


def _analyse(data: bytes, name: str) -> dict[str, Any]:
    """Summary and features of one recording's (decompressed) bytes."""
    import pandas as pd

    from ..analysis.summary import summarize
    from ..io import read

    stream = io.BytesIO(data)
    stream.name = name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kept in meta.warnings
        activity = read(stream)
    row = summarize(activity).iloc[0].to_dict()
    if pd.isna(row.get("start_time")) or pd.isna(row.get("distance_m")):
        raise EmptyActivityError(name, "no timed distance: not a run the journal can hold")
    row.update(_features(activity))
    return row


_WORKER_DB: dict[str, sqlite3.Connection] = {}


def _known_in(db_path: str, sha256: str) -> bool:
    """Whether the journal at *db_path* holds *sha256* (from a worker; False on doubt)."""
    try:
        conn = _WORKER_DB.get(db_path)
        if conn is None:
            conn = sqlite3.connect(db_path, timeout=30.0)
            conn.execute("PRAGMA query_only = ON")
            _WORKER_DB[db_path] = conn
        found = conn.execute("SELECT 1 FROM activities WHERE sha256 = ?", (sha256,)).fetchone()
        return found is not None
    except sqlite3.Error:
        return False


def _work(
    item: Item, db_path: str | None = None, known: Callable[[str], bool] | None = None
) -> dict[str, Any]:
    """Hash one recording and, unless the journal has it, summarise it (never raises)."""
    row: dict[str, Any] = {"source": item.name, "sha256": None}
    try:
        data, row["sha256"] = _digest(item)
        if (known is not None and known(row["sha256"])) or (
            db_path is not None and _known_in(db_path, row["sha256"])
        ):
            row["known"] = True
            return row
        row["summary"] = _analyse(data, item.name)
    except Exception as exc:  # every failure is recorded, the batch goes on
        row["error_type"], row["error"] = type(exc).__name__, str(exc)
    return row


# ============================================================================ storage
def _sql_type(dtype: str) -> str:
    if dtype.startswith("datetime") or dtype in ("boolean", "bool"):
        return "INTEGER"
    return _SQL_TYPES.get(dtype, "TEXT")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _to_sql(value: Any) -> Any:
    """A summary value as SQLite stores it (datetimes as UTC nanoseconds)."""
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return int(value.tz_convert("UTC").value if value.tzinfo else value.value)
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (int, str)):
        return value
    return str(value)


def _infer_dtype(value: Any) -> str:
    import pandas as pd

    if isinstance(value, pd.Timestamp):
        return "datetime64[ns, UTC]"
    if isinstance(value, (bool, np.bool_)):
        return "boolean"
    if isinstance(value, (int, np.integer)):
        return "Int64"
    if isinstance(value, (float, np.floating)):
        return "float64"
    return "string"


def _column(values: list[Any], dtype: str) -> Any:
    """A pandas array of *dtype* from stored values (NULL → missing)."""
    import pandas as pd

    if dtype.startswith("datetime"):
        nat = np.iinfo(np.int64).min
        ns = np.array(
            [nat if v is None or v is pd.NaT else getattr(v, "value", v) for v in values],
            dtype=np.int64,
        )
        return pd.Series(ns.view("datetime64[ns]")).dt.tz_localize("UTC").array
    if dtype == "int64":
        dtype = "Int64"  # a column added later is NULL for older rows
    if dtype == "bool":
        dtype = "boolean"
    if dtype == "float64":
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    try:
        return pd.array(values, dtype=dtype)
    except (TypeError, ValueError):
        return pd.array([None if v is None else str(v) for v in values], dtype="string")


class Journal:
    """A training journal in an SQLite database file.

    Parameters
    ----------
    path : str or os.PathLike
        The database file, created (with its tables) when missing; ``":memory:"`` for a
        journal that lives only as long as the object (then :meth:`add` works in this
        process, without worker processes).
    timeout_s : float
        How long to wait for another process's write to finish before giving up [s].

    Notes
    -----
    **Storage.** Table ``activities`` holds the identity of each run (``sha256`` of the
    gzip-decompressed file content, UNIQUE; ``source``; when it was added); table
    ``summaries`` one row per activity with one column per key of
    :data:`kickanalysis.analysis.summary.SUMMARY_DTYPES` and :data:`FEATURE_DTYPES`
    (datetimes as UTC nanoseconds); table ``columns`` the pandas dtype of each of those
    columns. A summary key that appears in a later version of kickanalysis becomes a new
    column when the journal is opened (missing for the runs added before); ``meta``
    holds the schema version (:data:`SCHEMA_VERSION`). Files that could not be added
    are listed in ``failures`` (:meth:`failures`).

    **Safety.** The database runs in WAL mode with ``synchronous=NORMAL`` and a busy
    timeout. Every file is added in one ``BEGIN IMMEDIATE`` … ``COMMIT`` transaction
    (identity, summary and the removal of an earlier failure together): an exception
    or a killed process leaves either the whole activity or nothing. Two processes may
    add to one journal at once; the UNIQUE hash makes sure each run is stored once.

    Examples
    --------
    >>> import kickanalysis as ka
    >>> from kickanalysis.batch.journal import Journal
    >>> with Journal(":memory:") as journal:
    ...     added = journal.add("data/samples/*.fit")
    ...     again = journal.add("data/samples/race_5k_kick.fit")
    ...     runs = journal.activities()
    >>> added["added"].tolist(), again["added"].tolist()
    ([True, True, True], [False])
    >>> runs[["distance_m", "label"]].round(0)  # doctest: +NORMALIZE_WHITESPACE
       distance_m label
    0      7982.0  easy
    1      4993.0  hard
    2     10037.0  easy
    """

    def __init__(self, path: PathLike = ":memory:", *, timeout_s: float = 60.0) -> None:
        self.path = os.fspath(path)
        self._memory = self.path == ":memory:" or self.path.startswith("file::memory:")
        try:
            self._conn = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None)
            self._conn.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
            if not self._memory:
                self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._create()
        except sqlite3.DatabaseError as exc:
            if hasattr(self, "_conn"):
                self._conn.close()
            raise JournalError(f"{self.path}: not a usable journal database ({exc})") from exc
        self._dtypes = self._load_dtypes()

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database (the journal cannot be used afterwards)."""
        self._conn.close()

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM activities").fetchone()[0])

    def __repr__(self) -> str:
        return f"Journal({self.path!r}, activities={len(self)})"

    def _create(self) -> None:
        from ..analysis.summary import SUMMARY_DTYPES

        c = self._conn
        c.execute("BEGIN IMMEDIATE")
        try:
            c.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            c.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            version = int(
                c.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
            )
            if version > SCHEMA_VERSION:
                raise JournalError(
                    f"{self.path}: journal schema version {version} is newer than this "
                    f"kickanalysis understands ({SCHEMA_VERSION}); upgrade kickanalysis"
                )
            c.execute(
                "CREATE TABLE IF NOT EXISTS activities ("
                " id INTEGER PRIMARY KEY,"
                " sha256 TEXT NOT NULL UNIQUE,"
                " source TEXT,"
                " added_at_ns INTEGER NOT NULL,"
                " start_time_ns INTEGER)"
            )
            c.execute("CREATE INDEX IF NOT EXISTS activities_start ON activities(start_time_ns)")
            c.execute(
                "CREATE TABLE IF NOT EXISTS summaries (activity_id INTEGER PRIMARY KEY"
                " REFERENCES activities(id) ON DELETE CASCADE)"
            )
            c.execute(
                "CREATE TABLE IF NOT EXISTS columns (name TEXT PRIMARY KEY, dtype TEXT NOT NULL,"
                " position INTEGER NOT NULL)"
            )
            c.execute(
                "CREATE TABLE IF NOT EXISTS failures (source TEXT PRIMARY KEY, sha256 TEXT,"
                " error_type TEXT, error TEXT, at_ns INTEGER)"
            )
            self._add_columns(SUMMARY_DTYPES | FEATURE_DTYPES)
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def _load_dtypes(self) -> dict[str, str]:
        rows = self._conn.execute("SELECT name, dtype FROM columns ORDER BY position").fetchall()
        return dict(rows)

    def _add_columns(self, dtypes: dict[str, str]) -> None:
        """Add the summary columns the table lacks (inside a write transaction)."""
        c = self._conn
        have = {r[1] for r in c.execute("PRAGMA table_info(summaries)")}
        position = c.execute("SELECT COALESCE(MAX(position), -1) FROM columns").fetchone()[0]
        for name, dtype in dtypes.items():
            if name in have or name == "activity_id":
                continue
            c.execute(f"ALTER TABLE summaries ADD COLUMN {_quote(name)} {_sql_type(dtype)}")
            position += 1
            c.execute("INSERT OR REPLACE INTO columns VALUES (?, ?, ?)", (name, dtype, position))

    # ------------------------------------------------------------------ adding
    def add(
        self,
        sources: PathLike | Iterable[PathLike],
        *,
        n_jobs: int | None = None,
        progress: bool = False,
    ) -> pd.DataFrame:
        """Add recordings to the journal; files already in it are left as they are.

        Each file is read, hashed (SHA-256 of its content after gzip decompression, so
        ``run.fit`` and ``run.fit.gz`` are the same activity), summarised with
        :func:`~kickanalysis.summarize` and stored in one transaction. A file that
        cannot be read, or holds no timed distance (a route, an empty recording), is
        recorded as an error and the others go on.

        Parameters
        ----------
        sources : path, glob pattern, or an iterable of them
            Files, folders (recursive), zip exports and patterns, as for
            :func:`~kickanalysis.analyze_many`.
        n_jobs : int, optional
            Worker processes that read and summarise (default: the number of CPUs;
            a ``":memory:"`` journal works in this process). Only this process writes.
        progress : bool
            Show a progress bar (tqdm) when adding takes more than a second.

        Returns
        -------
        pandas.DataFrame
            One row per file, in the order of *sources* (:data:`ADD_COLUMNS`):
            ``source``, ``activity_id`` (NA for an error), ``added`` (False when the
            journal already had it, or for an error), ``sha256``, ``error_type`` and
            ``error`` (NA when it went well).

        Raises
        ------
        sqlite3.Error
            When the database itself fails (disk full, locked beyond the timeout); the
            file being stored then leaves no trace, those before it stay added.

        Examples
        --------
        >>> from kickanalysis.batch.journal import Journal
        >>> with Journal(":memory:") as journal:
        ...     table = journal.add(["data/samples/fade_10k.fit", "no/such/file.fit"])
        >>> table[["added", "error_type"]]
           added          error_type
        0   True                <NA>
        1  False  FileNotFoundError
        """
        items = expand_sources(sources)
        n_jobs = max(1, n_jobs or os.cpu_count() or 1)
        if self._memory or n_jobs == 1 or len(items) <= 1:
            stream = _serial(items, functools.partial(_work, known=self._has))
        else:
            work = functools.partial(_work, db_path=os.path.abspath(self.path))
            stream = _processes(items, work, n_jobs)
        rows: list[dict[str, Any] | None] = [None] * len(items)
        for i, row in with_progress(stream, len(items), progress):
            if "sha256" not in row:  # a worker process died on this file
                row = _crash_row(items[i], RuntimeError("worker died")) | {"sha256": None}
            rows[i] = self._store(row)
        return _frame([r for r in rows if r is not None], ADD_COLUMNS)

    def _has(self, sha256: str) -> bool:
        return self._id_of(sha256) is not None

    def _id_of(self, sha256: str) -> int | None:
        found = self._conn.execute(
            "SELECT id FROM activities WHERE sha256 = ?", (sha256,)
        ).fetchone()
        return None if found is None else int(found[0])

    def _store(self, row: dict[str, Any]) -> dict[str, Any]:
        """Write one file's outcome in one transaction; the row of :meth:`add`."""
        out = {"source": row["source"], "sha256": row.get("sha256"), "added": False}
        if row.get("error_type") is not None:
            out["error_type"], out["error"] = row["error_type"], row.get("error")
            self._transaction(self._record_failure, out)
            return out
        if row.get("known"):
            out["activity_id"] = self._id_of(row["sha256"])
            return out
        out["activity_id"], out["added"] = self._transaction(self._insert, row)
        return out

    def _transaction(self, write: Callable[[dict[str, Any]], Any], row: dict[str, Any]) -> Any:
        c = self._conn
        c.execute("BEGIN IMMEDIATE")
        try:
            result = write(row)
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        return result

    def _record_failure(self, out: dict[str, Any]) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?, ?)",
            (out["source"], out["sha256"], out["error_type"], out["error"], time.time_ns()),
        )

    def _insert(self, row: dict[str, Any]) -> tuple[int, bool]:
        """Activity, summary and features of one file (inside the transaction)."""
        summary = row["summary"]
        cur = self._conn.execute(
            "INSERT OR IGNORE INTO activities (sha256, source, added_at_ns, start_time_ns)"
            " VALUES (?, ?, ?, ?)",
            (row["sha256"], row["source"], time.time_ns(), _to_sql(summary.get("start_time"))),
        )
        if cur.rowcount == 0:  # another process (or an earlier file here) added it
            return self._id_of(row["sha256"]), False  # type: ignore[return-value]
        activity_id = int(cur.lastrowid)  # type: ignore[arg-type]
        _insert_summary(self, activity_id, summary)
        self._conn.execute("DELETE FROM failures WHERE source = ?", (row["source"],))
        return activity_id, True

    # ------------------------------------------------------------------ reading
    def failures(self) -> pd.DataFrame:
        """Files that could not be added (the latest error of each source).

        Returns
        -------
        pandas.DataFrame
            ``source``, ``sha256`` (NA when the file could not be read), ``error_type``,
            ``error``, ``at`` (when, UTC).

        Examples
        --------
        >>> from kickanalysis.batch.journal import Journal
        >>> with Journal(":memory:") as journal:
        ...     _ = journal.add("no/such/file.fit")
        ...     journal.failures()["error_type"].tolist()
        ['FileNotFoundError']
        """
        rows = self._conn.execute(
            "SELECT source, sha256, error_type, error, at_ns FROM failures ORDER BY at_ns"
        ).fetchall()
        names = ("source", "sha256", "error_type", "error", "at")
        dtypes = ("string", "string", "string", "string", "datetime64[ns, UTC]")
        return _frame([dict(zip(names, r)) for r in rows], dict(zip(names, dtypes)))

    def _stored(self, where: str = "", params: tuple = ()) -> pd.DataFrame:
        import pandas as pd

        self._dtypes = self._load_dtypes()
        cols = ", ".join("s." + _quote(n) for n in self._dtypes)
        rows = self._conn.execute(
            f"SELECT a.id, a.sha256, a.added_at_ns, {cols} FROM activities a"
            f" JOIN summaries s ON s.activity_id = a.id {where}"
            " ORDER BY a.start_time_ns, a.id",
            params,
        ).fetchall()
        columns = list(zip(*rows)) if rows else [()] * (3 + len(self._dtypes))
        data: dict[str, Any] = {
            "activity_id": np.array(columns[0], dtype=np.int64),
            "sha256": pd.array(list(columns[1]), dtype="string"),
            "added_at": _column(list(columns[2]), "datetime64[ns, UTC]"),
        }
        for (name, dtype), values in zip(self._dtypes.items(), columns[3:]):
            data[name] = _column(list(values), dtype)
        return pd.DataFrame(data)

    def activities(self) -> pd.DataFrame:
        """Every activity with its summary and label, sorted by start time.

        Returns
        -------
        pandas.DataFrame
            ``activity_id``, ``sha256``, ``added_at`` (UTC), the stored summary columns
            (those of :func:`~kickanalysis.summarize`, then :data:`FEATURE_DTYPES`:
            start, middle and end positions [deg], median and 85th-percentile
            grade-adjusted speed over 30 s windows of moving time [m/s] and the
            85th-percentile heart rate over such windows [1/min]), then
            ``easy_speed_mps`` [m/s], ``speed_ratio``, ``heart_rate_ratio``, ``label``,
            ``label_reason`` and ``hard_after_hard`` — see :meth:`labels`.

        Examples
        --------
        >>> from kickanalysis.batch.journal import Journal
        >>> with Journal(":memory:") as journal:
        ...     _ = journal.add("data/samples/race_5k_kick.fit")
        ...     runs = journal.activities()
        >>> runs.loc[0, "start_time"].year, round(float(runs.loc[0, "distance_m"]))
        (2024, 4993)
        """
        table = self._stored()
        return _label(table)

    def labels(self) -> pd.DataFrame:
        """The hard/easy label of every run, with what it rests on.

        The label compares each run with the athlete's own running, not with fixed
        paces:

        - **Easy speed.** The median, over the runs of the same sport in the
          :data:`EASY_WINDOW_DAYS` (42) days up to and including the run, of each run's
          median grade-adjusted speed (over 30 s windows of moving time); with fewer
          than :data:`EASY_MIN_RUNS` (5) such runs, over all runs of the sport. Most
          runs of most runners are easy — about 80 % of sessions in the training of
          endurance athletes (Seiler 2010, *Int. J. Sports Physiol. Perform.* 5:276-291,
          doi:10.1123/ijspp.5.3.276) — so the median is an easy pace.
        - **speed_ratio**: the run's 85th-percentile grade-adjusted speed (the speed
          held for at least 15 % of its moving time, so warm-up, recoveries and
          cool-down do not hide the work, and a few strides do not count) over the
          easy speed.
        - **heart_rate_ratio**: the run's 85th-percentile heart rate over the athlete's
          observed maximum (the highest heart rate of any run, ignoring values above
          230 bpm); NA without heart rate, and NA for every run while that maximum is
          less than 10 % above the median run's 85th-percentile heart rate (no hard
          effort on record yet: the maximum of easy runs would make every run hard).
        - **hard** when the summary has an interval count (``interval_reps`` …) of at
          least 2, or ``speed_ratio ≥ 1.15``, or ``heart_rate_ratio ≥ 0.92``;
          **moderate** when ``speed_ratio ≥ 1.07`` or ``heart_rate_ratio ≥ 0.86``;
          else **easy**. The heart-rate limits are Seiler's zone boundaries (82 % and
          88 % of the maximal heart rate: zone 3 "moderate" and zone 4, above the
          second threshold; Seiler 2010, table 1) for an observed maximum about 5 %
          below the true one, as an observed maximum usually is; the speed limits are
          this module's choice (roughly marathon-pace and threshold-pace work relative
          to easy running), not a published model.

        ``label_reason`` names the rule that decided (``"intervals"``, ``"pace"``,
        ``"heart rate"``). ``hard_after_hard`` marks hard runs on a day of a
        :meth:`hard_day_warnings` warning.

        Returns
        -------
        pandas.DataFrame
            ``activity_id``, ``start_time`` and the columns of :data:`LABEL_DTYPES`.

        Examples
        --------
        >>> from kickanalysis.batch.journal import Journal
        >>> with Journal(":memory:") as journal:
        ...     _ = journal.add("data/samples/*.fit")
        ...     journal.labels()[["label", "label_reason"]]
          label label_reason
        0  easy         <NA>
        1  hard         pace
        2  easy         <NA>
        """
        return self.activities()[["activity_id", "start_time", *LABEL_DTYPES]]

    def get(self, activity_id: int) -> pd.Series:
        """One activity's row of :meth:`activities` (summary, features and label).

        Raises
        ------
        KeyError
            No activity has this id.

        Examples
        --------
        >>> from kickanalysis.batch.journal import Journal
        >>> with Journal(":memory:") as journal:
        ...     table = journal.add("data/samples/fade_10k.fit")
        ...     journal.get(int(table.loc[0, "activity_id"]))["pacing_profile"]
        'positive'
        """
        table = self.activities()
        hit = table.index[table["activity_id"] == int(activity_id)]
        if len(hit) == 0:
            raise KeyError(f"no activity {activity_id} in {self.path}")
        return table.loc[hit[0]]

    def summary(self, activity_id: int) -> pd.DataFrame:
        """The stored :func:`~kickanalysis.summarize` row of one activity.

        Returns
        -------
        pandas.DataFrame
            One row with the summary columns (as stored when it was added; columns
            of a newer kickanalysis are missing for older activities).

        Raises
        ------
        KeyError
            No activity has this id.

        Examples
        --------
        >>> from kickanalysis.batch.journal import Journal
        >>> with Journal(":memory:") as journal:
        ...     table = journal.add("data/samples/race_5k_kick.fit")
        ...     journal.summary(int(table.loc[0, "activity_id"]))["negative_split"].tolist()
        ['negative']
        """
        from ..analysis.summary import SUMMARY_DTYPES

        table = self._stored("WHERE a.id = ?", (int(activity_id),))
        if len(table) == 0:
            raise KeyError(f"no activity {activity_id} in {self.path}")
        keep = [c for c in table.columns if c in SUMMARY_DTYPES or c in self._summary_only()]
        return table[keep].reset_index(drop=True)

    def _summary_only(self) -> set[str]:
        return set(self._dtypes) - set(FEATURE_DTYPES)

    # ------------------------------------------------------------------ training log
    def weekly_volume(self, *, weeks: int | None = None, sport: str | None = None) -> pd.DataFrame:
        """Distance, time and number of (hard) runs per ISO week.

        Weeks are ISO 8601 weeks (Monday to Sunday) of the start times in **UTC**. Every
        week from the first activity's to the last one's is listed, empty weeks with
        zeros.

        Parameters
        ----------
        weeks : int, optional
            Only the last *weeks* weeks, ending with the week of the latest activity.
        sport : str, optional
            Only activities of this sport (``"running"`` …); default: all.

        Returns
        -------
        pandas.DataFrame
            ``week_start`` (Monday 00:00 UTC), ``iso_year``, ``iso_week``, ``runs``,
            ``easy_runs``, ``moderate_runs``, ``hard_runs``, ``distance_m`` [m],
            ``moving_s`` [s], ``elapsed_s`` [s].

        Examples
        --------
        >>> from kickanalysis.batch.journal import Journal
        >>> with Journal(":memory:") as journal:
        ...     _ = journal.add("data/samples/*.fit")
        ...     week = journal.weekly_volume()
        >>> week[["iso_year", "iso_week", "runs", "hard_runs"]]
           iso_year  iso_week  runs  hard_runs
        0      2024        16     2          1
        1      2024        17     0          0
        2      2024        18     0          0
        3      2024        19     1          0
        >>> round(float(week["distance_m"].sum()))
        23012
        """
        import pandas as pd

        table = self.activities()
        if sport is not None:
            table = table[table["sport"] == sport]
        table = table[table["start_time"].notna()]
        columns = {
            "week_start": "datetime64[ns, UTC]",
            "iso_year": "int64",
            "iso_week": "int64",
            "runs": "int64",
            "easy_runs": "int64",
            "moderate_runs": "int64",
            "hard_runs": "int64",
            "distance_m": "float64",
            "moving_s": "float64",
            "elapsed_s": "float64",
        }
        if len(table) == 0:
            return pd.DataFrame({k: pd.Series(dtype=v) for k, v in columns.items()})
        start = table["start_time"].dt.tz_convert("UTC")
        day = start.dt.floor("D")
        week = day - pd.to_timedelta(day.dt.day_of_week, unit="D")
        label = table["label"].astype(object)
        frame = pd.DataFrame(
            {
                "week_start": week,
                "runs": 1,
                "easy_runs": (label == "easy").astype(np.int64),
                "moderate_runs": (label == "moderate").astype(np.int64),
                "hard_runs": (label == "hard").astype(np.int64),
                "distance_m": table["distance_m"].fillna(0.0),
                "moving_s": table["moving_s"].fillna(0.0),
                "elapsed_s": table["elapsed_s"].fillna(0.0),
            }
        )
        sums = frame.groupby("week_start").sum()
        every = pd.date_range(sums.index.min(), sums.index.max(), freq="7D")
        if weeks is not None:
            every = every[-int(weeks) :] if weeks > 0 else every[:0]
        sums = sums.reindex(every, fill_value=0)
        iso = every.isocalendar()
        out = pd.DataFrame({"week_start": every})
        out["iso_year"] = iso["year"].to_numpy(dtype=np.int64)
        out["iso_week"] = iso["week"].to_numpy(dtype=np.int64)
        for name in list(columns)[3:]:
            out[name] = sums[name].to_numpy().astype(columns[name])
        return out.reset_index(drop=True)

    def hard_day_warnings(self) -> pd.DataFrame:
        """Hard days that follow a hard day without an easy day between them.

        Days are calendar days in UTC. A day is hard when one of its runs is labelled
        ``"hard"`` (:meth:`labels`), easy when its hardest run is ``"easy"`` **or it
        has no run at all** (a rest day recovers as well as an easy run; Bowerman's
        hard–easy principle). A warning is given for a hard day when every day since
        the previous hard day was a day of ``"moderate"`` runs — typically the day
        right after a hard day.

        Returns
        -------
        pandas.DataFrame
            One row per warning: ``date`` and ``previous_hard_date`` (midnight UTC),
            ``days_between`` (moderate days between them), ``activity_id`` and
            ``previous_activity_id`` (the first hard run of each day), ``message``.

        Examples
        --------
        >>> from kickanalysis.batch.journal import Journal
        >>> with Journal(":memory:") as journal:
        ...     _ = journal.add("data/samples/*.fit")
        ...     len(journal.hard_day_warnings())
        0
        """
        return _warnings(self.activities()).drop(columns="activity_ids_all")

    def similar(self, activity: Any, *, n: int = 5) -> pd.DataFrame:
        """Earlier runs of the same kind, and how this run compares with them.

        A past run (started before this one) is *similar* when it is of the same sport
        and either

        - **route**: it started and ended within 200 m of where this run started and
          ended, passed within 200 m of this run's half-way point, and its distance
          is within ±15 %; or
        - **distance**: its distance is within ±7.5 %;

        and both are hard, or neither is (:meth:`labels`: a race is not compared with
        an easy run of the same length), and, when the summaries count interval
        repetitions, both are interval sessions with the same number of repetitions
        (±1) or neither is. The closest matches
        come first (same route before same distance, then by the difference in
        distance, then the most recent).

        Parameters
        ----------
        activity : int, Activity, or a path / bytes
            A journal activity id, an :class:`~kickanalysis.Activity`, or a recording
            (when its content is in the journal, the journal's activity is used).
        n : int
            At most this many runs.

        Returns
        -------
        pandas.DataFrame
            ``activity_id``, ``start_time``, ``days_before`` [d], ``match``
            (``"route"`` or ``"distance"``), ``label``, ``distance_m`` [m],
            ``pace_s_per_km`` [s/km], ``pace_difference_s_per_km`` (this run minus
            that one: negative = faster now), ``gap_pace_s_per_km`` [s/km],
            ``heart_rate_mean_bpm`` and ``heart_rate_difference_bpm`` [1/min],
            ``kick_gain_pct`` and ``kick_gain_difference_pct`` [%] (when the
            summaries have a kick gain, else NA), and ``sentence``: e.g. "You ran this
            route (5.0 km) three months ago at 4:52/km; today 4:41/km (11 s/km
            faster) at a lower heart rate (151 vs 158 bpm)."

        Examples
        --------
        >>> from kickanalysis.batch.journal import Journal
        >>> with Journal(":memory:") as journal:
        ...     _ = journal.add("data/samples/*.fit")
        ...     found = journal.similar(journal.activities()["activity_id"].iloc[-1])
        >>> len(found), list(found.columns[:4]), found.columns[-1]
        (0, ['activity_id', 'start_time', 'days_before', 'match'], 'sentence')
        """
        table = self.activities()
        target = self._target(activity, table)
        return _similar(table, target, n=n)

    def _target(self, activity: Any, table: pd.DataFrame) -> pd.Series:
        import pandas as pd

        if isinstance(activity, (int, np.integer)) and not isinstance(activity, bool):
            hit = table.index[table["activity_id"] == int(activity)]
            if len(hit) == 0:
                raise KeyError(f"no activity {activity} in {self.path}")
            return table.loc[hit[0]]
        if hasattr(activity, "records"):
            from ..analysis.summary import summarize

            row = summarize(activity).iloc[0].to_dict()
            row.update(_features(activity))
        else:
            if isinstance(activity, (bytes, bytearray, memoryview)):
                from ..io.source import gunzip

                data = bytes(activity)
                if data[:2] == b"\x1f\x8b":
                    data = gunzip(data, "<bytes>")
                name = "<bytes>"
            else:
                data, _ = _digest(Item(os.fspath(activity)))
                name = os.fspath(activity)
            found = self._id_of(hashlib.sha256(data).hexdigest())
            if found is not None:
                return self._target(found, table)
            row = _analyse(data, name)
        one = pd.DataFrame({k: [v] for k, v in row.items()}).assign(activity_id=-1)
        stored = table[table.columns.difference(list(LABEL_DTYPES), sort=False)]
        # labelled against the journal's history
        merged = _label(pd.concat([stored, one], ignore_index=True))
        return merged[merged["activity_id"] == -1].iloc[0]


def _insert_summary(journal: Journal, activity_id: int, summary: dict[str, Any]) -> None:
    """Insert the summary row of a new activity (inside :meth:`Journal._insert`'s transaction)."""
    new = {k: _infer_dtype(v) for k, v in summary.items() if k not in journal._dtypes}
    if new:
        from ..analysis.summary import SUMMARY_DTYPES

        journal._add_columns({k: SUMMARY_DTYPES.get(k, v) for k, v in new.items()})
        journal._dtypes = journal._load_dtypes()
    names = [k for k in summary if k != "activity_id"]
    journal._conn.execute(
        f"INSERT INTO summaries (activity_id, {', '.join(map(_quote, names))})"
        f" VALUES (?{', ?' * len(names)})",
        (activity_id, *(_to_sql(summary[k]) for k in names)),
    )


def _frame(rows: list[dict[str, Any]], dtypes: dict[str, str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({k: _column([r.get(k) for r in rows], v) for k, v in dtypes.items()})


# ============================================================================ labels
def _first_column(table: pd.DataFrame, names: Iterable[str]) -> pd.Series | None:
    for name in names:
        if name in table.columns:
            return table[name].astype("float64")
    return None


def _label(table: pd.DataFrame) -> pd.DataFrame:
    """Add :data:`LABEL_DTYPES` to a table of stored activities (see Journal.labels)."""
    import pandas as pd

    table = table.sort_values(["start_time", "activity_id"], kind="stable").reset_index(drop=True)
    n = len(table)
    start = np.array(
        [np.nan if pd.isna(v) else v.value / 1e9 for v in table["start_time"]], dtype=np.float64
    )
    typical = table["gap_speed_median_mps"].to_numpy(dtype=np.float64)
    work = table["gap_speed_p85_mps"].to_numpy(dtype=np.float64)
    sport = table["sport"].astype(object).where(table["sport"].notna(), "").to_numpy()
    easy = np.full(n, np.nan)
    window = EASY_WINDOW_DAYS * 86400.0
    for value in np.unique(sport) if n else ():
        idx = np.flatnonzero(sport == value)
        t, v = start[idx], typical[idx]
        overall = np.nanmedian(v) if np.isfinite(v).any() else np.nan
        for j, i in enumerate(idx):
            near = (t <= t[j]) & (t > t[j] - window) & np.isfinite(v)
            easy[i] = np.median(v[near]) if near.sum() >= EASY_MIN_RUNS else overall
    with np.errstate(invalid="ignore", divide="ignore"):
        speed_ratio = work / easy
    hr = table["heart_rate_p85_bpm"].to_numpy(dtype=np.float64)
    hr_max_runs = table["heart_rate_max_bpm"].to_numpy(dtype=np.float64)
    plausible = hr_max_runs[np.isfinite(hr_max_runs) & (hr_max_runs <= MAX_PLAUSIBLE_HR_BPM)]
    hr_max = float(plausible.max()) if len(plausible) else np.nan
    if np.isfinite(hr).any() and not hr_max >= MIN_HR_MAX_OVER_TYPICAL * np.nanmedian(hr):
        hr_max = np.nan  # no hard effort on record: the maximum says nothing
    hr_ratio = hr / hr_max
    reps = _first_column(table, INTERVAL_REPS_COLUMNS)
    reps_v = reps.to_numpy() if reps is not None else np.full(n, np.nan)
    with np.errstate(invalid="ignore"):
        by_reps = reps_v >= HARD_MIN_REPS
        hard_pace, mod_pace = speed_ratio >= HARD_SPEED_RATIO, speed_ratio >= MODERATE_SPEED_RATIO
        hard_hr, mod_hr = hr_ratio >= HARD_HR_RATIO, hr_ratio >= MODERATE_HR_RATIO
    label = np.where(
        by_reps | hard_pace | hard_hr, "hard", np.where(mod_pace | mod_hr, "moderate", "easy")
    ).astype(object)
    reason = np.full(n, None, dtype=object)
    for mask, name in (
        (mod_hr & ~mod_pace, "heart rate"),
        (mod_pace, "pace"),
        (hard_hr & ~hard_pace, "heart rate"),
        (hard_pace, "pace"),
        (by_reps, "intervals"),
    ):
        reason[mask] = name
    unknown = ~np.isfinite(speed_ratio) & ~np.isfinite(hr_ratio) & ~by_reps
    label[unknown] = None
    out = table.copy()
    out["easy_speed_mps"] = easy
    out["speed_ratio"] = speed_ratio
    out["heart_rate_ratio"] = hr_ratio
    out["label"] = pd.array(label, dtype="string")
    out["label_reason"] = pd.array(reason, dtype="string")
    out["hard_after_hard"] = pd.array(np.zeros(n, dtype=bool), dtype="boolean")
    if n:
        warned = set(_warnings(out)["activity_ids_all"].explode().dropna().astype(int))
        out["hard_after_hard"] = pd.array(
            out["activity_id"].isin(warned).to_numpy() & (label == "hard"), dtype="boolean"
        )
    return out


def _warnings(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of Journal.hard_day_warnings (plus ``activity_ids_all`` when internal)."""
    import pandas as pd

    columns = {
        "date": "datetime64[ns, UTC]",
        "previous_hard_date": "datetime64[ns, UTC]",
        "days_between": "int64",
        "activity_id": "int64",
        "previous_activity_id": "int64",
        "message": "string",
    }
    table = table[table["start_time"].notna() & table["label"].notna()]
    rows: list[dict[str, Any]] = []
    hard_ids: dict[Any, list[int]] = {}
    if len(table):
        day = table["start_time"].dt.tz_convert("UTC").dt.floor("D")
        rank = table["label"].astype(object).map({"easy": 0, "moderate": 1, "hard": 2})
        level = rank.groupby(day.to_numpy()).max()
        for d, aid, lab in zip(day, table["activity_id"], table["label"].astype(object)):
            if lab == "hard":
                hard_ids.setdefault(d, []).append(int(aid))
        previous = None
        between = 0
        for d in pd.date_range(level.index.min(), level.index.max(), freq="D"):
            lv = level.get(d, 0)  # no run: a rest day, as good as easy
            if lv == 2:
                if previous is not None:
                    gap = (d - previous).days - 1
                    rows.append(
                        {
                            "date": d,
                            "previous_hard_date": previous,
                            "days_between": gap,
                            "activity_id": hard_ids[d][0],
                            "previous_activity_id": hard_ids[previous][0],
                            "activity_ids_all": hard_ids[d] + hard_ids[previous],
                            "message": (
                                f"hard day {d:%Y-%m-%d} right after the hard day "
                                f"{previous:%Y-%m-%d}"
                                if gap == 0
                                else f"hard day {d:%Y-%m-%d} after the hard day "
                                f"{previous:%Y-%m-%d} with only moderate days between"
                            )
                            + ": no easy day to recover",
                        }
                    )
                previous, between = d, 0
            elif lv == 1 and previous is not None:
                between += 1
            else:
                previous = None
    out = pd.DataFrame({k: pd.Series([r[k] for r in rows], dtype=v) for k, v in columns.items()})
    out["activity_ids_all"] = pd.Series([r["activity_ids_all"] for r in rows], dtype=object)
    return out


# ============================================================================ similar
_NUMBER_WORDS = "zero one two three four five six seven eight nine ten eleven twelve".split()


def _count(k: int, unit: str) -> str:
    if k == 1:
        return f"a {unit}" if unit != "day" else "a day"
    word = _NUMBER_WORDS[k] if k < len(_NUMBER_WORDS) else str(k)
    return f"{word} {unit}s"


def _ago(days: float) -> str:
    """'three months ago' for a time difference [days]."""
    if days < 1.0:
        return "earlier the same day"
    if days < 2.0:
        return "the day before"
    if days < 14.0:
        return _count(int(round(days)), "day") + " ago"
    if days < 60.0:
        return _count(int(round(days / 7.0)), "week") + " ago"
    months = int(round(days / 30.44))
    if months < 24:
        return _count(months, "month") + " ago"
    return _count(int(round(days / 365.25)), "year") + " ago"


def _pace(pace_s_per_km: float) -> str:
    """m:ss per km from a pace [s/km]."""
    if not np.isfinite(pace_s_per_km):
        return "–"
    total = int(round(pace_s_per_km))
    return f"{total // 60}:{total % 60:02d}/km"


def _distance_km(distance_m: float) -> str:
    return f"{distance_m / 1000.0:.1f} km" if distance_m >= 1000.0 else f"{distance_m:.0f} m"


def _sentence(target: pd.Series, past: dict[str, Any]) -> str:
    what = (
        f"this route ({_distance_km(past['distance_m'])})"
        if past["match"] == "route"
        else _distance_km(past["distance_m"])
    )
    if past["reps"] is not None:
        what = f"this workout ({_distance_km(past['distance_m'])}, {past['reps']} reps)"
    text = f"You ran {what} {_ago(past['days_before'])} at {_pace(past['pace_s_per_km'])}"
    now = float(target["pace_s_per_km"])
    text += f"; today {_pace(now)}"
    diff = past["pace_difference_s_per_km"]
    if np.isfinite(diff) and abs(diff) >= 1.0:
        text += f" ({abs(diff):.0f} s/km {'faster' if diff < 0 else 'slower'})"
    elif np.isfinite(diff):
        text += " (about the same pace)"
    hr_now, hr_then = target.get("heart_rate_mean_bpm"), past["heart_rate_mean_bpm"]
    if hr_now is not None and np.isfinite(hr_now) and np.isfinite(hr_then):
        d_hr = hr_now - hr_then
        how = "a lower" if d_hr <= -2 else "a higher" if d_hr >= 2 else "about the same"
        text += f" at {how} heart rate ({hr_now:.0f} vs {hr_then:.0f} bpm)"
    k_now, k_then = past["kick_now"], past["kick_gain_pct"]
    if np.isfinite(k_now) and np.isfinite(k_then):
        how = (
            "a stronger"
            if k_now > k_then + 2
            else "a weaker"
            if k_now < k_then - 2
            else "a similar"
        )
        text += f", with {how} kick (+{k_now:.0f} % vs +{k_then:.0f} %)"
    return text + "."


def _distance_between_m(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> np.ndarray:
    from ..geo import EARTH_RADIUS_M

    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(np.asarray(lon2) - lon1) / 2) ** 2
    )
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


#: Tolerances of :meth:`Journal.similar`.
SIMILAR_DISTANCE_TOLERANCE = 0.075
ROUTE_DISTANCE_TOLERANCE = 0.15
ROUTE_RADIUS_M = 200.0

SIMILAR_DTYPES: dict[str, str] = {
    "activity_id": "int64",
    "start_time": "datetime64[ns, UTC]",
    "days_before": "float64",
    "match": "string",
    "label": "string",
    "distance_m": "float64",
    "pace_s_per_km": "float64",
    "pace_difference_s_per_km": "float64",
    "gap_pace_s_per_km": "float64",
    "heart_rate_mean_bpm": "float64",
    "heart_rate_difference_bpm": "float64",
    "kick_gain_pct": "float64",
    "kick_gain_difference_pct": "float64",
    "sentence": "string",
}


def _similar(table: pd.DataFrame, target: pd.Series, *, n: int) -> pd.DataFrame:
    import pandas as pd

    t0 = target["start_time"]
    past = table[(table["start_time"] < t0) & (table["activity_id"] != target["activity_id"])]
    same_sport = past["sport"].astype(object).fillna("") == (
        "" if pd.isna(target.get("sport")) else target["sport"]
    )
    past = past[same_sport.to_numpy()]
    d0 = float(target["distance_m"])
    d = past["distance_m"].to_numpy(dtype=np.float64)
    rel = np.abs(d / d0 - 1.0) if d0 > 0 else np.full(len(d), np.inf)
    near = np.ones(len(past), dtype=bool)
    for where in ("start", "mid", "end"):
        lat0, lon0 = target.get(f"{where}_lat_deg"), target.get(f"{where}_lon_deg")
        dist = _distance_between_m(
            lat0, lon0, past[f"{where}_lat_deg"].to_numpy(), past[f"{where}_lon_deg"].to_numpy()
        )
        near &= np.nan_to_num(dist, nan=np.inf) <= ROUTE_RADIUS_M
    route = near & (rel <= ROUTE_DISTANCE_TOLERANCE)
    keep = route | (rel <= SIMILAR_DISTANCE_TOLERANCE)
    reps_all = _first_column(table, INTERVAL_REPS_COLUMNS)
    if reps_all is not None:
        r0 = target.get(reps_all.name)
        r0 = float(r0) if r0 is not None and not pd.isna(r0) else 0.0
        r = past[reps_all.name].astype("float64").fillna(0.0).to_numpy()
        interval0 = r0 >= HARD_MIN_REPS
        keep &= np.where(interval0, (r >= HARD_MIN_REPS) & (np.abs(r - r0) <= 1), r < HARD_MIN_REPS)
    lab0 = target.get("label")
    if lab0 is not None and not pd.isna(lab0):
        lab = past["label"].astype(object).fillna("").to_numpy()
        keep &= (lab == "hard") == (lab0 == "hard")
    kick_col = _first_column(table, KICK_GAIN_COLUMNS)
    past = past[keep].assign(
        _route=route[keep], _rel=rel[keep], _t=past["start_time"][keep].astype("int64")
    )
    past = past.sort_values(["_route", "_rel", "_t"], ascending=[False, True, False]).head(n)
    rows = []
    k_now = np.nan
    if kick_col is not None and not pd.isna(target.get(kick_col.name)):
        k_now = float(target[kick_col.name])
    hr_now = target.get("heart_rate_mean_bpm")
    hr_now = float(hr_now) if hr_now is not None and not pd.isna(hr_now) else np.nan
    for _, p in past.iterrows():
        kick_then = float(p[kick_col.name]) if kick_col is not None else np.nan
        reps = None
        if reps_all is not None and not pd.isna(p[reps_all.name]):
            reps = int(p[reps_all.name]) if p[reps_all.name] >= HARD_MIN_REPS else None
        row = {
            "activity_id": int(p["activity_id"]),
            "start_time": p["start_time"],
            "days_before": (t0 - p["start_time"]).total_seconds() / 86400.0,
            "match": "route" if p["_route"] else "distance",
            "label": p["label"] if not pd.isna(p["label"]) else None,
            "distance_m": float(p["distance_m"]),
            "pace_s_per_km": float(p["pace_s_per_km"]),
            "pace_difference_s_per_km": float(target["pace_s_per_km"]) - float(p["pace_s_per_km"]),
            "gap_pace_s_per_km": float(p["gap_pace_s_per_km"]),
            "heart_rate_mean_bpm": float(p["heart_rate_mean_bpm"]),
            "heart_rate_difference_bpm": hr_now - float(p["heart_rate_mean_bpm"]),
            "kick_gain_pct": kick_then,
            "kick_gain_difference_pct": k_now - kick_then,
            "kick_now": k_now,
            "reps": reps,
        }
        row["sentence"] = _sentence(target, row)
        rows.append(row)
    return _frame(rows, SIMILAR_DTYPES)
