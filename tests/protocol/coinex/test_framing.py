"""CoinEx frames: gzip binary frames inflated with a bound, text frames passed through.

Every test runs on the pure-Python reference and, when it is built, on the C accelerator
(``spotstream.protocol.coinex._inflate``); the last ones feed both the same frames and
require the same outcome: the same text, or the same exception with the same message and
frame."""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotstream.errors import DecodeError
from spotstream.protocol.coinex import framing
from spotstream.protocol.coinex.framing import FrameTooLargeError, inflate, inflate_python

Inflate = Callable[..., bytes | str]

try:
    from spotstream.protocol.coinex._inflate import inflate as inflate_c
except ImportError:  # not compiled
    IMPLEMENTATIONS: list[Inflate] = [inflate_python]
else:
    IMPLEMENTATIONS = [inflate_python, inflate_c]

needs_c = pytest.mark.skipif(len(IMPLEMENTATIONS) < 2, reason="accelerator not built")
each = pytest.mark.parametrize("inflate_", IMPLEMENTATIONS, ids=lambda f: f.__module__)

MESSAGE = b'{"id":1,"code":0,"message":"OK"}'


def test_the_accelerator_is_used_when_built() -> None:
    if os.environ.get("SPOTSTREAM_PURE"):
        assert inflate is inflate_python
        assert not framing.ACCELERATED
    elif os.environ.get("SPOTSTREAM_REQUIRE_ACCELERATOR"):
        assert framing.ACCELERATED, "the C inflate did not build"
    assert (inflate is not inflate_python) == framing.ACCELERATED


@each
def test_a_gzip_frame_is_inflated_and_a_text_frame_kept(inflate_: Inflate) -> None:
    assert inflate_(gzip.compress(MESSAGE)) == MESSAGE
    text = MESSAGE.decode()
    assert inflate_(text) is text
    assert inflate_(bytearray(gzip.compress(MESSAGE))) == MESSAGE
    assert inflate_(memoryview(gzip.compress(MESSAGE)), limit=len(MESSAGE)) == MESSAGE


@each
def test_a_bomb_is_refused_without_inflating_it_whole(inflate_: Inflate) -> None:
    bomb = gzip.compress(b"0" * (64 << 20))  # 64 MiB of zeros in about 64 KiB
    assert len(bomb) < 1 << 17
    with pytest.raises(FrameTooLargeError) as refused:
        inflate_(bomb, limit=1 << 20)
    assert refused.value.frame == bomb[:64]
    with pytest.raises(FrameTooLargeError):
        inflate_(bomb)  # the default limit, 4 MiB
    assert inflate_(gzip.compress(b"0" * 1000), limit=1000) == b"0" * 1000  # at the limit
    with pytest.raises(FrameTooLargeError):
        inflate_(gzip.compress(b"0" * 1001), limit=1000)
    with pytest.raises(FrameTooLargeError):
        inflate_(gzip.compress(b"0"), limit=0)
    assert inflate_(gzip.compress(b""), limit=0) == b""


@each
def test_large_frames_within_the_limit_and_small_ones_after_them(inflate_: Inflate) -> None:
    big = bytes(range(256)) * 4096  # 1 MiB: the C scratch buffer grows, then is let go
    assert inflate_(gzip.compress(big)) == big
    assert inflate_(gzip.compress(MESSAGE)) == MESSAGE


@pytest.mark.parametrize(
    "frame",
    [b"", b"not gzip", gzip.compress(MESSAGE)[:-6], zlib.compress(MESSAGE)],
)
@each
def test_what_is_no_gzip_frame_is_a_decode_error(inflate_: Inflate, frame: bytes) -> None:
    with pytest.raises(DecodeError):
        inflate_(frame)


@each
def test_only_the_first_member_is_read_and_what_follows_it_ignored(inflate_: Inflate) -> None:
    # As zlib.decompressobj: CoinEx sends one member per frame; a second one is not read.
    first = gzip.compress(MESSAGE)
    assert inflate_(first + gzip.compress(b"second")) == MESSAGE
    assert inflate_(first + b"trailing garbage") == MESSAGE


@each
def test_wrong_arguments(inflate_: Inflate) -> None:
    with pytest.raises(TypeError):
        inflate_(12)
    with pytest.raises(ValueError, match="negative"):
        inflate_(gzip.compress(MESSAGE), -1)
    assert inflate_(frame=gzip.compress(MESSAGE), limit=100) == MESSAGE


# --- both paths agree, outcome for outcome ------------------------------------------------------


def outcome(inflate_: Inflate, frame: bytes, limit: int) -> tuple[object, ...]:
    try:
        return ("ok", inflate_(frame, limit))
    except DecodeError as exc:
        return (type(exc), str(exc), exc.frame)


def agree(frame: bytes, limit: int = framing.DEFAULT_LIMIT) -> tuple[object, ...]:
    want = outcome(inflate_python, frame, limit)
    assert outcome(inflate_c, frame, limit) == want
    return want


def corrupt(frame: bytes, at: int) -> bytes:
    return frame[:at] + bytes([frame[at] ^ 0x55]) + frame[at + 1 :]


@needs_c
def test_both_paths_agree_on_good_frames_bombs_and_limits() -> None:
    for payload in (b"", MESSAGE, MESSAGE * 300, os.urandom(5000), b"0" * (8 << 20)):
        frame = gzip.compress(payload)
        for limit in (0, 1, len(payload) - 1, len(payload), len(payload) + 1, 1 << 20):
            if limit >= 0:
                agree(frame, limit)
    assert agree(gzip.compress(b"0" * (64 << 20)))[0] is FrameTooLargeError


@needs_c
def test_both_paths_agree_on_truncated_and_corrupted_frames() -> None:
    frame = gzip.compress(MESSAGE * 20)
    for cut in range(len(frame)):
        assert agree(frame[:cut])[0] is DecodeError
    kinds = {agree(corrupt(frame, at))[0] for at in range(len(frame))}
    assert DecodeError in kinds  # header, data, CRC32 and size trailer
    trailer = len(frame) - 8
    assert "incorrect data check" in str(agree(corrupt(frame, trailer))[1])
    assert "incorrect length check" in str(agree(corrupt(frame, trailer + 5))[1])


@needs_c
def test_both_paths_agree_on_members_garbage_and_other_containers() -> None:
    first = gzip.compress(MESSAGE)
    for frame in (
        first + first,
        first + gzip.compress(b"x" * 100),
        first + b"garbage",
        first + b"\x1f\x8b",
        zlib.compress(MESSAGE),
        zlib.compress(MESSAGE, wbits=-15),  # raw deflate
        b"\x1f\x8b\x08\x04",  # a header cut short in its flags
        b"not gzip",
        b"",
    ):
        agree(frame)
        agree(frame, len(MESSAGE))
        agree(frame, len(MESSAGE) - 1)


@needs_c
@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=3000),
    st.integers(0, 5000),
    st.integers(0, 3100),
    st.sampled_from([b"", b"\x00", b"junk", b"\x1f\x8b\x08\x00"]),
)
def test_both_paths_agree_on_anything(payload: bytes, limit: int, cut: int, tail: bytes) -> None:
    frame = gzip.compress(payload, mtime=0)
    agree(frame, limit)
    agree(frame[:cut] + tail, limit)
    if cut < len(frame):
        agree(corrupt(frame, cut), limit)


@each
def test_the_default_limit_is_framings(inflate_: Inflate) -> None:
    at_limit = b"0" * framing.DEFAULT_LIMIT
    assert inflate_(gzip.compress(at_limit)) == at_limit
    with pytest.raises(FrameTooLargeError):
        inflate_(gzip.compress(at_limit + b"0"))
