"""The book recovery state machine (asyncio/recovery.py), driven by hand: every snapshot's
outcome, every backoff delay and the final failure are the test's to decide."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import pytest

from spotstream.asyncio.recovery import BookRecoveries, BookRecoveryPolicy, Phase
from spotstream.errors import (
    BookFailedError,
    ConnectionClosedError,
    RequestTimeoutError,
    SpotstreamError,
    SubscriptionError,
)


class Harness:
    """A session's side of :class:`BookRecoveries`: records resubscribes, delays, ends."""

    def __init__(self, policy: BookRecoveryPolicy | None = None) -> None:
        self.resubscribes: list[str] = []
        self.delays: list[float] = []
        self.ended: list[tuple[str, SpotstreamError]] = []
        self.refuse: SpotstreamError | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.recoveries = BookRecoveries(
            policy or BookRecoveryPolicy(),
            resubscribe=self._resubscribe,
            end=self._end,
            started=lambda symbol: None,
            spawn=self._spawn,
            sleep=self._sleep,
            snapshot_timeout=lambda: 5.0,
        )

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def _resubscribe(self, symbol: str) -> None:
        self.resubscribes.append(symbol)
        if self.refuse is not None:
            raise self.refuse

    async def _end(self, symbol: str, error: SpotstreamError) -> None:
        self.ended.append((symbol, error))

    async def _sleep(self, seconds: float) -> None:
        self.delays.append(seconds)

    async def attempt(self, count: int) -> None:
        """Let the machine run until its ``count``-th resubscribe is waiting for a snapshot."""
        for _ in range(200):
            if len(self.resubscribes) >= count and self._waiting():
                return
            await asyncio.sleep(0)
        raise AssertionError(f"no attempt {count}: {self.resubscribes}")

    def _waiting(self) -> bool:
        record = self.recoveries._active.get("BTC/USD")
        return record is not None and record.snapshot is not None

    async def settle(self) -> None:
        for _ in range(50):
            await asyncio.sleep(0)


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    h = Harness()
    yield h
    h.recoveries.connection_lost()
    await h.settle()


def test_backoff_doubles_from_half_a_second_to_thirty() -> None:
    policy = BookRecoveryPolicy()
    assert [policy.delay(n) for n in range(9)] == [0, 0.5, 1, 2, 4, 8, 16, 30, 30]


async def test_five_bad_snapshots_fail_the_book_under_backoff(harness: Harness) -> None:
    harness.recoveries.lost_trust("BTC/USD")
    for attempt in range(1, 6):
        await harness.attempt(attempt)
        harness.recoveries.lost_trust("BTC/USD")  # the snapshot itself is wrong
    await harness.settle()
    assert harness.resubscribes == ["BTC/USD"] * 5
    assert harness.delays == [0.5, 1, 2, 4]  # the first resync goes at once
    [(symbol, error)] = harness.ended
    assert symbol == "BTC/USD"
    assert isinstance(error, BookFailedError)
    assert (error.symbol, error.failures) == ("BTC/USD", 5)
    assert harness.recoveries.phase("BTC/USD") is None
    assert harness.recoveries.failed_snapshots == 5


async def test_the_limit_is_configurable() -> None:
    harness = Harness(BookRecoveryPolicy(initial=0.1, maximum=0.3, max_failed_snapshots=2))
    harness.recoveries.lost_trust("BTC/USD")
    for attempt in (1, 2):
        await harness.attempt(attempt)
        harness.recoveries.lost_trust("BTC/USD")
    await harness.settle()
    assert harness.delays == [0.1]
    assert isinstance(harness.ended[0][1], BookFailedError)


async def test_a_clean_snapshot_then_a_verified_message_is_healthy_again(
    harness: Harness,
) -> None:
    harness.recoveries.lost_trust("BTC/USD")
    await harness.attempt(1)
    harness.recoveries.applied("BTC/USD", clean=True, snapshot=True)
    await harness.settle()
    assert harness.recoveries.phase("BTC/USD") is Phase.PROVING
    harness.recoveries.applied("BTC/USD", clean=True, snapshot=False)
    assert harness.recoveries.phase("BTC/USD") is None
    assert not harness.recoveries
    # the next loss of trust starts afresh: at once, no backoff
    harness.recoveries.lost_trust("BTC/USD")
    await harness.attempt(2)
    assert harness.delays == []
    assert harness.ended == []


async def test_a_snapshot_that_does_not_hold_counts_as_failed(harness: Harness) -> None:
    harness.recoveries.lost_trust("BTC/USD")
    await harness.attempt(1)
    harness.recoveries.applied("BTC/USD", clean=True, snapshot=True)
    await harness.settle()
    harness.recoveries.lost_trust("BTC/USD")  # wrong again before anything verified
    await harness.attempt(2)
    assert harness.delays == [0.5]
    assert harness.recoveries.failures("BTC/USD") == 1


async def test_a_loss_of_trust_while_an_attempt_is_in_flight_is_not_lost(
    harness: Harness,
) -> None:
    harness.recoveries.lost_trust("BTC/USD")
    await harness.attempt(1)
    harness.recoveries.applied("BTC/USD", clean=True, snapshot=True)  # the snapshot is fine,
    harness.recoveries.lost_trust("BTC/USD")  # but trust is lost before the attempt returns
    await harness.attempt(2)
    assert harness.resubscribes == ["BTC/USD", "BTC/USD"]
    assert harness.recoveries.failures("BTC/USD") == 1


async def test_updates_ignored_while_resyncing_do_not_decide_anything(harness: Harness) -> None:
    harness.recoveries.lost_trust("BTC/USD")
    await harness.attempt(1)
    harness.recoveries.applied("BTC/USD", clean=True, snapshot=False)  # not the snapshot
    harness.recoveries.applied("BTC/USD", clean=False, snapshot=True)
    await harness.settle()
    assert harness.recoveries.phase("BTC/USD") is Phase.RESYNCING
    assert len(harness.resubscribes) == 1


async def test_a_refused_resubscribe_ends_the_book_with_the_refusal(harness: Harness) -> None:
    harness.refuse = SubscriptionError("Currency pair not supported", symbol="BTC/USD")
    harness.recoveries.lost_trust("BTC/USD")
    await harness.settle()
    assert harness.ended == [("BTC/USD", harness.refuse)]
    assert not harness.recoveries


async def test_no_answer_to_the_resubscribe_is_a_failed_attempt(harness: Harness) -> None:
    harness.refuse = RequestTimeoutError("no answer")
    harness.recoveries.lost_trust("BTC/USD")
    for _ in range(100):
        await asyncio.sleep(0)
        if harness.ended:
            break
    assert len(harness.resubscribes) == 5
    assert isinstance(harness.ended[0][1], BookFailedError)


async def test_a_lost_connection_ends_the_attempt_quietly(harness: Harness) -> None:
    harness.refuse = ConnectionClosedError("connection lost")
    harness.recoveries.lost_trust("BTC/USD")
    await harness.settle()
    assert harness.ended == []
    assert harness.resubscribes == ["BTC/USD"]


async def test_connection_lost_and_discard_cancel_what_is_in_flight(harness: Harness) -> None:
    harness.recoveries.lost_trust("BTC/USD")
    harness.recoveries.lost_trust("ETH/USD")
    await harness.attempt(1)
    harness.recoveries.discard("ETH/USD")
    assert harness.recoveries.phase("ETH/USD") is None
    harness.recoveries.connection_lost()
    await harness.settle()
    assert not harness.recoveries
    assert not harness.tasks
    assert harness.ended == []
