"""Columnar FIT decoding: message bytes to numpy columns, one table per message type.

How it works (FIT Protocol, "FIT File Structure" and "Record Content"):

1. **Scan.** Walk the record headers once. A data message's size is fixed by its local
   definition, so a *run* of data messages with the same header byte sits at a fixed
   stride; runs are found with numpy (comparing every ``stride``-th header byte at once)
   instead of one message at a time. The scan records, per definition, where its data
   messages start; definitions repeated byte for byte share one entry.
2. **Gather.** Each definition's messages are copied into one ``(n, size)`` byte block
   and viewed through a numpy structured dtype built from the field definitions (with the
   definition's byte order), so every field is a column at once.
3. **Columns.** Per global message number the definitions' columns are merged in file
   order; invalid-value sentinels become masks, scale and offset are applied vectorised,
   components (``compressed_speed_distance`` → speed and distance, ``speed`` →
   ``enhanced_speed`` …) are expanded with accumulation, and compressed timestamp headers
   are resolved against the last full timestamp.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

from ...errors import CorruptFileError, UnknownFormatError, WarningLog
from . import _profile
from .crc import crc16

#: Seconds from the Unix epoch to the FIT epoch (1989-12-31T00:00:00Z).
FIT_EPOCH_S = 631_065_600

#: FIT base types by number (the low 5 bits of the base type byte):
#: (name, numpy kind, size in bytes, invalid raw value).
BASE_TYPES: dict[int, tuple[str, str, int, int | None]] = {
    0x00: ("enum", "u1", 1, 0xFF),
    0x01: ("sint8", "i1", 1, 0x7F),
    0x02: ("uint8", "u1", 1, 0xFF),
    0x03: ("sint16", "i2", 2, 0x7FFF),
    0x04: ("uint16", "u2", 2, 0xFFFF),
    0x05: ("sint32", "i4", 4, 0x7FFFFFFF),
    0x06: ("uint32", "u4", 4, 0xFFFFFFFF),
    0x07: ("string", "S", 1, None),
    0x08: ("float32", "f4", 4, None),
    0x09: ("float64", "f8", 8, None),
    0x0A: ("uint8z", "u1", 1, 0),
    0x0B: ("uint16z", "u2", 2, 0),
    0x0C: ("uint32z", "u4", 4, 0),
    0x0D: ("byte", "u1", 1, 0xFF),
    0x0E: ("sint64", "i8", 8, 0x7FFFFFFFFFFFFFFF),
    0x0F: ("uint64", "u8", 8, 0xFFFFFFFFFFFFFFFF),
    0x10: ("uint64z", "u8", 8, 0),
}

MESG_FIELD_DESCRIPTION = 206
MESG_DEVELOPER_DATA_ID = 207


@dataclass(eq=False)
class Definition:
    """One distinct definition message and the data messages that used it."""

    global_num: int
    big_endian: bool
    fields: tuple[tuple[int, int, int], ...]  # (field number, size, base type byte)
    dev_fields: tuple[tuple[int, int, int], ...]  # (field number, size, developer index)
    size: int  # payload bytes of a data message
    starts: list[int] = field(default_factory=list)  # header offsets of single messages
    runs: list[tuple[int, int]] = field(default_factory=list)  # (first header offset, count)
    ts_offsets: list[tuple[int, np.ndarray | int]] = field(default_factory=list)


@dataclass
class Column:
    """A decoded field: float values (NaN = invalid) or raw integers / strings."""

    name: str
    values: np.ndarray  # float64 physical values, NaN where invalid; or object for strings
    units: str = ""
    type_name: str = ""
    raw: np.ndarray | None = None  # integer raw values (enums), -1 where invalid


@dataclass
class MessageTable:
    """All messages of one global type, in file order, as columns."""

    num: int
    name: str
    pos: np.ndarray  # header byte offset of each message in the file
    columns: dict[str, Column]
    #: array-valued fields as (messages × elements) matrices in file order: physical
    #: values with NaN for numbers, raw bytes (0xFF padded) for byte and packed fields;
    #: messages that define the field as a scalar give one element
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pos)

    def get(self, name: str) -> np.ndarray | None:
        """Float values of a field, or None when no message has it as a number."""
        col = self.columns.get(name)
        if col is None or col.values.dtype != np.float64:
            return None
        return col.values

    def enum(self, name: str) -> np.ndarray | None:
        """Raw integer values of an enum-like field (-1 where invalid)."""
        col = self.columns.get(name)
        if col is None or col.values.dtype != np.float64:
            return None
        if col.raw is not None:
            return col.raw
        v = col.values
        return np.where(np.isnan(v), -1, v).astype(np.int64)


@dataclass
class FitData:
    """Everything decoded from one FIT byte string (chained files merged)."""

    messages: dict[int, MessageTable]
    headers: list[dict]
    bytes_used: int
    #: number of messages of every type in the file, decoded or not
    counts: dict[str, int] = field(default_factory=dict)

    def table(self, num: int) -> MessageTable | None:
        return self.messages.get(num)


# --------------------------------------------------------------------------- scanning
class _ScanState:
    __slots__ = ("by_key", "defs", "local", "log", "name", "tolerate_tail")

    def __init__(self, name: str, log: WarningLog) -> None:
        self.tolerate_tail = 0  # bytes at the end that may be left unread silently
        self.name = name
        self.log = log
        self.by_key: dict[bytes, Definition] = {}
        self.defs: list[Definition] = []
        self.local: list[Definition | None] = [None] * 16


def _parse_definition(
    buf: bytes, pos: int, end: int, state: _ScanState
) -> tuple[Definition, int] | None:
    header = buf[pos]
    if pos + 6 > end:
        return None
    nfields = buf[pos + 5]
    p = pos + 6 + 3 * nfields
    ndev = 0
    if header & 0x20:
        if p + 1 > end:
            return None
        ndev = buf[p]
        p += 1 + 3 * ndev
    if p > end:
        return None
    key = bytes(buf[pos + 2 : p]) + bytes((header & 0x20,))
    d = state.by_key.get(key)
    if d is None:
        big = buf[pos + 2] == 1
        gnum = struct.unpack_from(">H" if big else "<H", buf, pos + 3)[0]
        raw = buf[pos + 6 : pos + 6 + 3 * nfields]
        fields = tuple((raw[i], raw[i + 1], raw[i + 2]) for i in range(0, 3 * nfields, 3))
        dev: tuple[tuple[int, int, int], ...] = ()
        if ndev:
            q = pos + 7 + 3 * nfields
            rawd = buf[q : q + 3 * ndev]
            dev = tuple((rawd[i], rawd[i + 1], rawd[i + 2]) for i in range(0, 3 * ndev, 3))
        size = sum(f[1] for f in fields) + sum(f[1] for f in dev)
        d = Definition(gnum, big, fields, dev, size)
        state.by_key[key] = d
        state.defs.append(d)
    state.local[header & 0x0F] = d
    return d, p


def _run_length(arr: np.ndarray, pos: int, stride: int, limit: int, header: int, mask: int) -> int:
    """Number of consecutive messages from *pos* whose header byte matches (under mask)."""
    count = 1
    chunk = 16
    target = header & mask
    while count < limit:
        hi = min(count + chunk, limit)
        seg = arr[pos + count * stride : pos + hi * stride : stride]
        if mask != 0xFF:
            seg = seg & mask
        bad = np.flatnonzero(seg != target)
        if len(bad):
            return count + int(bad[0])
        count = hi
        chunk *= 4
    return count


def _fits(buf: bytes, pos: int, end: int, local: list[Definition | None]) -> bool:
    """Whether a whole data message starts at *pos* (used to tell a trailing CRC apart)."""
    header = buf[pos]
    if header & 0x40 and not header & 0x80:
        return False
    d = local[(header >> 5) & 0x03] if header & 0x80 else local[header & 0x0F]
    return d is not None and pos + d.size + 1 <= end


def _scan(buf: bytes, arr: np.ndarray, start: int, end: int, state: _ScanState) -> int:
    """Scan the records between *start* and *end*; return where scanning stopped."""
    pos = start
    local = state.local
    while pos < end:
        if end - pos <= state.tolerate_tail and not _fits(buf, pos, end, local):
            return pos  # a trailing CRC, not a message
        header = buf[pos]
        if header & 0x80:  # compressed timestamp header
            d = local[(header >> 5) & 0x03]
            compressed = True
        elif header & 0x40:  # definition message
            parsed = _parse_definition(buf, pos, end, state)
            if parsed is None:
                state.log.repaired("definition message cut off by the end of the data", offset=pos)
                return pos
            pos = parsed[1]
            continue
        else:
            d = local[header & 0x0F]
            compressed = False
        if d is None:
            state.log.repaired(
                f"data message for undefined local message type {header & 0x0F}; "
                "the rest of this file segment is skipped",
                offset=pos,
            )
            return pos
        stride = d.size + 1
        if pos + stride > end:
            state.log.repaired("data message cut off by the end of the data", offset=pos)
            return pos
        nxt = pos + stride
        same = nxt + stride <= end and (
            buf[nxt] == header if not compressed else (buf[nxt] & 0xE0) == (header & 0xE0)
        )
        if not same:
            d.starts.append(pos)
            if compressed:
                d.ts_offsets.append((pos, header & 0x1F))
            pos = nxt
            continue
        limit = (end - pos) // stride
        count = _run_length(arr, pos, stride, limit, header, 0xE0 if compressed else 0xFF)
        d.runs.append((pos, count))
        if compressed:
            offs = arr[pos : pos + count * stride : stride] & 0x1F
            d.ts_offsets.append((pos, offs))
        pos += count * stride
    return pos


# --------------------------------------------------------------------------- decoding
def _row_starts(d: Definition) -> np.ndarray:
    parts = [np.asarray(d.starts, dtype=np.int64)] if d.starts else []
    for start, count in d.runs:
        parts.append(start + np.arange(count, dtype=np.int64) * (d.size + 1))
    if not parts:
        return np.zeros(0, dtype=np.int64)
    starts = np.concatenate(parts) if len(parts) > 1 else parts[0]
    if d.starts and d.runs:
        starts.sort(kind="stable")
    return starts


def _field_dtype(base: int, size: int, big: bool) -> tuple[str, str | tuple]:
    """numpy dtype of a field; ``('bytes', ...)`` when the size does not fit the base type."""
    info = BASE_TYPES.get(base & 0x1F)
    if info is None:
        return "bytes", ("u1", (size,)) if size > 1 else "u1"
    _, kind, bsize, _ = info
    if kind == "S":
        return "string", f"S{size}"
    if size % bsize:
        return "bytes", ("u1", (size,)) if size > 1 else "u1"
    code = ("<" if not big else ">") + kind if bsize > 1 else kind
    if size == bsize:
        return "scalar", code
    return "array", (code, (size // bsize,))


def _invalid_mask(values: np.ndarray, base: int) -> np.ndarray:
    info = BASE_TYPES.get(base & 0x1F)
    if info is None or info[1] in ("f4", "f8"):
        return ~np.isfinite(values)  # the float sentinel (all bits set) is a NaN
    return values == info[3]


@dataclass
class _Part:
    """Columns of one definition, before merging with the others of its message."""

    pos: np.ndarray
    scalars: dict[int, tuple[np.ndarray, int]]  # field num -> (raw values, base type)
    arrays: dict[int, tuple[np.ndarray, int]]  # field num -> (raw 2-D values, base type)
    strings: dict[int, np.ndarray]
    dev: dict[tuple[int, int], tuple[np.ndarray, int]]  # (dev index, num) -> raw bytes


def _decode_definition(
    d: Definition, swv: np.ndarray, dev_types: dict[tuple[int, int], int]
) -> _Part:
    starts = _row_starts(d)
    names, formats, offsets, kinds = [], [], [], []
    off = 1
    for num, size, base in d.fields:
        if size == 0:
            continue
        kind, fmt = _field_dtype(base, size, d.big_endian)
        names.append(f"f{num}_{off}")
        formats.append(fmt)
        offsets.append(off)
        kinds.append((num, kind, base))
        off += size
    for num, size, idx in d.dev_fields:
        if size == 0:
            continue
        base = dev_types.get((idx, num), 0x0D)
        kind, fmt = _field_dtype(base, size, d.big_endian)
        names.append(f"d{idx}_{num}_{off}")
        formats.append(fmt)
        offsets.append(off)
        kinds.append(((idx, num), "dev:" + kind, base))
        off += size
    dtype = np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": off})
    block = swv[starts] if len(starts) else np.zeros((0, off), dtype=np.uint8)
    table = np.ascontiguousarray(block).view(dtype).reshape(-1)
    part = _Part(starts, {}, {}, {}, {})
    for name, (num, kind, base) in zip(names, kinds):
        col = table[name]
        if kind == "scalar":
            if num not in part.scalars:
                part.scalars[num] = (col, base)
        elif kind == "array":
            part.arrays.setdefault(num, (col, base))
        elif kind == "string":
            part.strings.setdefault(num, col)
        elif kind == "bytes":
            part.arrays.setdefault(num, (col.reshape(len(col), -1), 0x0D))
        elif kind.startswith("dev:"):
            part.dev.setdefault(num, (col, base))
    return part


def _decode_strings(col: np.ndarray) -> np.ndarray:
    out = np.empty(len(col), dtype=object)
    for i, b in enumerate(col.tolist()):
        s = b.split(b"\0", 1)[0]
        out[i] = s.decode("utf-8", "replace") if s else None
    return out


def _to_float(raw: np.ndarray, base: int, scale: float, offset: float) -> np.ndarray:
    bad = _invalid_mask(raw, base)
    values = raw.astype(np.float64)
    # value = raw / scale - offset, computed as (raw - offset * scale) / scale: one
    # correctly rounded division gives the exact decimal (540.4 m, not 540.4000000000001)
    # whenever offset * scale is a whole number, as it is for every FIT profile field
    if offset:
        values -= offset * scale
    if scale != 1:
        values /= scale
    values[bad] = np.nan
    return values


def _bytes_to_int(raw2d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Little-endian integer of up to 8 bytes per row, and whether any byte is valid."""
    n, k = raw2d.shape
    k = min(k, 8)
    out = np.zeros(n, dtype=np.uint64)
    for i in range(k):
        out |= raw2d[:, i].astype(np.uint64) << np.uint64(8 * i)
    valid = (raw2d != 0xFF).any(axis=1)
    return out, valid


def _snake(name: str) -> str:
    out = []
    prev_lower = False
    for ch in name.strip():
        if ch.isalnum():
            if ch.isupper() and prev_lower:
                out.append("_")
            out.append(ch.lower())
            prev_lower = ch.islower() or ch.isdigit()
        else:
            if out and out[-1] != "_":
                out.append("_")
            prev_lower = False
    s = "".join(out).strip("_")
    return s or "field"


class _DevInfo:
    """Developer field descriptions from field_description messages."""

    def __init__(self) -> None:
        self.types: dict[tuple[int, int], int] = {}
        self.meta: dict[tuple[int, int], tuple[str, float, float, str]] = {}

    def load(self, parts: list[_Part]) -> None:
        for part in parts:
            s = part.scalars
            if 0 not in s or 1 not in s or 2 not in s:
                continue
            idx, num, base = s[0][0], s[1][0], s[2][0]
            names = _decode_strings(part.strings[3]) if 3 in part.strings else None
            units = _decode_strings(part.strings[8]) if 8 in part.strings else None
            scale = s[6][0] if 6 in s else None
            offset = s[7][0] if 7 in s else None
            for i in range(len(idx)):
                key = (int(idx[i]), int(num[i]))
                self.types[key] = int(base[i])
                nm = names[i] if names is not None and names[i] else f"dev_{key[0]}_{key[1]}"
                sc = float(scale[i]) if scale is not None and scale[i] not in (0, 0xFF) else 1.0
                of = float(offset[i]) if offset is not None and offset[i] != 0x7F else 0.0
                un = units[i] if units is not None and units[i] else ""
                self.meta[key] = (nm, sc, of, un)


def _merge(num: int, parts: list[_Part], dev: _DevInfo) -> MessageTable:
    """Merge the parts of one global message into columns in file order."""
    name, fields = _profile.MESSAGES.get(num, (f"unknown_{num}", {}))
    pos = np.concatenate([p.pos for p in parts]) if len(parts) > 1 else parts[0].pos
    order = np.argsort(pos, kind="stable") if len(parts) > 1 else None
    n = len(pos)
    bounds = np.cumsum([0] + [len(p.pos) for p in parts])

    def assemble(pieces: list[tuple[int, np.ndarray]], fill, dtype) -> np.ndarray:
        if len(parts) == 1:
            return pieces[0][1]
        out = np.full(n, fill, dtype=dtype)
        for i, vals in pieces:
            out[bounds[i] : bounds[i + 1]] = vals
        return out[order]

    columns: dict[str, Column] = {}
    never: np.ndarray | None = None  # the column of the fields never written
    # scalar fields
    field_nums = sorted({k for p in parts for k in p.scalars})
    for fnum in field_nums:
        fname, ftype, scale, offset, units, _ = fields.get(
            fnum, (f"unknown_{fnum}", "", 1, 0, "", ())
        )
        pieces = [
            (i, _to_float(p.scalars[fnum][0], p.scalars[fnum][1], scale, offset))
            for i, p in enumerate(parts)
            if fnum in p.scalars
        ]
        values = assemble(pieces, np.nan, np.float64)
        if np.isnan(values).all():
            # defined but never written: all such fields of the message share one
            # read-only NaN column (devices define many fields they never fill)
            if never is None:
                never = np.full(n, np.nan)
                never.flags.writeable = False
            values = never
        columns[fname] = Column(fname, values, units, ftype)
    # strings
    for fnum in sorted({k for p in parts for k in p.strings}):
        fname, ftype, _, _, units, _ = fields.get(fnum, (f"unknown_{fnum}", "", 1, 0, "", ()))
        if fname in columns:  # numeric in other definitions: keep the numbers
            continue
        pieces = [
            (i, _decode_strings(p.strings[fnum])) for i, p in enumerate(parts) if fnum in p.strings
        ]
        columns[fname] = Column(fname, assemble(pieces, None, object), units, "string")
    # arrays: kept as element columns name_0, name_1 … (at most 8); byte blobs kept as
    # integers for component expansion only
    blobs: dict[int, list[tuple[int, np.ndarray, np.ndarray]]] = {}
    arrays: dict[str, np.ndarray] = {}
    for fnum in sorted({k for p in parts for k in p.arrays}):
        fname, ftype, scale, offset, units, comps = fields.get(
            fnum, (f"unknown_{fnum}", "", 1, 0, "", ())
        )
        arrays[fname] = _array_field(fnum, parts, scale, offset, bool(comps), bounds, order, n)
        for i, p in enumerate(parts):
            if fnum not in p.arrays:
                continue
            raw, base = p.arrays[fnum]
            if comps or base == 0x0D:
                if raw.ndim == 1:
                    raw = raw.reshape(-1, 1)
                if raw.dtype != np.uint8:
                    raw = np.ascontiguousarray(raw).view(np.uint8).reshape(len(raw), -1)
                as_int, valid = _bytes_to_int(raw)
                blobs.setdefault(fnum, []).append((i, as_int, valid))
                continue
            width = min(raw.shape[1], 8)
            for j in range(width):
                cname = f"{fname}_{j}"
                vals = _to_float(np.ascontiguousarray(raw[:, j]), base, scale, offset)
                prev = columns.get(cname)
                piece = assemble([(i, vals)], np.nan, np.float64) if len(parts) > 1 else vals
                if prev is not None and len(parts) > 1:
                    piece = np.where(np.isnan(piece), prev.values, piece)
                columns[cname] = Column(cname, piece, units, ftype)
    # developer fields
    for key in sorted({k for p in parts for k in p.dev}):
        nm, sc, of, un = dev.meta.get(key, (f"dev_{key[0]}_{key[1]}", 1.0, 0.0, ""))
        pieces = []
        for i, p in enumerate(parts):
            if key not in p.dev:
                continue
            raw, base = p.dev[key]
            if raw.ndim != 1 or base & 0x1F not in BASE_TYPES or BASE_TYPES[base & 0x1F][1] == "S":
                continue
            pieces.append((i, _to_float(raw, base, sc, of)))
        if pieces:
            columns["dev:" + nm] = Column(nm, assemble(pieces, np.nan, np.float64), un, "dev")
    _expand_components(num, fields, parts, columns, blobs, assemble, n)
    return MessageTable(num, name, pos[order] if order is not None else pos, columns, arrays)


def _array_field(
    fnum: int,
    parts: list[_Part],
    scale: float,
    offset: float,
    packed: bool,
    bounds: np.ndarray,
    order: np.ndarray | None,
    n: int,
) -> np.ndarray:
    """One array field as a (messages × elements) matrix over all definitions."""
    pieces = []
    for i, p in enumerate(parts):
        if fnum in p.arrays:
            raw, base = p.arrays[fnum]
        elif fnum in p.scalars:
            raw, base = p.scalars[fnum]
        else:
            continue
        raw = np.ascontiguousarray(raw)
        if raw.ndim == 1:
            raw = raw.reshape(-1, 1)
        if packed or base == 0x0D:
            pieces.append((i, raw.view(np.uint8).reshape(len(raw), -1)))
        else:
            flat = _to_float(raw.reshape(-1), base, scale, offset)
            pieces.append((i, flat.reshape(raw.shape)))
    byte_field = pieces[0][1].dtype == np.uint8
    width = max(m.shape[1] for _, m in pieces)
    out = np.full((n, width), 0xFF if byte_field else np.nan, dtype=pieces[0][1].dtype)
    for i, mat in pieces:
        if mat.dtype != out.dtype:
            continue  # the same field as bytes in one definition, numbers in another
        out[bounds[i] : bounds[i + 1], : mat.shape[1]] = mat
    return out[order] if order is not None else out


def _expand_components(num, fields, parts, columns, blobs, assemble, n) -> None:
    """Expand component fields into their targets (FIT Protocol, "Components")."""
    for fnum, (fname, _ftype, scale, offset, _units, comps) in fields.items():
        if not comps or len({c[0] for c in comps}) < len(comps):
            continue  # array components (event_timestamp_12 …) are expanded by their users
        if fnum in blobs:
            pieces = blobs[fnum]
            ints = assemble([(i, v) for i, v, _ in pieces], 0, np.uint64)
            valid = assemble([(i, ok) for i, _, ok in pieces], False, bool)
        elif fname in columns and columns[fname].values.dtype == np.float64:
            vals = columns[fname].values
            valid = ~np.isnan(vals)
            raw = np.where(valid, np.round((vals + offset) * scale), 0)
            ints = raw.astype(np.uint64)
        else:
            continue
        if not valid.any():
            continue
        shift = 0
        for target, bits, cscale, coffset in comps:
            lo, shift = shift, shift + bits
            tname = fields.get(target, (f"unknown_{target}",))[0]
            tunits = fields.get(target, ("", "", 1, 0, ""))[4]
            existing = columns.get(tname)
            if existing is not None and existing.values.dtype != np.float64:
                existing = None  # a damaged definition gave the numeric target as text
            if existing is not None and not np.isnan(existing.values[valid]).any():
                continue  # the target was recorded itself wherever the source was
            comp = (ints[valid] >> np.uint64(lo)) & np.uint64((1 << bits) - 1)
            compv = comp.astype(np.int64)
            if (num, target) in _profile.ACCUMULATED and len(compv):
                steps = np.diff(compv) & ((1 << bits) - 1)
                compv = compv[0] + np.concatenate(([0], np.cumsum(steps)))
            vals = np.full(n, np.nan)
            vals[valid] = compv / cscale - coffset
            if existing is not None:
                vals = np.where(np.isnan(existing.values), vals, existing.values)
            columns[tname] = Column(tname, vals, tunits, "")


def _resolve_compressed_timestamps(defs: list[Definition], tables: dict[int, MessageTable]) -> None:
    """Give messages with compressed timestamp headers their absolute timestamp."""
    comp_pos, comp_off = [], []
    for d in defs:
        for pos, offs in d.ts_offsets:
            if isinstance(offs, np.ndarray):
                comp_pos.append(pos + np.arange(len(offs), dtype=np.int64) * (d.size + 1))
                comp_off.append(offs.astype(np.int64))
            else:
                comp_pos.append(np.array([pos], dtype=np.int64))
                comp_off.append(np.array([offs], dtype=np.int64))
    if not comp_pos:
        return
    cpos = np.concatenate(comp_pos)
    coff = np.concatenate(comp_off)
    o = np.argsort(cpos, kind="stable")
    cpos, coff = cpos[o], coff[o]
    # full timestamps, from every message that has one
    fpos, fval = [], []
    for t in tables.values():
        ts = t.get("timestamp")
        if ts is None:
            continue
        keep = ~np.isnan(ts)
        fpos.append(t.pos[keep])
        fval.append(ts[keep].astype(np.int64))
    # merge: events are full (value) or compressed (offset), in file order
    allpos = np.concatenate([*fpos, cpos]) if fpos else cpos
    is_full = np.concatenate([np.ones(sum(len(p) for p in fpos), bool), np.zeros(len(cpos), bool)])
    vals = np.concatenate([*fval, coff]) if fval else coff
    order = np.argsort(allpos, kind="stable")
    allpos, is_full, vals = allpos[order], is_full[order], vals[order]
    # within a chain after a full timestamp T0: ts_k = ts_{k-1} + ((off_k - ts_{k-1}) & 31)
    chain = np.cumsum(is_full)  # chain id: index of the last full timestamp (0 = none yet)
    full_vals = np.concatenate(([0], vals[is_full]))
    base = full_vals[chain]
    # previous element's low 5 bits (full: its value; compressed: its offset)
    low = np.where(is_full, vals & 31, vals)
    prev = np.concatenate(([0], low[:-1]))
    delta = np.where(is_full, 0, (low - prev) & 31)
    resolved = base + _segmented_cumsum(delta, is_full)
    comp_mask = ~is_full
    res_pos = allpos[comp_mask]
    res_val = resolved[comp_mask].astype(np.float64)
    res_val[chain[comp_mask] == 0] = np.nan  # no full timestamp before: unknown
    for t in tables.values():
        idx = np.searchsorted(res_pos, t.pos)
        idx[idx >= len(res_pos)] = 0
        hit = res_pos[idx] == t.pos if len(res_pos) else np.zeros(len(t.pos), bool)
        if not hit.any():
            continue
        col = t.columns.get("timestamp")
        values = np.full(len(t.pos), np.nan) if col is None else col.values.copy()
        values[hit] = res_val[idx[hit]]
        t.columns["timestamp"] = Column("timestamp", values, "s", "date_time")


def _segmented_cumsum(delta: np.ndarray, reset: np.ndarray) -> np.ndarray:
    """Cumulative sum of *delta* restarting at every True of *reset*."""
    total = np.cumsum(delta)
    at_reset = np.where(reset, total, 0)
    np.maximum.accumulate(at_reset, out=at_reset)  # totals are non-decreasing
    return total - at_reset


# --------------------------------------------------------------------------- file level
def decode(
    data: bytes, name: str, log: WarningLog, only: set[int] | frozenset[int] | None = None
) -> FitData:
    """Decode the messages of a FIT byte string (chained files included).

    Parameters
    ----------
    data : bytes
        The whole file.
    name : str
        Source name for messages.
    log : WarningLog
        Collects repairs (CRC mismatch, truncation); raises under ``strict``.
    only : set of int, optional
        Global message numbers to decode (all by default). Every message is still
        scanned, checked and counted; when the file uses compressed timestamp headers,
        every type is decoded, because their times chain through all messages.

    Returns
    -------
    FitData
    """
    arr = np.frombuffer(data, dtype=np.uint8)
    total = len(data)
    headers: list[dict] = []
    all_defs: list[Definition] = []
    off = 0
    stop = 0
    while off < total:
        if total - off < 12:
            if off == 0:
                raise UnknownFormatError(name, "too short for a FIT header")
            log.repaired(f"{total - off} trailing bytes after the FIT data ignored", offset=off)
            break
        hsize = data[off]
        if off == 0 and hsize in (12, 14) and data[8:12] == b".FIT" and total < hsize:
            raise CorruptFileError(name, f"the {hsize}-byte FIT header is cut off", offset=total)
        if hsize not in (12, 14) or data[off + 8 : off + 12] != b".FIT" or total - off < hsize:
            if off == 0:
                raise UnknownFormatError(name, "no FIT header")
            log.repaired(
                f"{total - off} bytes after the FIT data are not a chained FIT file; ignored",
                offset=off,
            )
            break
        protocol = data[off + 1]
        profile, data_size = struct.unpack_from("<HI", data, off + 2)
        header = {"offset": off, "protocol_version": protocol, "profile_version": profile}
        headers.append(header)
        if hsize == 14:
            hcrc = struct.unpack_from("<H", data, off + 12)[0]
            if hcrc and crc16(data[off : off + 12]) != hcrc:
                log.repaired("FIT header CRC mismatch", offset=off)
        start = off + hsize
        end = start + data_size
        if data_size == 0 and total - start > 2:
            # writers that stream (and crash) leave the size at 0: read to the end
            log.repaired(
                "header announces 0 data bytes (file never finalised); "
                "reading messages to the end of the file",
                offset=off + 4,
            )
            end = total
            file_crc = None
            state = _ScanState(name, log)
            state.tolerate_tail = 2  # the last two bytes may be a CRC
            stop = _scan(data, arr, start, end, state)
            all_defs.extend(state.defs)
            break
        if end + 2 > total:
            got = total - start
            log.repaired(
                f"file truncated: header announces {data_size} data bytes, "
                f"{max(got, 0)} present (plus no file CRC)",
                offset=total,
            )
            end = total
            file_crc = None
        else:
            file_crc = struct.unpack_from("<H", data, end)[0]
        if file_crc is not None and file_crc != 0:
            computed = crc16(arr[off:end])
            if computed != file_crc:
                log.repaired(
                    f"file CRC mismatch (computed 0x{computed:04X}, stored 0x{file_crc:04X})",
                    offset=end,
                )
        state = _ScanState(name, log)
        stop = _scan(data, arr, start, end, state)
        all_defs.extend(state.defs)
        off = end + 2
        if stop < end:
            break
    # gather every definition's messages into columns, message by message
    by_global: dict[int, list[Definition]] = {}
    for d in all_defs:
        if d.starts or d.runs:
            by_global.setdefault(d.global_num, []).append(d)
    windows: dict[int, np.ndarray] = {}

    def window(size: int) -> np.ndarray:
        w = windows.get(size)
        if w is None:
            w = (
                np.lib.stride_tricks.sliding_window_view(arr, size + 1)
                if len(arr) > size
                else (np.zeros((0, size + 1), dtype=np.uint8))
            )
            windows[size] = w
        return w

    dev = _DevInfo()
    parts_by_global: dict[int, list[_Part]] = {}
    if MESG_FIELD_DESCRIPTION in by_global:
        fd_parts = [
            _decode_definition(d, window(d.size), {}) for d in by_global[MESG_FIELD_DESCRIPTION]
        ]
        dev.load(fd_parts)
        parts_by_global[MESG_FIELD_DESCRIPTION] = fd_parts
    compressed = any(d.ts_offsets for d in all_defs)
    for gnum, defs in by_global.items():
        if gnum == MESG_FIELD_DESCRIPTION or (
            only is not None and gnum not in only and not compressed
        ):
            continue
        parts_by_global[gnum] = [_decode_definition(d, window(d.size), dev.types) for d in defs]
    tables = {g: _merge(g, parts, dev) for g, parts in parts_by_global.items()}
    if compressed:
        _resolve_compressed_timestamps(all_defs, tables)
    counts: dict[str, int] = {}
    for gnum, defs in by_global.items():
        mname = _profile.MESSAGES.get(gnum, (f"unknown_{gnum}",))[0]
        counts[mname] = sum(len(d.starts) + sum(c for _, c in d.runs) for d in defs)
    return FitData(tables, headers, stop, counts)
