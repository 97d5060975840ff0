"""The CoinEx v2 hub without sockets, on a manual clock: depth windows over thousands of market
steps (checksums, deletions, the window equal to the deep book's top), pacing at 200 ms of
market time, the full push every minute, and the checksum fault."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest

from simulator.coinex_client import ReferenceBook
from simulator.private_harness import payload
from spotstream.simulator.faults import Faults
from spotstream.simulator.market.fanout import MarketFanout
from spotstream.simulator.market.state import Market
from spotstream.simulator.server import ManualClock
from spotstream.simulator.venues.coinex.v2 import frames
from spotstream.simulator.venues.coinex.v2.hub import CoinExV2Hub


class _Target:
    def drop_connections(self, endpoint: str | None = None) -> None: ...
    def stall(self, seconds: float | None) -> None: ...
    def resume(self) -> None: ...


class _Subscriber:
    def __init__(self) -> None:
        self.outbox: list[bytes] = []

    def messages(self) -> list[Any]:
        out = [json.loads(gzip.decompress(payload(frame))) for frame in self.outbox]
        self.outbox.clear()
        return out


class _Feed:
    """One market, its fan-out and the CoinEx hub, stepped by hand."""

    def __init__(self, seed: int = 5, levels: int = 200) -> None:
        self.clock = ManualClock()
        self.market = Market(seed, self.clock(), levels=levels)
        self.fanout = MarketFanout(self.market)
        self.faults = Faults(_Target())
        self.hub = CoinExV2Hub(self.market, self.fanout, self.clock, self.faults)

    def watch(self, limit: int, interval: str = "0", if_full: bool = False) -> _Subscriber:
        subscriber = _Subscriber()
        first = self.hub.join_depth(("BTCUSDT", limit, interval), subscriber, if_full)
        subscriber.outbox.append(frames.frame(first))
        return subscriber

    def step(self, seconds: float = 0.05) -> None:
        self.clock.advance(seconds)
        self.fanout.publish(self.market.step("BTC/USDT", self.clock()))


def _follow(subscriber: _Subscriber, book: ReferenceBook) -> list[Any]:
    messages = subscriber.messages()
    for message in messages:
        book.apply(message)
    return messages


@pytest.mark.parametrize(("limit", "interval"), [(5, "0"), (10, "0"), (20, "0"), (50, "0.1")])
def test_thousands_of_steps_keep_every_book_right(limit: int, interval: str) -> None:
    feed = _Feed()
    feed.hub.push_interval_ns = 0
    subscriber, book = feed.watch(limit, interval), ReferenceBook(2, 8)
    for _ in range(2000):
        feed.step(0.001)
        _follow(subscriber, book)
    assert book.pushes > 500
    assert book.deletions > 20
    if interval == "0":
        deep = feed.market["BTC/USDT"]
        top = [Decimal(p).scaleb(-2) for p, _ in deep.bids.levels(limit)]
        assert sorted(book.bids, reverse=True) == top  # the client holds exactly the window
        assert sorted(book.asks) == [Decimal(p).scaleb(-2) for p, _ in deep.asks.levels(limit)]
    else:
        assert all(p * 10 == (p * 10).to_integral_value() for p in [*book.bids, *book.asks])


def test_pushes_are_paced_at_200_ms_of_market_time() -> None:
    feed = _Feed()
    subscriber, book = feed.watch(10), ReferenceBook(2, 8)
    _follow(subscriber, book)
    times = []
    for _ in range(400):
        feed.step(0.01)
        if _follow(subscriber, book):
            times.append(feed.clock())
    gaps = [b - a for a, b in pairwise(times)]
    assert len(times) >= 15
    assert min(gaps) >= 200_000_000


def test_a_full_push_every_minute_even_on_incremental() -> None:
    feed = _Feed()
    feed.hub.push_interval_ns = 0
    incremental, full = feed.watch(5), feed.watch(5, if_full=True)
    book, full_book = ReferenceBook(2, 8), ReferenceBook(2, 8)
    kinds = []
    for _ in range(300):  # 75 s of market time
        feed.step(0.25)
        kinds.extend(m["data"]["is_full"] for m in _follow(incremental, book))
        assert all(m["data"]["is_full"] for m in _follow(full, full_book))
    assert kinds[0] is True  # the first push
    assert kinds.count(True) == 2  # and one minute later
    assert kinds.count(False) > 100


def test_a_checksum_fault_before_anyone_watches_waits_for_the_first_push() -> None:
    feed = _Feed()
    feed.hub.push_interval_ns = 0
    feed.faults.corrupt_next_checksum("BTCUSDT")  # the CoinEx name works too
    subscriber, book = feed.watch(5), ReferenceBook(2, 8)
    with pytest.raises(AssertionError):
        _follow(subscriber, book)  # the first, full push carries it
    for _ in range(50):
        feed.step()
        _follow(subscriber, book)
    feed.faults.corrupt_next_checksum("XRP/USD")  # not a CoinEx market: nothing happens
    for _ in range(50):
        feed.step()
        _follow(subscriber, book)


def test_usd_pairs_are_no_coinex_markets() -> None:
    feed = _Feed()
    assert list(feed.hub.markets) == ["BTCUSDT", "ETHUSDT"]
    assert feed.hub.names == {"BTC/USDT": "BTCUSDT", "ETH/USDT": "ETHUSDT"}
