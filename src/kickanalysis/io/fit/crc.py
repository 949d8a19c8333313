"""The FIT CRC-16, vectorised with numpy.

FIT files carry CRC-16/ARC checksums (polynomial 0x8005 reflected, initial value 0; FIT
Protocol, section "File CRC"). A byte-by-byte Python loop costs about 0.1 µs a byte, far
too slow for multi-megabyte files, so the CRC is computed with its linearity instead: with
initial value 0, the CRC of a message is the XOR of the contributions of its bytes, and the
contribution of byte ``b`` followed by ``k`` zero bytes depends only on ``(b, k)``.

The data is cut into blocks of :data:`BLOCK` bytes (left-padded with zeros, which do not
change a CRC that starts at 0); every block's CRC is one table gather (a 32 kB table of
the contribution of each byte value at each position, small enough to stay in the CPU's
first-level cache) and one XOR reduction. :data:`GROUP` consecutive block CRCs make the
CRC of their super-block the same way: the contribution of a block CRC followed by ``m``
blocks is a linear map of its 16 bits, tabulated for its low and its high byte. The
super-block CRCs are chained in Python. The data is processed in chunks of at most
:data:`CHUNK` bytes and a sixteenth of the data, so that the temporary arrays stay small
(a read's peak memory is the frame it builds, not its checksum).
"""

from __future__ import annotations

import numpy as np

BLOCK = 64  # bytes per block: one gather row
GROUP = 32  # blocks per super-block
CHUNK = 1 << 16  # bytes converted at a time


def _byte_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint32)
    for b in range(256):
        crc = b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table[b] = crc
    return table


_TABLE = _byte_table()
_tables: tuple[np.ndarray, ...] | None = None


def _advance_zero(state: np.ndarray) -> np.ndarray:
    """Feed one zero byte to every CRC state in *state*."""
    return (state >> 8) ^ _TABLE[state & 0xFF]


def _build_tables() -> tuple[np.ndarray, ...]:
    # contrib[i, b]: contribution of byte b at position i of a BLOCK-byte block
    contrib = np.empty((BLOCK, 256), dtype=np.uint16)
    state = _TABLE.copy()  # byte b fed to state 0
    for k in range(BLOCK):
        contrib[BLOCK - 1 - k] = state
        state = _advance_zero(state)
    # a state's low and high byte advanced by one block of zero bytes
    low = np.arange(256, dtype=np.uint32)
    high = low << 8
    for _ in range(BLOCK):
        low = _advance_zero(low)
        high = _advance_zero(high)
    block_low, block_high = low, high
    # group_low[j, v] (group_high): a block CRC with low (high) byte v at block j of a
    # super-block, advanced past the GROUP - 1 - j blocks after it
    group_low = np.empty((GROUP, 256), dtype=np.uint16)
    group_high = np.empty((GROUP, 256), dtype=np.uint16)
    low = np.arange(256, dtype=np.uint32)
    high = low << 8
    for j in range(GROUP - 1, -1, -1):
        group_low[j], group_high[j] = low, high
        low = block_low[low & 0xFF] ^ block_high[low >> 8]
        high = block_low[high & 0xFF] ^ block_high[high >> 8]
    # advancing a state by one super-block (GROUP blocks)
    return (
        contrib.ravel(),
        group_low.ravel(),
        group_high.ravel(),
        low.astype(np.uint16),
        high.astype(np.uint16),
        block_low.astype(np.uint16),
        block_high.astype(np.uint16),
    )


def crc16(data: bytes | memoryview | np.ndarray, crc: int = 0) -> int:
    """CRC-16 of *data* as defined by the FIT protocol.

    Parameters
    ----------
    data : bytes-like or numpy.ndarray of uint8
        The bytes to check.
    crc : int
        The CRC of what came before (0 to start).

    Returns
    -------
    int
        The CRC [0, 65535].

    Examples
    --------
    >>> hex(crc16(b"123456789"))
    '0xbb3d'
    """
    global _tables
    arr = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data
    n = len(arr)
    if n < 4 * BLOCK:
        table = _TABLE
        for b in arr.tobytes():
            crc = (crc >> 8) ^ int(table[(crc ^ b) & 0xFF])
        return crc
    if _tables is None:
        _tables = _build_tables()
    contrib, group_low, group_high, super_low, super_high, _, _ = _tables
    size = BLOCK * GROUP
    pad = (-n) % size
    if pad:
        arr = np.concatenate((np.zeros(pad, dtype=np.uint8), arr))
    positions = np.arange(BLOCK, dtype=np.uint16) * 256  # row offsets into contrib
    slots = np.arange(GROUP, dtype=np.uint16) * 256  # row offsets into group_*
    parts = np.empty(len(arr) // size, dtype=np.uint16)
    # np.take turns its indices into 8-byte integers: a chunk costs 10 bytes a byte.
    # Small files take smaller chunks, so that the checksum never needs more memory
    # than a fraction of the frame the file makes
    per_chunk = max(1, min(CHUNK, n // 16) // size)
    for lo in range(0, len(parts), per_chunk):
        blocks = arr[lo * size : (lo + per_chunk) * size].reshape(-1, BLOCK)
        block_crc = np.bitwise_xor.reduce(np.take(contrib, blocks + positions), axis=1)
        block_crc = block_crc.reshape(-1, GROUP)
        moved = np.take(group_low, (block_crc & 0xFF) + slots)
        moved ^= np.take(group_high, (block_crc >> 8) + slots)
        parts[lo : lo + per_chunk] = np.bitwise_xor.reduce(moved, axis=1)
    # a non-zero starting crc must be advanced past the padding too: treat it as a
    # contribution placed before the padded data, i.e. advance it by pad + n bytes.
    state = 0
    low, high = super_low.tolist(), super_high.tolist()  # Python ints in the loop
    for part in parts.tolist():
        state = low[state & 0xFF] ^ high[state >> 8] ^ part
    if crc:
        state ^= _advance(crc, n)
    return state


def _advance(state: int, nbytes: int) -> int:
    """Advance a CRC state over *nbytes* zero bytes (byte by byte, then block by block)."""
    for _ in range(nbytes % BLOCK):
        state = (state >> 8) ^ int(_TABLE[state & 0xFF])
    assert _tables is not None
    adv_low, adv_high = _tables[5], _tables[6]
    for _ in range(nbytes // BLOCK):
        state = int(adv_low[state & 0xFF]) ^ int(adv_high[state >> 8])
    return state
