"""Format recognition from content: every real file as its own format, nothing else."""

from __future__ import annotations

import gzip
import io

import numpy as np
import pytest
from conftest import REAL, real_files

import kickanalysis as ka
from kickanalysis.errors import CorruptFileError, UnknownFormatError
from kickanalysis.io.source import load, sniff

REAL_FILES = (
    [(p, "fit") for p in real_files("fit", ".fit")]
    + [(p, "gpx") for p in real_files("gpx", ".gpx")]
    + [(p, "tcx") for p in real_files("tcx", ".tcx", ".tcx.gz")]
)


@pytest.mark.skipif(REAL is None, reason="third-party recordings not found")
@pytest.mark.parametrize("path,fmt", REAL_FILES, ids=lambda x: getattr(x, "name", x))
def test_real_file_sniffed_as_its_format(path, fmt):
    data, name = load(path)
    assert sniff(data, name) == fmt


@pytest.mark.skipif(REAL is None, reason="third-party recordings not found")
def test_suffix_is_not_trusted(tmp_path):
    """A FIT file named .gpx (and a GPX named .fit) is read as what it is."""
    fit = next(p for p, f in REAL_FILES if f == "fit" and p.name == "fitparse__Activity.fit")
    wrong = tmp_path / "run.gpx"
    wrong.write_bytes(fit.read_bytes())
    assert ka.read(wrong).meta.format == "fit"


GPX_MIN = b"""<?xml version="1.0"?><gpx version="1.1" creator="t"></gpx>"""


@pytest.mark.parametrize(
    "data,what",
    [
        (b"", "empty"),
        (b"   \n\t ", "whitespace"),
        (b"<!DOCTYPE html><html><body>run</body></html>", "HTML"),
        (b'{"type": "FeatureCollection", "features": []}', "JSON"),
        (b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"></kml>', "KML"),
        (b"PK\x03\x04" + bytes(40), "zip"),
        (b"\x89PNG\r\n\x1a\n" + bytes(40), "PNG"),
        (b"timestamp,heart_rate\n1,2\n", "CSV"),
    ],
)
def test_not_an_activity_file(data, what):
    with pytest.raises(UnknownFormatError) as info:
        ka.read(data)
    msg = str(info.value)
    assert "fit, gpx, tcx" in msg  # names the supported formats
    assert info.value.supported == ("fit", "gpx", "tcx")


def test_random_bytes_never_sniffed():
    rng = np.random.default_rng(7)
    for _ in range(500):
        n = int(rng.integers(1, 400))
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        try:
            fmt = sniff(data)
        except (UnknownFormatError, CorruptFileError):
            continue
        # only a real FIT header (".FIT" at bytes 8-11, size 12 or 14) may pass
        assert fmt == "fit" and data[8:12] == b".FIT"


def test_fit_magic_with_a_bad_header_size():
    data = bytes([13, 16]) + bytes(6) + b".FIT" + bytes(10)
    with pytest.raises(CorruptFileError) as info:
        sniff(data, "x.fit")
    assert info.value.offset == 0


@pytest.mark.parametrize(
    "prefix",
    [
        b"",
        b"\xef\xbb\xbf",
        b"\n\n  ",
        b"<!-- exported -->\n",
        b'<?xml-stylesheet href="a.xsl"?>',
        b"<!DOCTYPE gpx>",
    ],
)
def test_gpx_root_found_after_prologue(prefix):
    assert (
        sniff(
            prefix
            + b'<?xml version="1.0"?>' * (not prefix.startswith(b"<?xml"))
            + GPX_MIN.split(b"?>", 1)[1]
        )
        == "gpx"
    )


def test_namespace_prefixed_roots():
    assert sniff(b"<g:gpx xmlns:g='http://www.topografix.com/GPX/1/1'/>") == "gpx"
    assert sniff(b"<tcd:TrainingCenterDatabase xmlns:tcd='x'/>") == "tcx"


def test_utf16_gpx():
    text = '<?xml version="1.0" encoding="UTF-16"?><gpx version="1.1"></gpx>'
    assert sniff(text.encode("utf-16")) == "gpx"


def test_gzip_is_transparent_and_bounded():
    payload = GPX_MIN
    data, _ = load(gzip.compress(payload))
    assert data == payload
    data, name = load(io.BytesIO(gzip.compress(payload)))
    assert data == payload and name == "<stream>"
    with pytest.raises(CorruptFileError):
        load(gzip.compress(payload)[:-6])  # damaged gzip trailer


def test_text_mode_stream_is_a_clear_error():
    with pytest.raises(TypeError, match="binary mode"):
        load(io.StringIO("<gpx/>"))


def test_format_argument_overrides_sniffing():
    with pytest.raises(UnknownFormatError):
        ka.read(GPX_MIN, format="kml")
