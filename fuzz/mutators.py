"""Mutations of FIT, GPX and TCX files, seed files, and a bounded check of one read.

Shared by the CI fuzz tests (``tests/robustness/test_fuzz.py``, which drive the mutators
with a Hypothesis-controlled ``random.Random``) and the long run (``fuzz/run.py``, a plain
seeded loop). Nothing here depends on pytest.

The contract checked for every input (:func:`check`): the reader returns an
:class:`~kickanalysis.activity.Activity` or raises a
:class:`~kickanalysis.errors.KickAnalysisError` subclass; it never raises anything else,
never runs longer than a generous hang limit, and never allocates more than
``MEM_RATIO`` times the input size plus ``MEM_ALLOWANCE`` bytes (tracemalloc peak).
"""

from __future__ import annotations

import random
import signal
import struct
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import kickanalysis as ka
from kickanalysis.errors import DataQualityWarning, KickAnalysisError

REPO = Path(__file__).resolve().parents[1]

#: Hang detector per input [s]: a read of a seed file takes ~1-20 ms, so anything near
#: this is a hang (or quadratic blow-up), not a slow machine.
TIME_LIMIT_S = 5.0
#: Memory cap: tracemalloc peak <= MEM_RATIO * input size + MEM_ALLOWANCE [bytes].
#: The ratio: the vectorised scanners keep a few int64 index arrays per tag (positions
#: of ``<`` and ``>``, depth, name keys, codes: ~160 bytes per tag for the TCX scanner),
#: and the densest markup that is not refused is ``<a></a>``, 3.5 bytes per tag, which
#: measured 45x; 64x bounds that with a margin (real files stay near 10x). The
#: allowance: what every read allocates whatever the input size (DataFrames, indices,
#: the expat parser); the largest peak measured for the ~1-12 KB seed files and their
#: mutants is about 2 MB.
MEM_RATIO = 64
MEM_ALLOWANCE = 4 * 1024 * 1024


# ------------------------------------------------------------------------- seed files
def _simulated(seconds: int, seed: int):
    sim = ka.simulate_run(
        duration_s=seconds, seed=seed, gps_spike_rate_per_h=0.0, laps_every_m=100.0
    )
    return sim.activity


def tcx_bytes(activity) -> bytes:
    """A small TCX document with the activity's records (hand-built; there is no writer).

    Only for test inputs: one lap, one track, every record a ``Trackpoint`` with time,
    position, altitude, distance, heart rate, cadence and a speed extension.
    """
    rec = activity.records
    ns = rec.index.asi8
    rows = []
    for i in range(len(rec)):
        t = rec.index[i].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        r = rec.iloc[i]
        rows.append(
            f"<Trackpoint><Time>{t}</Time><Position>"
            f"<LatitudeDegrees>{r['lat_deg']:.7f}</LatitudeDegrees>"
            f"<LongitudeDegrees>{r['lon_deg']:.7f}</LongitudeDegrees></Position>"
            f"<AltitudeMeters>{r['elevation_m']:.1f}</AltitudeMeters>"
            f"<DistanceMeters>{r['distance_m']:.2f}</DistanceMeters>"
            f"<HeartRateBpm><Value>{r['heart_rate_bpm']:.0f}</Value></HeartRateBpm>"
            f"<Cadence>{r['cadence_spm'] / 2:.0f}</Cadence>"
            f'<Extensions><TPX xmlns="http://www.garmin.com/xmlschemas/ActivityExtension/v2">'
            f"<Speed>{r['speed_mps']:.3f}</Speed></TPX></Extensions></Trackpoint>"
        )
    start = rec.index[0].strftime("%Y-%m-%dT%H:%M:%SZ")
    dur = (ns[-1] - ns[0]) / 1e9
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        'TrainingCenterDatabase/v2">\n<Activities><Activity Sport="Running">'
        f'<Id>{start}</Id><Lap StartTime="{start}"><TotalTimeSeconds>{dur:.1f}'
        f"</TotalTimeSeconds><DistanceMeters>{rec['distance_m'].iloc[-1]:.1f}</DistanceMeters>"
        "<Intensity>Active</Intensity><TriggerMethod>Manual</TriggerMethod><Track>\n"
        + "\n".join(rows)
        + "\n</Track></Lap><Creator><Name>Forerunner 965</Name></Creator></Activity>"
        "</Activities></TrainingCenterDatabase>\n"
    ).encode()


_HAND_TCX = b"""<?xml version="1.0"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">
<Activities><Activity Sport="Biking"><Id>2024-01-01T00:00:00Z</Id>
<Lap StartTime="2024-01-01T00:00:00Z"><TotalTimeSeconds>3</TotalTimeSeconds><Track>
<Trackpoint><Time>2024-01-01T00:00:00Z</Time><Position><LatitudeDegrees>45.1
</LatitudeDegrees><LongitudeDegrees>7.2</LongitudeDegrees></Position><Cadence>80</Cadence>
<Extensions><ns3:TPX xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2">
<ns3:Watts>200</ns3:Watts></ns3:TPX></Extensions></Trackpoint>
<!-- a comment --><Trackpoint><Time>2024-01-01T00:00:01+01:00</Time>
<HeartRateBpm><Value>120</Value></HeartRateBpm></Trackpoint>
<Trackpoint><Time>2024-01-01T00:00:02.5Z</Time><DistanceMeters><![CDATA[12.5]]>
</DistanceMeters></Trackpoint>
</Track></Lap><Lap StartTime="2024-01-01T00:00:03Z"><Track/></Lap></Activity>
</Activities></TrainingCenterDatabase>
"""

_HAND_GPX = b"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.0" creator="Garmin Connect" xmlns="http://www.topografix.com/GPX/1/0">
<metadata><time>2024-01-01T00:00:00Z</time></metadata>
<wpt lat="1" lon="2"><name>w &amp; p</name></wpt>
<trk><name>run</name><type>running</type><trkseg>
<trkpt lat="45.0" lon="7.0"><ele>100</ele><time>2024-01-01T00:00:00Z</time></trkpt>
<trkpt lat='45.0001' lon='7.0001'><time>2024-01-01T00:00:01.5+02:00</time><extensions>
<gpxtpx:TrackPointExtension xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">
<gpxtpx:hr>140</gpxtpx:hr><gpxtpx:cad>85</gpxtpx:cad></gpxtpx:TrackPointExtension>
</extensions></trkpt>
</trkseg><trkseg><trkpt lat="45.0002" lon="7.0002"><!-- c --><time>2024-01-01T00:00:09Z
</time></trkpt></trkseg></trk>
<rte><rtept lat="1" lon="1"/></rte>
</gpx>
"""

_HAND_ROUTE_GPX = b"""<?xml version="1.0"?>
<gpx version="1.1" creator="x"><metadata><name>c</name><time>2024-02-29T23:59:59Z</time>
</metadata><rte><name>loop</name><rtept lat="46.1" lon="7.1"><ele>400</ele></rtept>
<rtept lat="46.1005" lon="7.1"/><rtept lat="46.101" lon="7.1005"><ele>402.5</ele></rtept>
</rte></gpx>
"""

_HAND_COURSE_TCX = b"""<?xml version="1.0" encoding="UTF-8"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">
<Courses><Course><Name>loop</Name><Lap><TotalTimeSeconds>20</TotalTimeSeconds></Lap><Track>
<Trackpoint><Time>2024-01-01T00:00:00Z</Time><Position><LatitudeDegrees>1</LatitudeDegrees>
<LongitudeDegrees>2</LongitudeDegrees></Position><DistanceMeters>0</DistanceMeters></Trackpoint>
<Trackpoint><Time>2024-01-01T00:00:10Z</Time><Position><LatitudeDegrees>1.001</LatitudeDegrees>
<LongitudeDegrees>2</LongitudeDegrees></Position><DistanceMeters>111</DistanceMeters></Trackpoint>
</Track></Course></Courses></TrainingCenterDatabase>
"""


def seeds(fmt: str, real: Path | None, *, small: bool = True) -> list[tuple[str, bytes]]:
    """Seed files for *fmt*: generated ones, hand-written ones and small real ones.

    Parameters
    ----------
    fmt : {"fit", "gpx", "tcx"}
    real : Path or None
        The third-party recordings folder (skipped when None).
    small : bool
        Only small files (fast reads, for CI); otherwise also the samples in
        ``data/samples`` and larger real files.

    Returns
    -------
    list of (name, bytes)
    """
    act = _simulated(40, seed=3)
    out: list[tuple[str, bytes]] = []
    if fmt == "fit":
        out.append(("sim40.fit", ka.write_fit(act)))
        names = ["fitparse__Activity.fit", "heartandsole__B47I2852.FIT"]
        if not small:
            names += [
                "heartandsole__testdata.fit",
                "fitparse__garmin-fenix-5-run.fit",
                "fitparse__compressed-speed-distance.fit",
                "fitparse__elemnt-bolt-no-application-id-inside-developer-data-id.fit",
                "tormoder-fit__unterminated-strings.fit",
                "fitparse__MonitoringFile.fit",
            ]
    elif fmt == "gpx":
        out.append(("sim40.gpx", ka.write_gpx(act)))
        out.append(("hand.gpx", _HAND_GPX))
        out.append(("route.gpx", _HAND_ROUTE_GPX))
        names = ["runpandas__garmin_connect.gpx", "gpxpy__gpx_with_garmin_extension.gpx"]
        if not small:
            names += [
                "gpxpy__gpx1.0_with_all_fields.gpx",
                "togeojson__missing_hr.gpx",
                "gpxpy__unicode_with_bom.gpx",
                "gpxpy__track-with-empty-segment.gpx",
            ]
    elif fmt == "tcx":
        out.append(("sim12.tcx", tcx_bytes(_simulated(12, seed=4))))
        out.append(("hand.tcx", _HAND_TCX))
        out.append(("course.tcx", _HAND_COURSE_TCX))
        names = [] if small else ["togeojson__sample.tcx"]
    else:
        raise ValueError(fmt)
    if not small:
        for p in sorted((REPO / "data" / "samples").glob(f"*.{fmt}")):
            out.append((p.name, p.read_bytes()))
    if real is not None:
        for n in names:
            p = real / fmt / n
            if p.is_file():
                out.append((n, p.read_bytes()))
    return out


# ------------------------------------------------------------------------- FIT structure
@dataclass(frozen=True)
class FitMessage:
    """One message found by :func:`fit_messages`: [start, end) byte offsets."""

    start: int
    end: int
    definition: bool
    local: int
    global_num: int


def fit_messages(data: bytes) -> list[FitMessage]:
    """Walk the messages of the first FIT file in *data* (an independent reference scan).

    Follows the FIT protocol record layout directly, one message at a time, without the
    library's decoder: used to aim mutations at definition messages and to know where
    each data message ends.
    """
    hsize = data[0]
    data_size = struct.unpack_from("<I", data, 4)[0]
    end = min(len(data), hsize + data_size)
    pos = hsize
    local: dict[int, tuple[int, int]] = {}  # local -> (global, size)
    out = []
    while pos < end:
        h = data[pos]
        if h & 0x80:
            loc = (h >> 5) & 3
            if loc not in local:
                break
            g, size = local[loc]
            nxt = pos + 1 + size
            if nxt > end:
                break
            out.append(FitMessage(pos, nxt, False, loc, g))
        elif h & 0x40:
            if pos + 6 > end:
                break
            big = data[pos + 2] == 1
            g = struct.unpack_from(">H" if big else "<H", data, pos + 3)[0]
            nf = data[pos + 5]
            fields = data[pos + 6 : pos + 6 + 3 * nf]
            size = sum(fields[1::3])
            nxt = pos + 6 + 3 * nf
            if h & 0x20:
                if nxt >= end:
                    break
                nd = data[nxt]
                size += sum(data[nxt + 1 : nxt + 1 + 3 * nd][1::3])
                nxt += 1 + 3 * nd
            if nxt > end:
                break
            local[h & 0x0F] = (g, size)
            out.append(FitMessage(pos, nxt, True, h & 0x0F, g))
        else:
            if (h & 0x0F) not in local:
                break
            g, size = local[h & 0x0F]
            nxt = pos + 1 + size
            if nxt > end:
                break
            out.append(FitMessage(pos, nxt, False, h & 0x0F, g))
        pos = nxt
    return out


# ------------------------------------------------------------------------- mutations
_INTERESTING_BYTES = (
    0x00,
    0x01,
    0x02,
    0x07,
    0x0C,
    0x0E,
    0x20,
    0x3F,
    0x40,
    0x7F,
    0x80,
    0x84,
    0x86,
    0x88,
    0x8C,
    0xE0,
    0xFE,
    0xFF,
)
_INTERESTING_U32 = (0, 1, 2, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFF, 1 << 24)


def _pos(rng: random.Random, data: bytes) -> int:
    return rng.randrange(len(data) + 1)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: _pos(rng, data)]


def flip_bits(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def set_byte(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    b = bytearray(data)
    b[rng.randrange(len(b))] = rng.choice(_INTERESTING_BYTES)
    return bytes(b)


def insert_bytes(data: bytes, rng: random.Random) -> bytes:
    i = _pos(rng, data)
    if rng.random() < 0.5 and data:
        j = rng.randrange(len(data))
        chunk = data[j : j + rng.randint(1, 64)]  # a copy of another part of the file
    else:
        chunk = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 8)))
    return data[:i] + chunk + data[i:]


def delete_bytes(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    i = rng.randrange(len(data))
    return data[:i] + data[i + rng.randint(1, 64) :]


def fit_definition(data: bytes, rng: random.Random) -> bytes:
    """Mutate one definition message: field count, a field's size or base type, the
    architecture byte, the global number, the local number or the developer flag."""
    try:
        defs = [m for m in fit_messages(data) if m.definition]
    except (IndexError, struct.error):
        defs = []
    if not defs:
        return set_byte(data, rng)
    m = rng.choice(defs)
    b = bytearray(data)
    nf = b[m.start + 5]
    what = rng.randrange(8)
    if what == 0:  # field count
        b[m.start + 5] = rng.choice((0, 1, nf - 1 & 0xFF, nf + 1 & 0xFF, 255, rng.randrange(256)))
    elif what in (1, 2) and nf:  # a field's size / base type
        f = m.start + 6 + 3 * rng.randrange(nf) + what
        if what == 1:
            b[f] = rng.choice((0, 1, 2, 3, 4, 7, 8, 255, rng.randrange(256)))
        else:
            b[f] = rng.choice(
                (0x00, 0x07, 0x84, 0x86, 0x88, 0x89, 0x8E, 0x1F, 0xFF, rng.randrange(256))
            )
    elif what == 3:  # architecture
        b[m.start + 2] = rng.choice((0, 1, 2, 255))
    elif what == 4:  # global message number
        g = rng.choice((0, 20, 18, 19, 21, 23, 132, 206, 207, 0xFFFF, rng.randrange(65536)))
        b[m.start + 3 : m.start + 5] = struct.pack("<H", g)
    elif what == 5:  # local message number / developer flag in the header byte
        b[m.start] = 0x40 | (b[m.start] & 0x20) | rng.randrange(16)
    elif what == 6:
        b[m.start] ^= 0x20
    else:  # a field's number
        if nf:
            b[m.start + 6 + 3 * rng.randrange(nf)] = rng.randrange(256)
    return bytes(b)


def fit_header(data: bytes, rng: random.Random) -> bytes:
    """Mutate the file header: header size, protocol, data size, or a data message's
    record header (local number, compressed-timestamp bit)."""
    if len(data) < 14:
        return set_byte(data, rng)
    b = bytearray(data)
    what = rng.randrange(4)
    if what == 0:
        b[0] = rng.choice((0, 12, 14, 13, 255))
    elif what == 1:
        b[4:8] = struct.pack(
            "<I",
            rng.choice(
                _INTERESTING_U32 + (len(data) - b[0] - 2 + rng.randint(-40, 40) & 0xFFFFFFFF,)
            ),
        )
    elif what == 2:
        b[1] = rng.randrange(256)
    else:
        try:
            msgs = [m for m in fit_messages(data) if not m.definition]
        except (IndexError, struct.error):
            msgs = []
        if msgs:
            m = rng.choice(msgs)
            b[m.start] = rng.choice((m.local, 0x80 | rng.randrange(128), rng.randrange(16)))
    return bytes(b)


_XML_JUNK = (
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&#0;",
    b"&#x110000;",
    b"&bogus;",
    b"]]>",
    b"<![CDATA[",
    b"<!--",
    b"-->",
    b"</a>",
    b"<a>",
    b'"',
    b"'",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"1e309",
    b"nan",
    b"-inf",
    b"-",
    b"",
    b"99999999999999999999",
    b"0x10",
    b"2024-13-45T25:61:61Z",
    b"1970-01-01T00:00:00Z",
    b"9999-12-31T23:59:59Z",
    b" ",
    b"\n",
)


def xml_token(data: bytes, rng: random.Random) -> bytes:
    """XML-aware damage: replace, duplicate or drop the text or tag around a position."""
    if not data:
        return rng.choice(_XML_JUNK)
    i = rng.randrange(len(data))
    what = rng.randrange(4)
    if what == 0:  # replace a text value between > and <
        lo = data.rfind(b">", 0, i) + 1
        hi = data.find(b"<", i)
        hi = len(data) if hi < 0 else hi
        return data[:lo] + rng.choice(_XML_JUNK) + data[hi:]
    if what == 1:  # drop a tag
        lo = data.rfind(b"<", 0, i)
        hi = data.find(b">", i)
        if lo < 0 or hi < 0:
            return data
        return data[:lo] + data[hi + 1 :]
    if what == 2:  # duplicate a tag somewhere else
        lo = data.rfind(b"<", 0, i)
        hi = data.find(b">", i)
        if lo < 0 or hi < 0:
            return data
        j = _pos(rng, data)
        return data[:j] + data[lo : hi + 1] + data[j:]
    return data[:i] + rng.choice(_XML_JUNK) + data[i:]


GENERIC = (truncate, flip_bits, set_byte, insert_bytes, delete_bytes)
MUTATORS: dict[str, tuple[Callable[[bytes, random.Random], bytes], ...]] = {
    "fit": GENERIC + (fit_definition, fit_definition, fit_header),
    "gpx": GENERIC + (xml_token, xml_token),
    "tcx": GENERIC + (xml_token, xml_token),
}


def mutate(data: bytes, fmt: str, rng: random.Random) -> bytes:
    """Apply one to three random mutations suited to *fmt*."""
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        data = rng.choice(MUTATORS[fmt])(data, rng)
    return data


# ------------------------------------------------------------------------- the check
class Hang(Exception):
    """Raised by the alarm when one read exceeds the time limit."""


def _alarm(signum, frame):  # pragma: no cover - only on a hang
    raise Hang


@dataclass
class Outcome:
    """What one read did: ``result`` is ``"ok"``, the error class name, or
    ``"FAIL: ..."`` for a broken contract."""

    result: str
    elapsed_s: float
    peak_bytes: int
    size: int

    @property
    def failed(self) -> bool:
        return self.result.startswith("FAIL")

    @property
    def mem_ratio(self) -> float:
        return self.peak_bytes / max(self.size, 1)


def check(
    data: bytes,
    read: Callable[[bytes], object] = ka.read,
    *,
    time_limit_s: float = TIME_LIMIT_S,
    memory: bool = True,
) -> Outcome:
    """Read *data* once under the time and memory bounds and classify the result.

    Parameters
    ----------
    data : bytes
        The input.
    read : callable
        The reader (``kickanalysis.read`` by default, or a lambda fixing format/engine).
    time_limit_s : float
        Hang limit [s] (a SIGALRM interrupts the read; the main thread only).
    memory : bool
        Measure the tracemalloc peak (slower reads) and check the cap.

    Returns
    -------
    Outcome
    """
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, time_limit_s)
    if memory:
        tracemalloc.start()
    t0 = time.perf_counter()
    result = "ok"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            act = read(data)
        if not isinstance(act, ka.Activity):
            result = f"FAIL: returned {type(act).__name__}"
    except Hang:
        result = f"FAIL: no result within {time_limit_s} s"
    except KickAnalysisError as exc:
        result = type(exc).__name__
    except Exception as exc:
        result = f"FAIL: {type(exc).__name__}: {exc}"[:300]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        elapsed = time.perf_counter() - t0
        peak = 0
        if memory:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    if not result.startswith("FAIL") and elapsed > time_limit_s:
        result = f"FAIL: took {elapsed:.1f} s"
    if not result.startswith("FAIL") and memory and peak > MEM_RATIO * len(data) + MEM_ALLOWANCE:
        result = f"FAIL: tracemalloc peak {peak} bytes for {len(data)} input bytes"
    return Outcome(result, elapsed, peak, len(data))


READERS: dict[str, dict[str, Callable[[bytes], object]]] = {
    "fit": {
        "native": lambda d: ka.read(d),
        "fit-native": lambda d: ka.read(d, format="fit"),
    },
    "gpx": {
        "native": lambda d: ka.read(d),
        "gpx-native": lambda d: ka.read(d, format="gpx"),
        "gpx-gpxpy": lambda d: ka.read(d, format="gpx", engine="gpxpy"),
    },
    "tcx": {
        "native": lambda d: ka.read(d),
        "tcx-native": lambda d: ka.read(d, format="tcx"),
    },
}
