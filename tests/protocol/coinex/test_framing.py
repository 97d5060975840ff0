"""CoinEx frames: gzip binary frames inflated with a bound, text frames passed through."""

from __future__ import annotations

import gzip
import zlib

import pytest

from spotstream.errors import DecodeError
from spotstream.protocol.coinex.framing import FrameTooLargeError, inflate

MESSAGE = b'{"id":1,"code":0,"message":"OK"}'


def test_a_gzip_frame_is_inflated_and_a_text_frame_kept() -> None:
    assert inflate(gzip.compress(MESSAGE)) == MESSAGE
    assert inflate(MESSAGE.decode()) == MESSAGE.decode()


def test_a_bomb_is_refused_without_inflating_it_whole() -> None:
    bomb = gzip.compress(b"0" * (64 << 20))  # 64 MiB of zeros in about 64 KiB
    assert len(bomb) < 1 << 17
    with pytest.raises(FrameTooLargeError):
        inflate(bomb, limit=1 << 20)
    assert inflate(gzip.compress(b"0" * 1000), limit=1000) == b"0" * 1000  # at the limit


@pytest.mark.parametrize(
    "frame",
    [b"", b"not gzip", gzip.compress(MESSAGE)[:-6], zlib.compress(MESSAGE)],
)
def test_what_is_no_gzip_frame_is_a_decode_error(frame: bytes) -> None:
    with pytest.raises(DecodeError):
        inflate(frame)
