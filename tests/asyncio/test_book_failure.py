"""A book whose snapshots keep failing ends FAILED on every venue and version: five failed
snapshots in a row, retried under backoff, then ``BookFailedError`` from ``wait_synced()`` and
the book's iterators, ``on_status_change`` told, the exchange subscription released; other
books carry on. A book that recovers resets the count.

The snapshots are made to fail on the client's side (the venue's snapshot applies, then
reads as a mismatch), so the same fault reaches every protocol the same way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from spotstream.asyncio.client import SocketClient
from spotstream.book.tracked import ApplyResult, TrackedBook
from spotstream.errors import BookFailedError
from spotstream.kraken.client import KrakenSocketClient
from spotstream.models.enums import BookStatus, LifecycleKind
from spotstream.simulator.server import Simulator
from support.coinex import signed_client
from support.wait import eventually

FAST = {"request_timeout": 5}


def kraken(api_version: int) -> Callable[..., AbstractAsyncContextManager[Any]]:
    def make(sim: Simulator, **kwargs: Any) -> KrakenSocketClient:
        url = sim.urls["public" if api_version == 2 else "kraken_v1_public"]
        return KrakenSocketClient(
            api_version=api_version, url=url, rest_url=sim.urls["rest"], **kwargs
        )

    return make


def coinex(api_version: int) -> Callable[..., AbstractAsyncContextManager[Any]]:
    def make(sim: Simulator, **kwargs: Any) -> Any:
        return signed_client(sim, api_version, **kwargs)

    return make


VENUES = {  # the client, the symbol asked for, the verified book's, the simulator's
    "kraken-v2": (kraken(2), "BTC/USD", "BTC/USD", "BTC/USD"),
    "kraken-v1": (kraken(1), "XBT/USD", "BTC/USD", "BTC/USD"),
    "coinex-v2": (coinex(2), "BTCUSDT", "BTCUSDT", "BTC/USDT"),
    "coinex-v1": (coinex(1), "BTCUSDT", "BTCUSDT", "BTC/USDT"),
}
OTHER = {"kraken-v2": "ETH/USD", "kraken-v1": "ETH/USD", "coinex-v2": "ETHUSDT",
         "coinex-v1": "ETHUSDT"}  # fmt: skip


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=5, rate=200) as simulator:
        yield simulator


class BadSnapshots:
    """Every snapshot of one book, from the ``after``-th on, reads as a mismatch."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, symbol: str, after: int = 1) -> None:
        self.symbol, self.after, self.seen, self.on = symbol, after, 0, True
        original = TrackedBook.apply_snapshot

        def apply_snapshot(book: TrackedBook[Any, Any], *args: Any, **kwargs: Any) -> Any:
            result = original(book, *args, **kwargs)
            if book.symbol != self.symbol:
                return result
            self.seen += 1
            if not self.on or self.seen <= self.after:
                return result
            book.mark_resyncing()
            book.counters.checksum_mismatches += 1
            return ApplyResult.MISMATCH

        monkeypatch.setattr(TrackedBook, "apply_snapshot", apply_snapshot)


async def no_wait(seconds: float) -> None:
    """Sleeps a hundredth of what is asked, recording what was asked (the connection's
    watchdog sleeps through it too, and merely wakes up more often)."""
    DELAYS.append(seconds)
    await asyncio.sleep(seconds / 100)


DELAYS: list[float] = []


@pytest.mark.parametrize("venue", list(VENUES))
async def test_a_book_whose_snapshots_keep_failing_ends_failed(
    venue: str, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    make, symbol, book_symbol, sim_symbol = VENUES[venue]
    DELAYS.clear()
    bad = BadSnapshots(monkeypatch, book_symbol, after=10**9)
    client: SocketClient
    async with make(sim, sleep=no_wait, **FAST) as client:
        book = await client.spot.order_book(symbol, depth=10)
        other = await client.spot.order_book(OTHER[venue], depth=10)
        await book.wait_synced()
        statuses: list[BookStatus] = []
        book.on_status_change(statuses.append)
        updates = book.updates()
        lifecycle: list[LifecycleKind] = []
        client.on_lifecycle(lambda e: lifecycle.append(e.kind))

        bad.after = bad.seen  # from now on, every snapshot of this book fails
        sim.faults.corrupt_next_checksum(sim_symbol)
        await eventually(lambda: book.status is BookStatus.FAILED, what="failed", timeout=30)
        with pytest.raises(BookFailedError) as failed:
            await book.wait_synced()
        assert failed.value.failures == 5
        assert book.status is BookStatus.FAILED
        assert statuses[-1] is BookStatus.FAILED
        with pytest.raises(BookFailedError):
            async for _ in updates:
                pass
        assert lifecycle.count(LifecycleKind.BOOK_RESYNC) == 5
        assert [d for d in DELAYS if d in (0.5, 1, 2, 4)] == [0.5, 1, 2, 4]
        assert book.stream is not None
        assert book.stream.closed
        # the other book carries on, and the failed one can be opened again afresh
        await other.wait_synced()
        bad.on = False
        again = await client.spot.order_book(symbol, depth=10)
        await again.wait_synced()
        assert again.status is BookStatus.SYNCED


async def test_a_book_that_recovers_starts_its_count_afresh(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    DELAYS.clear()
    bad = BadSnapshots(monkeypatch, "BTC/USD", after=10**9)
    async with kraken(2)(sim, sleep=no_wait, **FAST) as client:
        book = await client.spot.order_book("BTC/USD", depth=10)
        await book.wait_synced()
        for _ in range(3):  # three losses of trust, each healed at the first resync
            resyncs = book.counters.resyncs
            sim.faults.corrupt_next_checksum("BTC/USD")
            await eventually(lambda r=resyncs: book.counters.resyncs == r + 1)  # type: ignore[misc]
            await eventually(lambda: not client.public_session.recoveries, what="healthy")
        assert book.status is BookStatus.SYNCED
        assert not {0.5, 1, 2} & set(DELAYS)  # no backoff: each was a first attempt
        assert bad.seen >= 4
