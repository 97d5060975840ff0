"""What the soak watches: each book (checked against the truth on every update) and each
private feed (fills counted by id, reconciliations matched to detected gaps)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import Any

from spotstream.asyncio.order_book import OrderBook
from spotstream.models.enums import BookStatus, EventKind
from spotstream.models.orders import Fill, OrderUpdate, Reconciliation
from spotstream.soak.truth import Truth

STUCK_AFTER = 20.0  # seconds a book may stay unsynced (faults keep hitting it) before stuck


class Gate:
    """The slow-consumer fault: every watcher waits while it is closed."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.open.set()
        self._reopen: asyncio.TimerHandle | None = None

    def pause(self, seconds: float) -> None:
        self.open.clear()
        if self._reopen is not None:
            self._reopen.cancel()
        self._reopen = asyncio.get_running_loop().call_later(seconds, self.open.set)


GAP_LOGGER = "spotstream.session"
GAP_MESSAGE = "%s: sequence %d expected"


class Gap:
    """A private session's warning that a feed skipped a sequence (its first argument is
    the channel)."""

    @staticmethod
    def matches(record: logging.LogRecord) -> bool:
        return record.name == GAP_LOGGER and str(record.msg).startswith(GAP_MESSAGE)


class GapLedger:
    """Sequence gaps the private sessions detected, per channel, and those reconciled."""

    def __init__(self) -> None:
        self.detected = 0
        self.reconciled = 0
        self._pending: Counter[str] = Counter()

    def gap(self, channel: str) -> None:
        self.detected += 1
        self._pending[channel] += 1

    def reconciliation(self, channel: str) -> None:
        self.reconciled += self._pending.pop(channel, 0)


class BookWatch:
    """One book: every update checked against the truth; unsynced stretches timed."""

    def __init__(self, venue: str, book: OrderBook, market: str, truth: Truth, gate: Gate):
        self.venue, self.book, self.market, self.truth, self.gate = venue, book, market, truth, gate
        self.checks = self.wrong = self.stuck_stretches = 0
        self.last_update = 0.0
        self.ended: BaseException | None = None
        self._unsynced_since: float | None = None
        self._stuck_counted = False
        book.on_status_change(self._status)

    def _status(self, status: BookStatus) -> None:
        now = time.monotonic()
        if status is BookStatus.SYNCED:
            self._unsynced_since = None
            self._stuck_counted = False
        elif self._unsynced_since is None:
            self._unsynced_since = now

    def stuck(self, now: float) -> bool:
        """Unsynced for longer than :data:`STUCK_AFTER` (counted once per stretch)."""
        since = self._unsynced_since
        if since is None or self._stuck_counted or now - since <= STUCK_AFTER:
            return False
        self._stuck_counted = True
        self.stuck_stretches += 1
        return True

    async def run(self) -> None:
        try:
            async for _ in self.book.updates():
                await self.gate.open.wait()
                self.check()
        except Exception as exc:  # the book ended (refused, failed): a lost subscription
            self.ended = exc

    def check(self) -> None:
        verdict = self.truth.check(self.market, self.book.snapshot())
        self.last_update = time.monotonic()
        if verdict is None:
            return
        self.checks += 1
        self.wrong += not verdict


class FeedWatch:
    """One private feed: what it delivered, fills by id, reconciliations."""

    def __init__(self, venue: str, name: str, feed: Any, gaps: GapLedger, gate: Gate) -> None:
        self.venue, self.name, self.feed, self.gaps, self.gate = venue, name, feed, gaps, gate
        self.last_event = 0.0
        self.fills = self.duplicate_fills = 0
        self.ended: BaseException | None = None
        self._seen: set[str] = set()

    async def run(self) -> None:
        try:
            async for event in self.feed:
                await self.gate.open.wait()
                self.last_event = time.monotonic()
                self.item(event.data, event.kind)
        except Exception as exc:
            self.ended = exc

    def item(self, item: object, kind: EventKind) -> None:
        if isinstance(item, Reconciliation):
            self.gaps.reconciliation(item.channel)
            for fill in item.fills:
                self._fill(fill)
        elif kind is not EventKind.UPDATE:
            return
        elif isinstance(item, Fill):
            self._fill(item)
        elif isinstance(item, OrderUpdate) and item.fill is not None:
            self._fill(item.fill)

    def _fill(self, fill: Fill) -> None:
        key = fill.exec_id or (str(fill.trade_id) if fill.trade_id is not None else None)
        if key is None:
            return
        key = f"{fill.order_id}/{key}"
        self.fills += 1
        if key in self._seen:
            self.duplicate_fills += 1
        self._seen.add(key)
