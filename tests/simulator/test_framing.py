"""Numbers and times as the simulator writes them: exact, Kraken's shape, never exponents."""

from __future__ import annotations

import re
from decimal import Decimal

import msgspec
import pytest

from spotstream.protocol.kraken.v2 import wire
from spotstream.simulator.framing import (
    ENCODER,
    amount,
    decimal_text,
    number,
    rfc3339,
    timestamp,
    units_text,
    ws_frame,
)


@pytest.mark.parametrize(
    ("units", "precision", "shortest", "fixed"),
    [
        (7400, 1, "740.0", "740.0"),
        (56600000, 8, "0.566", "0.56600000"),
        (1, 8, "0.00000001", "0.00000001"),
        (1809715470000, 8, "18097.1547", "18097.15470000"),
        (1500000, 7, "0.15", "0.1500000"),
        (0, 2, "0.0", "0.00"),
        (-17, 2, "-0.17", "-0.17"),
        (5, 0, "5.0", "5"),
    ],
)
def test_units_text(units: int, precision: int, shortest: str, fixed: str) -> None:
    assert units_text(units, precision) == shortest
    assert units_text(units, precision, "fixed") == fixed
    assert Decimal(shortest) == Decimal(fixed) == Decimal(units).scaleb(-precision)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("1E+1", "10.0"),
        ("1E-8", "0.00000001"),
        ("0.5660", "0.566"),
        ("740", "740.0"),
        ("-0.17", "-0.17"),
    ],
)
def test_decimal_text_is_plain(value: str, text: str) -> None:
    assert decimal_text(Decimal(value)) == text


def test_encoder_writes_wire_numbers_verbatim() -> None:
    level = wire.BookLevelWire(number(1, 8), amount(Decimal("1E+1")))
    assert ENCODER.encode(level) == b'{"price":0.00000001,"qty":10.0}'
    decoded = msgspec.json.decode(ENCODER.encode(level), type=wire.BookLevelWire)
    assert decoded.price == Decimal("0.00000001")


def test_timestamps_keep_their_digits() -> None:
    ns = 1_700_000_000_000_000_000
    assert rfc3339(ns) == "2023-11-14T22:13:20.000000Z"
    assert rfc3339(ns + 123_456_789, 9) == "2023-11-14T22:13:20.123456789Z"
    assert ENCODER.encode(timestamp(ns)) == b'"2023-11-14T22:13:20.000000Z"'
    assert timestamp(ns + 5_000).microsecond == 5


def test_plain_decimals_are_refused_by_nothing_but_never_used() -> None:
    # msgspec would write str(Decimal) for a plain Decimal; the simulator never passes one,
    # and its own values never contain an exponent.
    assert not re.search(rb"\d[eE][+-]?\d", ENCODER.encode([number(1, 8), amount(Decimal("1E+5"))]))


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536])
def test_ws_frame_header(size: int) -> None:
    frame = ws_frame(b"x" * size)
    assert frame[0] == 0x81
    header = {True: 2, False: 4 if size < 65536 else 10}[size < 126]
    assert len(frame) == header + size
