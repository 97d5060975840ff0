"""The soak's truth: a synced client book equal to some recent true state passes, any other
synced book is wrong, an unsynced one is not judged."""

from __future__ import annotations

from decimal import Decimal

from spotstream.models.enums import BookStatus
from spotstream.models.market import BookLevel, BookSnapshot
from spotstream.simulator.market.instruments import DEFAULT_INSTRUMENTS
from spotstream.simulator.market.state import Market
from spotstream.soak.truth import Truth

SYMBOL = "BTC/USD"


def _client_book(market: Market, status: BookStatus = BookStatus.SYNCED) -> BookSnapshot:
    spec = market.instruments[SYMBOL]
    book = market[SYMBOL].book

    def levels(side: list[tuple[int, int]]) -> tuple[BookLevel, ...]:
        return tuple(
            BookLevel(
                Decimal(p).scaleb(-spec.price_precision), Decimal(q).scaleb(-spec.qty_precision)
            )
            for p, q in side
        )

    return BookSnapshot(
        SYMBOL, levels(book.bids.levels(10)), levels(book.asks.levels(10)), 0, status, 0
    )


def test_the_true_book_passes_a_changed_one_is_wrong() -> None:
    market = Market(1, 1_700_000_000_000_000_000, DEFAULT_INSTRUMENTS)
    truth = Truth(market, [SYMBOL], 10)
    book = _client_book(market)
    assert truth.check(SYMBOL, book) is True
    first = book.bids[0]
    wrong_qty = BookLevel(first.price, first.qty + Decimal("0.00000001"))
    changed = BookSnapshot(SYMBOL, (wrong_qty, *book.bids[1:]), book.asks, 0, BookStatus.SYNCED, 0)
    assert truth.check(SYMBOL, changed) is False
    short = BookSnapshot(SYMBOL, book.bids[:9], book.asks, 0, BookStatus.SYNCED, 0)
    assert truth.check(SYMBOL, short) is False
    finer = BookLevel(first.price + Decimal("0.001"), first.qty)  # beyond the pair's precision
    odd = BookSnapshot(SYMBOL, (finer, *book.bids[1:]), book.asks, 0, BookStatus.SYNCED, 0)
    assert truth.check(SYMBOL, odd) is False
    assert truth.check(SYMBOL, _client_book(market, BookStatus.RESYNCING)) is None


def test_an_earlier_true_state_still_passes() -> None:
    market = Market(1, 1_700_000_000_000_000_000, DEFAULT_INSTRUMENTS)
    truth = Truth(market, [SYMBOL], 10)
    before = _client_book(market)
    for now in range(1, 20):
        truth.publish(market.step(SYMBOL, now))
    assert _client_book(market) != before
    assert truth.check(SYMBOL, before) is True  # a client one message behind is not wrong
    assert truth.check(SYMBOL, _client_book(market)) is True
