"""How the simulator writes frames, numbers and times: exactly, never in exponent form.

The wire Structs of :mod:`spotstream.protocol.kraken.v2.wire` type prices as ``Decimal`` and
times as ``datetime``. msgspec writes a plain ``Decimal`` with ``str()`` (``1E+1``, ``1E-8``)
and drops a zero fraction of a second, so the simulator never hands it a plain one: it passes
:class:`WireDecimal` and :class:`WireTime`, subclasses that carry their final text, and
:data:`ENCODER` writes that text verbatim through its ``enc_hook``.

Two number styles exist. ``shortest`` (the default) trims trailing zeros but keeps one decimal
(``740.0``, ``0.566``), as Kraken's documentation examples show; ``fixed`` writes every decimal
of the instrument's precision (``0.10000000``), as recorded live traffic shows.
"""

from __future__ import annotations

import gzip
import time
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

import msgspec

NumberStyle = Literal["shortest", "fixed"]
NUMBER_STYLES: tuple[NumberStyle, ...] = ("shortest", "fixed")


_SCALE = tuple(10**n for n in range(19))


def units_text(units: int, precision: int, style: NumberStyle = "shortest") -> str:
    """``units / 10^precision`` as a JSON number: ``(7400, 1) -> "740.0"``, ``(1, 8) ->
    "0.00000001"``; ``fixed`` keeps every decimal (``(1000, 4) -> "0.1000"``)."""
    if units < 0:
        return "-" + units_text(-units, precision, style)
    if precision == 0:
        return f"{units}.0" if style == "shortest" else str(units)
    scale = _SCALE[precision]
    whole, fraction = divmod(units, scale)
    if style == "fixed":
        return f"{whole}.{str(fraction + scale)[1:]}"
    if not fraction:
        return f"{whole}.0"
    return f"{whole}.{str(fraction + scale)[1:].rstrip('0')}"


def decimal_text(value: Decimal) -> str:
    """Any Decimal as a plain JSON number with at least one decimal: ``1E+1 -> "10.0"``."""
    text = format(value, "f")
    if "." not in text:
        return f"{text}.0"
    text = text.rstrip("0")
    return f"{text}0" if text.endswith(".") else text


class WireDecimal(Decimal):
    """A Decimal that knows its wire text (build it with :func:`number` or :func:`amount`)."""

    __slots__ = ("text",)
    text: str


def number(units: int, precision: int, style: NumberStyle = "shortest") -> WireDecimal:
    """The wire number for ``units`` at ``precision``."""
    text = units_text(units, precision, style)
    value = WireDecimal(text)
    value.text = text
    return value


def amount(value: Decimal) -> WireDecimal:
    """The wire number for an arbitrary Decimal (shortest form)."""
    text = decimal_text(value)
    result = WireDecimal(text)
    result.text = text
    return result


@lru_cache(maxsize=1024)
def _second_text(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


def rfc3339(ns: int, digits: int = 6) -> str:
    """Epoch nanoseconds as Kraken's RFC 3339 text, with 6 (µs) or 9 (ns) fractional digits."""
    second, fraction = divmod(ns, 1_000_000_000)
    if digits == 9:
        return f"{_second_text(second)}.{fraction:09d}Z"
    return f"{_second_text(second)}.{fraction // 1000:06d}Z"


class WireTime(datetime):
    """A UTC datetime that knows its wire text (build it with :func:`timestamp`)."""

    __slots__ = ("text",)
    text: str


def timestamp(ns: int, digits: int = 6) -> WireTime:
    """The wire time for epoch nanoseconds ``ns``."""
    second, fraction = divmod(ns, 1_000_000_000)
    value = WireTime.fromtimestamp(second, UTC).replace(microsecond=fraction // 1000)
    assert isinstance(value, WireTime)
    value.text = rfc3339(ns, digits)
    return value


def _enc_hook(obj: Any) -> msgspec.Raw:
    if isinstance(obj, WireDecimal):
        return msgspec.Raw(obj.text)
    if isinstance(obj, WireTime):
        return msgspec.Raw(f'"{obj.text}"')
    raise NotImplementedError(f"cannot encode {type(obj).__name__}")


ENCODER = msgspec.json.Encoder(decimal_format="number", enc_hook=_enc_hook)
"""Encodes wire Structs built from :class:`WireDecimal` / :class:`WireTime` values."""


TEXT_OPCODE, BINARY_OPCODE = 0x81, 0x82  # first header byte: FIN set and the opcode


def ws_header(size: int, first: int = TEXT_OPCODE) -> bytes:
    """The header of an unmasked server-to-client websocket frame (FIN set; a text frame
    unless ``first`` says :data:`BINARY_OPCODE`)."""
    if size < 126:
        return bytes((first, size))
    if size < 65536:
        return bytes((first, 0x7E)) + size.to_bytes(2, "big")
    return bytes((first, 0x7F)) + size.to_bytes(8, "big")


def ws_frame(payload: bytes) -> bytes:
    """A complete unmasked server-to-client websocket text frame."""
    return ws_header(len(payload)) + payload


def ws_binary_frame(payload: bytes) -> bytes:
    """A complete unmasked server-to-client websocket binary frame."""
    return ws_header(len(payload), BINARY_OPCODE) + payload


def gzip_frame(payload: bytes) -> bytes:
    """``payload`` gzip-compressed in a binary frame, as CoinEx sends every message. The
    gzip header's mtime is 0, so one payload always makes the same bytes."""
    return ws_binary_frame(gzip.compress(payload, compresslevel=6, mtime=0))


class PairNumbers:
    """Wire text of one pair's prices and quantities (prices cached: they repeat a lot)."""

    __slots__ = ("_prices", "price_precision", "qty_precision", "style")

    _CACHE_LIMIT = 1 << 16

    def __init__(self, price_precision: int, qty_precision: int, style: NumberStyle) -> None:
        self.price_precision = price_precision
        self.qty_precision = qty_precision
        self.style: NumberStyle = style
        self._prices: dict[int, str] = {}

    def price(self, units: int) -> str:
        text = self._prices.get(units)
        if text is None:
            if len(self._prices) >= self._CACHE_LIMIT:
                self._prices.clear()
            text = self._prices[units] = units_text(units, self.price_precision, self.style)
        return text

    def qty(self, units: int) -> str:
        return units_text(units, self.qty_precision, self.style)

    def price_number(self, units: int) -> WireDecimal:
        return number(units, self.price_precision, self.style)

    def qty_number(self, units: int) -> WireDecimal:
        return number(units, self.qty_precision, self.style)
