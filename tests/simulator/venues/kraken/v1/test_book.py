"""Kraken v1 book frames without sockets: the checksum, the window, both layouts, ``"r"``."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.private_harness import payload
from simulator.sim_reference_v1 import NaiveV1Book, is_book, v1_checksum
from spotstream.book.l2 import L2Book
from spotstream.protocol.kraken.checksum import KRAKEN_LEVEL_TEXT, kraken_checksum
from spotstream.simulator.faults import Faults
from spotstream.simulator.market.fanout import MarketFanout
from spotstream.simulator.market.state import Market
from spotstream.simulator.market.tape import MarketTape
from spotstream.simulator.server import ManualClock
from spotstream.simulator.venues.kraken.v1 import checksum
from spotstream.simulator.venues.kraken.v1.hub import KrakenV1Hub


class _Target:
    def drop_connections(self, endpoint: str | None = None) -> None: ...
    def stall(self, seconds: float | None) -> None: ...
    def resume(self) -> None: ...


class _Subscriber:
    def __init__(self) -> None:
        self.outbox: list[bytes] = []

    def messages(self) -> list[Any]:
        out = [json.loads(payload(frame)) for frame in self.outbox]
        self.outbox.clear()
        return out


class _Feed:
    """One market, its fan-out and the v1 hub, stepped by hand."""

    def __init__(self, seed: int = 5, levels: int = 200) -> None:
        self.clock = ManualClock()
        self.market = Market(seed, self.clock(), levels=levels)
        self.fanout = MarketFanout(self.market)
        self.faults = Faults(_Target())
        self.hub = KrakenV1Hub(self.market, self.fanout, self.clock, self.faults)

    def watch(self, symbol: str, depth: int) -> tuple[_Subscriber, NaiveV1Book]:
        subscriber, book = _Subscriber(), NaiveV1Book(depth)
        group = self.hub.book_group(symbol, depth)
        self.hub.join(symbol, group, subscriber)
        snapshot = json.loads(self.hub.book_snapshot(group, self.clock()))
        assert book.apply(snapshot) is None
        return subscriber, book

    def step(self, symbol: str) -> None:
        self.clock.advance(0.001)
        self.fanout.publish(self.market.step(symbol, self.clock()))


def _follow(subscriber: _Subscriber, book: NaiveV1Book) -> int:
    """Apply every queued book message; every checksum must be the reference one."""
    count = 0
    for message in subscriber.messages():
        assert is_book(message)
        assert book.apply(message) == book.checksum, message
        count += 1
    return count


# --- the checksum ---------------------------------------------------------------------------


def _example() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The official worked example (spec §6): its bids skip 0.04985."""
    asks = [(f"0.{5005 + 5 * i:05d}", "0.00000500") for i in range(10)]
    bid_prices = [5000, 4995, 4990, 4980, 4975, 4970, 4965, 4960, 4955, 4950]
    return asks, [(f"0.0{price}", "0.00000500") for price in bid_prices]


def test_the_official_worked_example() -> None:
    asks, bids = _example()
    assert asks[0] == ("0.05005", "0.00000500")
    assert bids[-1] == ("0.04950", "0.00000500")
    assert checksum.v1_checksum(asks, bids) == 974947235
    assert v1_checksum(asks, bids) == 974947235  # the spec's reference function
    assert checksum.level_text("0.05000", "0.00000304") == "5000304"


_LEVELS = st.lists(
    st.tuples(st.integers(1, 10**12), st.integers(1, 10**14)),
    min_size=1,
    max_size=15,
    unique_by=lambda level: level[0],
)


@settings(max_examples=200, deadline=None)
@given(asks=_LEVELS, bids=_LEVELS, places=st.integers(0, 9))
def test_checksum_agrees_with_the_clients_on_one_book(
    asks: list[tuple[int, int]], bids: list[tuple[int, int]], places: int
) -> None:
    """Our client's checksum (units text) and the simulator's (wire strings) on one book."""

    def wire(units: int, decimals: int) -> str:
        return format(Decimal(units).scaleb(-decimals), "f") if decimals else str(units)

    client = L2Book(1000, KRAKEN_LEVEL_TEXT)
    for price, qty in asks:
        client.asks.set(price, qty)
    for price, qty in bids:
        client.bids.set(price, qty)
    ask_strings = [(wire(p, places), wire(q, 8)) for p, q in sorted(asks)]
    bid_strings = [(wire(p, places), wire(q, 8)) for p, q in sorted(bids, reverse=True)]
    assert checksum.v1_checksum(ask_strings, bid_strings) == kraken_checksum(client)
    assert v1_checksum(ask_strings, bid_strings) == kraken_checksum(client)


# --- the window -----------------------------------------------------------------------------


def test_every_update_reproduces_the_reference_checksum() -> None:
    feed = _Feed()
    watched = {depth: feed.watch("BTC/USD", depth) for depth in (10, 25, 100)}
    for _ in range(3000):
        feed.step("BTC/USD")
        for subscriber, book in watched.values():
            _follow(subscriber, book)
    deep = feed.market["BTC/USD"]
    for depth, (_, book) in watched.items():
        assert len(book.asks) == len(book.bids) == depth
        assert [Decimal(p) for p in book.asks] == [
            Decimal(p).scaleb(-1) for p, _ in deep.asks.levels(depth)
        ]
        assert book.widths == {(5, 8)}  # fixed width, every level of every message
        assert {"a", "b", "a+b"} <= book.layouts  # one side, or both as two objects
        assert book.republished > 0


def test_republished_levels_refill_the_window_after_a_delete() -> None:
    feed = _Feed()
    subscriber, book = feed.watch("ETH/USD", 10)
    refills = 0
    for _ in range(3000):
        feed.step("ETH/USD")
        for message in subscriber.messages():
            for part in message[1:-2]:
                for key in ("a", "b"):
                    levels = part.get(key, [])
                    flags = [len(level) == 4 for level in levels]
                    deletes = [Decimal(level[1]) == 0 for level in levels]
                    if any(flags):
                        refills += 1
                        assert sum(flags) <= sum(deletes)  # one refill per deletion at most
                        assert flags == sorted(flags)  # republished levels come last
                    assert deletes == sorted(deletes, reverse=True)  # deletes first
            assert book.apply(message) == book.checksum
    assert refills > 20


def test_a_republished_level_carries_its_own_last_change() -> None:
    feed = _Feed()
    subscriber, _ = feed.watch("ETH/USD", 10)
    seen: list[tuple[str, str]] = []
    for _ in range(3000):
        feed.step("ETH/USD")
        now = f"{feed.clock() // 10**9}.{feed.clock() // 1000 % 10**6:06d}"
        for message in subscriber.messages():
            for part in message[1:-2]:
                for key in ("a", "b"):
                    seen += [(level[2], now) for level in part.get(key, []) if len(level) == 4]
    assert seen
    assert any(time < now for time, now in seen)  # older than the message, as live Kraken
    assert all(time <= now for time, now in seen)


def test_corrupt_next_checksum_corrupts_one_update_per_depth() -> None:
    feed = _Feed()
    subscriber, book = feed.watch("BTC/USD", 10)
    feed.faults.corrupt_next_checksum("BTC/USD")
    wrong = 0
    for _ in range(200):
        feed.step("BTC/USD")
        for message in subscriber.messages():
            wrong += book.apply(message) != book.checksum
    assert wrong == 1


def test_a_max_rate_tape_plays_a_correct_stream() -> None:
    feed = _Feed(levels=300)
    subscriber, book = feed.watch("DOGE/USD", 25)
    tape = MarketTape(feed.market["DOGE/USD"], 2000)
    feed.fanout.attach_tape(tape)
    updates = 0
    for _ in range(10):  # several whole cycles
        feed.fanout.replay(tape, 512, feed.clock())
        updates += _follow(subscriber, book)
    assert updates > 2000
    tape.sync()
    deep = feed.market["DOGE/USD"]
    assert [Decimal(v) for v in book.bids.values()] == [
        Decimal(q).scaleb(-8) for _, q in deep.bids.levels(25)
    ]
