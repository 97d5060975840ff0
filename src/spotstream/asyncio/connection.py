"""A websocket connection that keeps itself alive and reconnects. Names no exchange."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.asyncio.transport import ClosedLink, Link, Transport
from spotstream.errors import ConnectionClosedError
from spotstream.models.enums import LifecycleKind
from spotstream.models.market import LifecycleEvent

log = logging.getLogger("spotstream.connection")

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class ConnectionHandler(Protocol):
    """The exchange-specific side of a connection."""

    def on_frame(self, frame: bytes | str) -> None: ...

    async def on_open(self, reconnect: bool) -> None:
        """The socket is open: (re)establish subscriptions. Must not raise."""

    def on_close(self) -> None:
        """The socket closed: fail in-flight requests, mark streams interrupted."""

    def keepalive_frame(self) -> bytes:
        """A frame that makes the server answer (an application ping)."""

    def on_lifecycle(self, event: LifecycleEvent) -> None: ...


class ManagedConnection:
    """Connects, delivers frames to its handler, watches liveness and reconnects with backoff.

    ``run()`` is the connection's whole life: it returns only after :meth:`close`, or raises
    :class:`ConnectionClosedError` when reconnection is disabled and the link drops.
    """

    def __init__(
        self,
        url: str,
        transport: Transport,
        handler: ConnectionHandler,
        *,
        policy: ReconnectPolicy,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        keepalive_interval: float = 10.0,
        dead_after: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        self.url = url
        self.frames = 0
        self.connects = 0
        self.maintenance = False
        self._transport = transport
        self._handler = handler
        self._policy = policy
        self._clock = clock
        self._sleep = sleep
        self._keepalive_interval = keepalive_interval
        self._dead_after = dead_after
        self._rng = rng or random.Random()
        self._link: Link = ClosedLink()
        self._connected = asyncio.Event()
        self._closing = False
        self._attempts: deque[float] = deque()

    # FrameSink
    def on_frame(self, frame: bytes | str) -> None:
        self.frames += 1
        self._handler.on_frame(frame)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def wait_connected(self) -> None:
        await self._connected.wait()

    async def send(self, frame: bytes) -> None:
        await self._link.send(frame)

    def drop(self) -> None:
        """Abort the current socket (it will reconnect, unless closing)."""
        self._link.abort()

    async def close(self) -> None:
        self._closing = True
        await self._link.close()
        self._link.abort()

    async def run(self) -> None:
        failures = 0
        while not self._closing:
            link = await self._connect(failures)
            if link is None:
                failures += 1
                continue
            failures = 0
            if self._closing:  # close() was called while this connect was in flight
                await link.close()
                break
            await self._serve(link)
            if not self._policy.enabled and not self._closing:
                raise ConnectionClosedError(f"connection to {self.url} lost")
        self._emit(LifecycleKind.CLOSED)

    async def _connect(self, failures: int) -> Link | None:
        if failures or self.connects:
            delay = self._policy.delay(
                failures + 1, self._rng.random(), self._recent_attempts(), self.maintenance
            )
            self._emit(LifecycleKind.RECONNECTING, f"in {delay:.3f}s", failures + 1)
            await self._sleep(delay)
            if self._closing:
                return None
        self._attempts.append(self._clock())
        try:
            return await self._transport.connect(self.url, self)
        except ConnectionClosedError as exc:
            log.warning("%s", exc)
            if not self._policy.enabled:
                raise
            return None

    async def _serve(self, link: Link) -> None:
        self._link = link
        reconnect = self.connects > 0
        self.connects += 1
        self._connected.set()
        self._emit(LifecycleKind.CONNECTED, self.url, self.connects)
        try:
            async with asyncio.TaskGroup() as tg:
                reader = tg.create_task(link.run())
                watchdog = tg.create_task(self._watch(link))
                opener = tg.create_task(self._handler.on_open(reconnect))
                await asyncio.wait([reader])
                watchdog.cancel()
                opener.cancel()
        finally:
            self._connected.clear()
            self._link = ClosedLink()
            self._handler.on_close()
            if not self._closing:
                self._emit(LifecycleKind.CONNECTION_LOST, self.url)

    async def _watch(self, link: Link) -> None:
        """Ping when quiet; abort the link when nothing at all arrives for ``dead_after``."""
        quiet = 0.0
        seen = self.frames
        while True:
            await self._sleep(self._keepalive_interval)
            if self.frames != seen:
                seen, quiet = self.frames, 0.0
                continue
            quiet += self._keepalive_interval
            if quiet >= self._dead_after:
                log.warning("no data from %s for %.1fs: reconnecting", self.url, quiet)
                link.abort()
                return
            try:
                await link.send(self._handler.keepalive_frame())
            except ConnectionClosedError:
                return

    def _recent_attempts(self) -> int:
        horizon = self._clock() - self._policy.budget_window
        while self._attempts and self._attempts[0] < horizon:
            self._attempts.popleft()
        return len(self._attempts)

    def _emit(self, kind: LifecycleKind, detail: str = "", attempt: int = 0) -> None:
        self._handler.on_lifecycle(LifecycleEvent(kind, self._clock(), detail, attempt))
