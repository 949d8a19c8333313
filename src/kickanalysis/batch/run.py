"""``analyze_many``: one summary row per recording, in parallel, never stopped by one file."""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, Literal

from .sources import Item, PathLike, expand_sources, read_item_bytes

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BATCH_COLUMNS", "analyze_item", "analyze_many"]

#: Columns :func:`analyze_many` puts before those of :func:`~kickanalysis.summarize`.
BATCH_COLUMNS: dict[str, str] = {
    "source": "string",
    "error_type": "string",
    "error": "string",
    "warnings": "Int64",
}

#: error_type of a file whose worker process died (a crash in native code, out of memory)
WORKER_CRASH = "WorkerCrash"


def analyze_item(item: Item) -> dict[str, Any]:
    """Read and summarise one recording; an error becomes the row's ``error`` fields.

    Returns a plain dict (cheap to send between processes): the
    :func:`~kickanalysis.summarize` columns, ``source`` (the item's name), ``error_type``
    and ``error`` (None when it went well) and ``warnings`` (how many data-quality
    warnings reading it gave).
    """
    from ..analysis.summary import summarize
    from ..io import read

    row: dict[str, Any] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # kept in meta.warnings
            activity = read(_named_stream(item))
        row = summarize(activity).iloc[0].to_dict()
        row["warnings"] = len(activity.meta.warnings)
        row["error_type"] = row["error"] = None
    except Exception as exc:  # the batch records every failure and goes on
        row = {"error_type": type(exc).__name__, "error": str(exc), "warnings": None}
    row["source"] = item.name
    return row


def _named_stream(item: Item) -> io.BytesIO:
    """The item's bytes as a stream named after it (so errors and meta name the file)."""
    stream = io.BytesIO(read_item_bytes(item))
    stream.name = item.name
    return stream


def _progress(total: int, enabled: bool) -> Any:
    """A tqdm bar when asked for and tqdm is installed (the ``batch`` extra), else None."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    # delay: quick batches finish without a bar
    return tqdm(total=total, unit="file", desc="kickanalysis", delay=1.0)


def with_progress(
    stream: Iterator[tuple[int, dict]], total: int, enabled: bool
) -> Iterator[tuple[int, dict]]:
    """The rows of *stream*, counted on a progress bar; the stream is closed at the end
    (or when the caller stops early), which shuts its workers down."""
    bar = _progress(total, enabled)
    try:
        for i, row in stream:
            yield i, row
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def _serial(items: list[Item], work: Callable[[Item], dict]) -> Iterator[tuple[int, dict]]:
    for i, item in enumerate(items):
        yield i, work(item)


def _crash_row(item: Item, exc: BaseException) -> dict[str, Any]:
    message = f"the worker process died while analysing this file ({exc})"
    return {"source": item.name, "error_type": WORKER_CRASH, "error": message}


def _alone(item: Item, work: Callable[[Item], dict]) -> dict[str, Any]:
    """Run one item in its own process, to tell which file killed a shared worker."""
    with ProcessPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(work, item).result()
        except BrokenProcessPool as exc:
            return _crash_row(item, exc)


def _processes(
    items: list[Item], work: Callable[[Item], dict], n_jobs: int
) -> Iterator[tuple[int, dict]]:
    """Rows as they finish, from a process pool with a bounded number of files in flight.

    When a worker dies, every file it may have held is run again alone, so the crash is
    reported for that file only and the batch goes on with a fresh pool.
    """
    window = 4 * n_jobs
    todo = iter(enumerate(items))
    pool = ProcessPoolExecutor(max_workers=n_jobs)
    running: dict[Future, int] = {}
    try:
        while True:
            for i, item in todo:
                running[pool.submit(work, item)] = i
                if len(running) >= window:
                    break
            if not running:
                return
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            broken = []
            for fut in done:
                i = running.pop(fut)
                try:
                    yield i, fut.result()
                except BrokenProcessPool:
                    broken.append(i)
            if broken:
                broken += list(running.values())
                running.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                for i in sorted(broken):
                    yield i, _alone(items[i], work)
                pool = ProcessPoolExecutor(max_workers=n_jobs)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _dask(
    items: list[Item], work: Callable[[Item], dict], n_jobs: int, client: Any
) -> Iterator[tuple[int, dict]]:
    """Rows as they finish, from a dask.distributed cluster (local unless *client*)."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            'engine="dask" needs dask.distributed: pip install "kickanalysis[dask]"'
        ) from exc
    own = client is None
    if own:
        cluster = LocalCluster(
            n_workers=n_jobs, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        window = 8 * max(1, len(client.scheduler_info().get("workers", {})) or n_jobs)
        todo = iter(enumerate(items))
        index: dict[Any, int] = {}
        queue = as_completed()
        for i, item in todo:
            fut = client.submit(work, item, pure=False)
            index[fut.key] = i
            queue.add(fut)
            if len(index) >= window:
                break
        for fut in queue:
            i = index.pop(fut.key)
            try:
                row = fut.result()
            except Exception as exc:  # a worker that died (KilledWorker) or similar
                row = _crash_row(items[i], exc)
            fut.release()
            yield i, row
            nxt = next(todo, None)
            if nxt is not None:
                new = client.submit(work, nxt[1], pure=False)
                index[new.key] = nxt[0]
                queue.add(new)
    finally:
        if own:
            client.close()
            cluster.close()


def rows_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """A batch table from rows: :data:`BATCH_COLUMNS` then the summary columns."""
    import pandas as pd

    from ..analysis.summary import SUMMARY_DTYPES

    # integers become nullable: a failed file has no sample count
    summary = {k: "Int64" if v == "int64" else v for k, v in SUMMARY_DTYPES.items()}
    dtypes = BATCH_COLUMNS | {k: v for k, v in summary.items() if k not in BATCH_COLUMNS}
    rows = list(rows)
    data = {}
    for name, dtype in dtypes.items():
        values = [row.get(name) for row in rows]
        if dtype.startswith("datetime"):
            values = [pd.NaT if v is None else v for v in values]
        data[name] = pd.array(values, dtype=dtype) if rows else pd.array([], dtype=dtype)
    return pd.DataFrame(data)


def analyze_many(
    sources: PathLike | Iterable[PathLike],
    *,
    n_jobs: int | None = None,
    engine: Literal["processes", "dask", "serial"] = "processes",
    progress: bool = True,
    errors: Literal["record", "raise"] = "record",
    client: Any = None,
) -> pd.DataFrame:
    """Summarise many recordings — a folder, a bulk export archive — one row per file.

    Every recording is read and put through :func:`~kickanalysis.summarize`, in parallel
    worker processes. A file that cannot be read or analysed does not stop the batch:
    its row carries ``error_type`` (the exception's class name, e.g.
    ``"CorruptFileError"``) and ``error`` (its message). Memory stays bounded whatever
    the number of files: each worker holds one activity at a time, only a few files
    are in flight, and only the summary rows are kept.

    Parameters
    ----------
    sources : path, glob pattern, or an iterable of them
        Files, folders (searched recursively), zip archives (read in memory, nested
        archives too) and patterns like ``"export/**/*.fit.gz"``; see
        :func:`kickanalysis.batch.sources.expand_sources`.
    n_jobs : int, optional
        Number of worker processes (default: the number of CPUs).
    engine : {"processes", "dask", "serial"}
        ``"processes"``: a local process pool; a worker that dies (a crash, out of
        memory) is reported as ``error_type="WorkerCrash"`` for its file only.
        ``"dask"``: the same work on a ``dask.distributed`` cluster — *client*, or a
        local cluster of *n_jobs* processes started and closed here (the ``dask``
        extra). ``"serial"``: in this process, one file after the other.
    progress : bool
        Show a progress bar (tqdm, the ``batch`` extra) when the batch takes more than
        a second.
    errors : {"record", "raise"}
        ``"raise"`` raises the first file's error instead of recording it.
    client : dask.distributed.Client, optional
        The cluster to use with ``engine="dask"``.

    Returns
    -------
    pandas.DataFrame
        One row per recording, in the order of *sources* (and of the files in each
        folder or archive): ``source``, ``error_type``, ``error``, ``warnings`` (number
        of data-quality warnings while reading), then the columns of
        :func:`~kickanalysis.summarize` (missing for a file that failed).

    Examples
    --------
    >>> import kickanalysis as ka
    >>> table = ka.analyze_many("data/samples/*.fit", engine="serial", progress=False)
    >>> table[["source", "error", "negative_split"]]  # doctest: +NORMALIZE_WHITESPACE
                                  source  error negative_split
    0  data/samples/easy_run_strides.fit   <NA>       negative
    1        data/samples/fade_10k.fit   <NA>       positive
    2     data/samples/race_5k_kick.fit   <NA>       negative
    """
    if engine not in ("processes", "dask", "serial"):
        raise ValueError(f"engine must be 'processes', 'dask' or 'serial', not {engine!r}")
    if errors not in ("record", "raise"):
        raise ValueError(f"errors must be 'record' or 'raise', not {errors!r}")
    items = expand_sources(sources)
    n_jobs = max(1, n_jobs or os.cpu_count() or 1)
    if engine == "dask":
        stream = _dask(items, analyze_item, n_jobs, client)
    elif engine == "serial" or n_jobs == 1 or len(items) <= 1:
        stream = _serial(items, analyze_item)
    else:
        stream = _processes(items, analyze_item, n_jobs)
    rows: list[dict[str, Any] | None] = [None] * len(items)
    for i, row in with_progress(stream, len(items), progress):
        if errors == "raise" and row.get("error_type") is not None:
            if row["error_type"] == WORKER_CRASH:
                raise RuntimeError(f"{row['source']}: {row['error']}")
            _reraise(items[i])
        rows[i] = row
    return rows_frame(rows)  # type: ignore[arg-type]


def _reraise(item: Item) -> None:
    """Raise the error of *item* again, in this process, with its traceback."""
    from ..analysis.summary import summarize
    from ..io import read

    summarize(read(_named_stream(item)))
    raise RuntimeError(f"{item.name}: the worker failed but the file reads here")
