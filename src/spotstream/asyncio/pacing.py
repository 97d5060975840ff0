"""Outbound request pacing: a token bucket per connection.

Every request a session sends (subscribes, unsubscribes, trading calls, queries, our
application pings) takes a token; the bucket holds ``burst`` tokens and refills at
``per_second``. A request that finds it empty waits, in order of arrival, so a burst of calls
is spread out instead of tripping the venue's throttle, which would refuse them. The
defaults, and why they are safe, are in ``docs/protocol-notes.md``. Keepalive frames the
connection sends on its own are not paced: one every few seconds of quiet cannot matter.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from spotstream.asyncio.tasks import Clock, Sleep

_ONE = 1.0 - 1e-9


@dataclass(frozen=True, slots=True)
class RequestRate:
    """At most ``burst`` requests at once, ``per_second`` sustained, per connection;
    ``enabled=False`` sends everything at once."""

    burst: int = 20
    per_second: float = 10.0
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.burst < 1 or self.per_second <= 0:
            raise ValueError("a request rate needs burst >= 1 and per_second > 0")


class Pacer:
    """The bucket of one connection (refilled when a new connection opens)."""

    def __init__(self, rate: RequestRate, clock: Clock, sleep: Sleep) -> None:
        self.rate = rate
        self.waited = 0  # requests that had to wait for a token
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(rate.burst)
        self._at = clock()
        self._lock = asyncio.Lock()

    def reset(self) -> None:
        """A new connection: its bucket starts full."""
        self._tokens = float(self.rate.burst)
        self._at = self._clock()

    def _refill(self) -> float:
        now = self._clock()
        rate = self.rate
        self._tokens = min(float(rate.burst), self._tokens + (now - self._at) * rate.per_second)
        self._at = now
        return self._tokens

    async def take(self) -> None:
        """Wait for a token (first come, first served) and take it."""
        if not self.rate.enabled:
            return
        if not self._lock.locked() and self._refill() >= _ONE:
            self._tokens -= 1.0
            return
        async with self._lock:
            self.waited += 1
            await self._wait_for_token()
            self._tokens -= 1.0

    async def ready(self) -> None:
        """Wait until a token is available, without taking it (what a batch waits for:
        everything that arrives meanwhile goes out with it)."""
        if not self.rate.enabled:
            return
        async with self._lock:
            await self._wait_for_token()

    async def _wait_for_token(self) -> None:
        # A hair under one token counts as one (float refills), and every sleep lasts at
        # least a millisecond: the wait always ends.
        while (tokens := self._refill()) < _ONE:
            await self._sleep(max((1.0 - tokens) / self.rate.per_second, 0.001))
