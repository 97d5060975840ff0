"""CoinEx's v2 depth checksum against the spec's vectors, through a verified book that keeps
every level's text as received."""

from __future__ import annotations

import msgspec
import pytest

from spotstream.book.tracked import ApplyResult
from spotstream.book.verified import VerifiedBook
from spotstream.errors import DecodeError
from spotstream.protocol.coinex.checksum import coinex_checksum, wire_checksum


class Level(msgspec.Struct, array_like=True):
    price: msgspec.Raw
    qty: msgspec.Raw


LEVELS = msgspec.json.Decoder(list[Level])  # CoinEx sends numbers as strings: kept quoted

BIDS = b'[["30736.00","0.04857373"],["30733.00","0.84696320"],["30725.00","0.12563353"]]'
ASKS = b'[["30740.00","0.31763545"],["30769.00","1.45155000"]]'


def book() -> VerifiedBook:
    return VerifiedBook("BTCUSDT", 50, 2, 8, coinex_checksum)


def test_the_full_push_vector() -> None:
    b = book()
    assert b.apply_snapshot(LEVELS.decode(BIDS), LEVELS.decode(ASKS), 2460740606) is (
        ApplyResult.VERIFIED
    )


def test_an_incremental_push_deletes_and_inserts() -> None:
    b = book()
    b.apply_snapshot(LEVELS.decode(BIDS), LEVELS.decode(ASKS), 2460740606)
    bids, asks = LEVELS.decode(b'[["30733.00","0"]]'), LEVELS.decode(b'[["30741.50","0.20000000"]]')
    assert b.apply_update(bids, asks, 78124507) is ApplyResult.VERIFIED
    assert len(b.book.bids) == 2
    assert len(b.book.asks) == 3


def test_the_text_as_received_is_checksummed_trailing_zeros_and_all() -> None:
    b = book()
    trap = b'[["30736","0.04857373"],["30733.00","0.84696320"],["30725.00","0.12563353"]]'
    assert b.apply_snapshot(LEVELS.decode(trap), LEVELS.decode(ASKS), 1682129109) is (
        ApplyResult.VERIFIED  # the text as received is what is checksummed
    )
    assert b.computed_checksum() != 2460740606


def test_a_book_without_bids_starts_at_the_first_ask() -> None:
    assert book().apply_snapshot([], LEVELS.decode(ASKS), 775992809) is ApplyResult.VERIFIED


@pytest.mark.parametrize(
    ("sent", "unsigned"),
    [
        (2460740606, 2460740606),
        (2460740606 - (1 << 32), 2460740606),  # the same value, signed
        ("2460740606", 2460740606),
        ("-1834226690", 2460740606),
        (0, 0),
    ],
)
def test_the_wire_value_is_compared_unsigned(sent: object, unsigned: int) -> None:
    assert wire_checksum(sent) == unsigned


@pytest.mark.parametrize("sent", [1 << 32, -(1 << 31) - 1, "x", "12345678901", 1.5, True, None])
def test_what_is_no_checksum_is_a_decode_error(sent: object) -> None:
    with pytest.raises(DecodeError):
        wire_checksum(sent)


def test_the_joined_and_the_cached_checksums_agree() -> None:
    # The C accelerator's path (one CRC over both sides' texts) and the pure one (cached joins).
    from spotstream.protocol.coinex import checksum

    b = book()
    for bids, asks in ((BIDS, ASKS), (BIDS, b"[]"), (b"[]", ASKS), (b"[]", b"[]")):
        b.apply_snapshot(LEVELS.decode(bids), LEVELS.decode(asks), None)
        assert checksum._checksum_joined(b.book) == checksum._checksum_cached(b.book)
