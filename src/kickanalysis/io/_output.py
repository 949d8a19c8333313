"""Where writers put their output: returned bytes, a path, or a binary file object."""

from __future__ import annotations

import os
from typing import IO, Union

Target = Union[str, "os.PathLike[str]", IO[bytes], None]


def deliver(data: bytes, path_or_file: Target) -> bytes | None:
    """Return *data* when *path_or_file* is None, else write it there and return None.

    Parameters
    ----------
    data : bytes
        The encoded file.
    path_or_file : str, os.PathLike, binary file object or None
        Destination.

    Returns
    -------
    bytes or None

    Examples
    --------
    >>> deliver(b"abc", None)
    b'abc'
    """
    if path_or_file is None:
        return data
    if isinstance(path_or_file, (str, os.PathLike)):
        with open(path_or_file, "wb") as fh:
            fh.write(data)
        return None
    if hasattr(path_or_file, "write"):
        path_or_file.write(data)
        return None
    raise TypeError(
        "path_or_file must be None, a path or a binary file object, "
        f"not {type(path_or_file).__name__}"
    )


__all__ = ["Target", "deliver"]
