"""A book's way back to trust: a small state machine per symbol, not a flag.

A book that loses trust (a checksum mismatch, an invalid, crossed or unreadable frame) is
*resyncing*: a fresh snapshot is asked for (the venue's resubscribe). When the snapshot
applies cleanly the book is *proving*: the next verified message makes it healthy again and
its record is dropped. A snapshot that does not arrive in time, is itself wrong, or is
followed by another loss of trust before anything verified, is a failed snapshot: the next
attempt waits under backoff (``initial`` doubling to ``maximum``), and after
``max_failed_snapshots`` in a row the book has *failed* (the session ends it with
:class:`~spotstream.errors.BookFailedError`). A loss of trust that arrives while an attempt is
in flight is never lost: that attempt then counts as failed and another follows.

Timing goes through the injected ``sleep``; only the wait for the snapshot uses the loop's
clock (bounded by the request timeout).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

from spotstream.asyncio.tasks import Sleep, Spawn
from spotstream.errors import BookFailedError, ConnectionClosedError, ExchangeError, SpotstreamError


@dataclass(frozen=True, slots=True)
class BookRecoveryPolicy:
    """How a book that lost trust is brought back: the delay before a retry after the
    ``n``-th failed snapshot in a row is ``initial * 2**(n-1)`` capped at ``maximum``; the
    first resync after a healthy stretch goes at once. ``max_failed_snapshots`` failed
    snapshots in a row and the book fails."""

    initial: float = 0.5
    maximum: float = 30.0
    max_failed_snapshots: int = 5

    def delay(self, failures: int) -> float:
        """Seconds to wait before the attempt that follows ``failures`` failed snapshots."""
        if failures <= 0:
            return 0.0
        return min(self.maximum, self.initial * 2.0 ** (failures - 1))


class Phase(Enum):
    RESYNCING = "resyncing"  # an attempt is in flight, or waits out its backoff
    PROVING = "proving"  # the snapshot applied: the next verified message makes it healthy


class Recovery:
    """One symbol's recovery record."""

    __slots__ = ("again", "failures", "phase", "snapshot", "task")

    def __init__(self) -> None:
        self.phase = Phase.RESYNCING
        self.failures = 0  # failed snapshots in a row
        self.again = False  # trust was lost again while an attempt was in flight
        self.snapshot: asyncio.Future[bool] | None = None  # the attempt's snapshot: clean?
        self.task: object | None = None


class BookRecoveries:
    """The recoveries of one session's books.

    ``resubscribe(symbol)`` asks the venue for a fresh snapshot (raises the venue's refusal
    as :class:`ExchangeError`); ``end(symbol, error)`` ends that symbol's books (refused or
    failed); ``started(symbol)`` is told of every attempt (stats, lifecycle).
    """

    def __init__(
        self,
        policy: BookRecoveryPolicy,
        *,
        resubscribe: Callable[[str], Awaitable[None]],
        end: Callable[[str, SpotstreamError], Awaitable[None]],
        started: Callable[[str], None],
        spawn: Spawn,
        sleep: Sleep,
        snapshot_timeout: Callable[[], float],
    ) -> None:
        self.policy = policy
        self.failed_snapshots = 0  # over the session's life
        self._active: dict[str, Recovery] = {}
        self._resubscribe = resubscribe
        self._end = end
        self._started = started
        self._spawn = spawn
        self._sleep = sleep
        self._snapshot_timeout = snapshot_timeout

    def __bool__(self) -> bool:
        return bool(self._active)

    def phase(self, symbol: str) -> Phase | None:
        record = self._active.get(symbol)
        return record.phase if record is not None else None

    def failures(self, symbol: str) -> int:
        record = self._active.get(symbol)
        return record.failures if record is not None else 0

    # --- fed by the session, per book message ----------------------------------------------

    def lost_trust(self, symbol: str) -> None:
        """The book of ``symbol`` is wrong (mismatch, invalid or unreadable frame)."""
        record = self._active.get(symbol)
        if record is None:
            record = self._active[symbol] = Recovery()
        elif record.task is not None:  # in flight: this attempt has failed
            record.again = True
            if record.snapshot is not None and not record.snapshot.done():
                record.snapshot.set_result(False)
            return
        else:  # proving: the snapshot did not hold
            record.phase = Phase.RESYNCING
            self._failed(record)
        self._start(symbol, record)

    def applied(self, symbol: str, clean: bool, snapshot: bool) -> None:
        """A message of ``symbol`` applied and trusted (``clean``: verified or carrying no
        checksum); call only while :meth:`__bool__` (cheap otherwise)."""
        record = self._active.get(symbol)
        if record is None or not clean:
            return
        waiting = record.snapshot
        if waiting is not None:
            if snapshot and not waiting.done():
                waiting.set_result(True)
        elif record.phase is Phase.PROVING:
            del self._active[symbol]  # healthy again

    def discard(self, symbol: str) -> None:
        """The symbol's books are gone: stop recovering them."""
        record = self._active.pop(symbol, None)
        if record is not None:
            self._cancel(record)

    def connection_lost(self) -> None:
        """A new connection re-snapshots every book: every recovery starts afresh."""
        for record in self._active.values():
            self._cancel(record)
        self._active.clear()

    # --- the attempts ----------------------------------------------------------------------

    def _failed(self, record: Recovery) -> None:
        record.failures += 1
        self.failed_snapshots += 1

    def _start(self, symbol: str, record: Recovery) -> None:
        record.task = self._spawn(self._run(symbol, record))

    async def _run(self, symbol: str, record: Recovery) -> None:
        try:
            while True:
                if record.failures >= self.policy.max_failed_snapshots:
                    self._active.pop(symbol, None)
                    await self._end(symbol, _failed_error(symbol, record.failures))
                    return
                if record.failures:
                    await self._sleep(self.policy.delay(record.failures))
                if await self._attempt(symbol, record):
                    record.phase = Phase.PROVING
                    return
                self._failed(record)
        except ExchangeError as exc:  # the venue refused the book: it ends
            self._active.pop(symbol, None)
            await self._end(symbol, exc)
        except ConnectionClosedError:
            pass  # the reconnect re-snapshots every book
        finally:
            record.task = None
            record.snapshot = None

    async def _attempt(self, symbol: str, record: Recovery) -> bool:
        """One resync: whether its snapshot arrived and applied cleanly, with no loss of
        trust meanwhile."""
        record.again = False
        record.snapshot = asyncio.get_running_loop().create_future()
        self._started(symbol)
        try:
            await self._resubscribe(symbol)
            async with asyncio.timeout(self._snapshot_timeout()):
                clean = await record.snapshot
        except TimeoutError:  # no snapshot in time, or no answer to the resubscribe
            clean = False
        except (ConnectionClosedError, ExchangeError):
            raise
        except SpotstreamError:  # the resubscribe could not be made: try again
            clean = False
        finally:
            record.snapshot = None
        return clean and not record.again

    def _cancel(self, record: Recovery) -> None:
        task = record.task
        if isinstance(task, asyncio.Task):
            task.cancel()
        record.task = None


def _failed_error(symbol: str, failures: int) -> BookFailedError:
    return BookFailedError(
        f"{symbol}: the book failed after {failures} failed snapshots in a row; "
        "its subscription was released",
        symbol=symbol,
        failures=failures,
    )
