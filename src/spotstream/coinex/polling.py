"""A stream made by polling (for a feature a venue's socket lacks, e.g. CoinEx v2's
candles, which only REST v2 serves): ``fetch()`` every ``interval`` seconds, each result that
differs from the last delivered as an update (the first as the snapshot).

A failed poll (an error, no answer) is logged, counted in :attr:`Poller.failures` and
retried at the next tick: the stream goes on. The first fetch happens before the
subscription is handed out, so a bad symbol or interval fails the subscribe itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from spotstream.asyncio.subscription import Subscription
from spotstream.errors import SpotstreamError
from spotstream.models.enums import EventKind
from spotstream.models.market import DataEvent

T = TypeVar("T")
log = logging.getLogger("spotstream.polling")


class Poller(Generic[T]):
    """Feeds ``sub`` (channel ``channel``, symbol ``symbol``) from ``fetch``."""

    def __init__(
        self,
        sub: Subscription[T],
        fetch: Callable[[], Awaitable[T | None]],
        interval: float,
        clock: Callable[[], float],
    ) -> None:
        self.sub = sub
        self.failures = 0
        self.polls = 0
        self._fetch = fetch
        self._interval = interval
        self._clock = clock
        self._last: T | None = None
        self.task: asyncio.Task[None] | None = None

    async def first(self) -> None:
        """The first fetch: its errors are the subscribe's."""
        self._deliver(await self._fetch(), EventKind.SNAPSHOT)

    async def run(self) -> None:
        while not self.sub.closed:
            await asyncio.sleep(self._interval)
            try:
                item = await self._fetch()
            except (SpotstreamError, OSError) as exc:
                self.failures += 1
                log.warning("polling %s %s failed: %s", self.sub.channel, self.sub.symbols, exc)
                continue
            self._deliver(item, EventKind.UPDATE)

    def _deliver(self, item: T | None, kind: EventKind) -> None:
        self.polls += 1
        if item is None or item == self._last:
            return
        self._last = item
        symbol = self.sub.symbols[0] if self.sub.symbols else None
        self.sub.push(DataEvent(item, symbol, self.sub.channel, kind, self._clock()))


def stop(poller: Poller[Any]) -> None:
    if poller.task is not None:
        poller.task.cancel()
