"""CoinEx socket frames, sans-I/O: the server gzips every message into a binary frame.

:func:`inflate` decompresses one with a bound: a frame whose decompressed size would exceed
``limit`` is refused (:class:`FrameTooLargeError`) after at most ``limit + 1`` bytes were
produced, never by allocating the size a hostile header or stream claims. Text frames pass
through unchanged (CoinEx.Net and the official demo accept both). Only a frame's first gzip
member is read: bytes after its end (another member, garbage) are ignored, as
``zlib.decompressobj`` does (CoinEx sends one member per frame).

:func:`inflate` is the optional C accelerator :mod:`spotstream.protocol.coinex._inflate`
(one zlib stream per process, reset per frame) when it is built, else
:func:`inflate_python`, the reference it must match; ``SPOTSTREAM_PURE=1`` turns it off.
Its stream and output buffer are module-global: it holds the GIL for the whole call and runs
no Python code while using them, so calls from several threads are serialised, never
interleaved (a free-threaded CPython re-enables the GIL when it imports the module).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable

from spotstream.errors import DecodeError

GZIP = 16 + zlib.MAX_WBITS  # zlib's window bits for a gzip container
DEFAULT_LIMIT = 4 << 20  # bytes of JSON one message may decompress to


class FrameTooLargeError(DecodeError):
    """A compressed frame decompresses to more than the limit."""


def inflate_python(frame: bytes | str, limit: int = DEFAULT_LIMIT) -> bytes | str:
    """The JSON text of one received frame: a gzip binary frame decompressed (bounded by
    ``limit``), a text frame as it is. Raises :class:`DecodeError` for a frame that is not
    gzip or is cut short, :class:`FrameTooLargeError` beyond ``limit``."""
    if isinstance(frame, str):
        return frame
    if limit < 0:
        raise ValueError("limit must not be negative")
    inflater = zlib.decompressobj(GZIP)
    try:
        out = inflater.decompress(frame, limit + 1)
    except zlib.error as exc:
        raise DecodeError(f"not a gzip frame: {exc}", frame) from None
    if len(out) > limit:
        raise FrameTooLargeError(f"a frame decompresses to more than {limit} bytes", frame[:64])
    if not inflater.eof:
        raise DecodeError("a gzip frame cut short", frame)
    return out


inflate: Callable[[bytes | str, int], bytes | str] = inflate_python
"""One frame's JSON text (see :func:`inflate_python`): the C accelerator when it is built."""
ACCELERATED = False
if not os.environ.get("SPOTSTREAM_PURE"):
    try:
        from spotstream.protocol.coinex import _inflate
    except ImportError:  # not compiled: pure Python
        pass
    else:
        inflate = _inflate.inflate
        ACCELERATED = True
