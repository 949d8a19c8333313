"""The vectorised FIT CRC against the tests' own byte-by-byte reference."""

from __future__ import annotations

import numpy as np
import pytest
from fitbuilder import crc16 as reference

from kickanalysis.io.fit import crc


@pytest.mark.parametrize(
    "length",
    # below the vectorised path, around its block (64 B), super-block (2 kB) and chunk
    # (64 kB) sizes, and a size that takes chunks of a sixteenth of the data
    [0, 1, 255, 256, 257, 2047, 2048, 2049, 65535, 65536, 65537, 200_001, 1_048_583],
)
@pytest.mark.parametrize("start", [0, 0x1234])
def test_crc16_equals_the_byte_by_byte_reference(length, start):
    data = np.random.default_rng(length).integers(0, 256, length, dtype=np.uint8).tobytes()
    assert crc.crc16(data, start) == reference(data, start)
    assert crc.crc16(np.frombuffer(data, dtype=np.uint8), start) == reference(data, start)


def test_crc16_check_value_and_a_message_with_its_crc_gives_zero():
    assert crc.crc16(b"123456789") == 0xBB3D  # CRC-16/ARC check value
    data = bytes(range(256)) * 40
    value = crc.crc16(data)
    assert crc.crc16(data + value.to_bytes(2, "little")) == 0
