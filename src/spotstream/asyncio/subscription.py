"""Subscriptions: a bounded queue of events, read by ``async for`` or by a callback task.

Overflow policy: when a subscriber falls ``maxsize`` events behind, the *oldest* event is
dropped, ``dropped`` counts it, and the event delivered right after the hole carries
``gap=True``. A
reconnect marks a gap the same way. Nothing is lost silently.

User code is isolated: a data handler that raises is logged and counted
(``handler_errors``), and so is a lifecycle callback (``on_connection_lost``, ...; sync or
async) in ``callback_errors``. Neither stops the stream nor the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from typing import Any, Generic, TypeVar

from spotstream.asyncio.stats import LatencyHistogram, SubscriptionStats
from spotstream.asyncio.tasks import call_user
from spotstream.errors import ClientClosedError, SpotstreamError
from spotstream.models.enums import LifecycleKind
from spotstream.models.market import DataEvent, LifecycleEvent

T = TypeVar("T")
log = logging.getLogger("spotstream.subscription")

Handler = Callable[[DataEvent[T]], Awaitable[None] | None]
LifecycleCallback = Callable[[LifecycleEvent], Awaitable[None] | None]

CLOSE_WAIT = 1.0  # seconds close() waits for a handler call under way
DEFAULT_QUEUE_SIZE = 10_000


class Subscription(Generic[T]):
    """One user subscription: an async iterator of :class:`DataEvent` and a handle.

    ``close()`` unsubscribes (when no other subscription needs the stream) and ends the
    iteration. If the stream fails for good (e.g. the exchange rejects the resubscription
    after a reconnect), iteration raises that error.
    """

    def __init__(
        self,
        channel: str,
        symbols: list[str],
        closer: Callable[[Subscription[Any]], Coroutine[Any, Any, None]],
        spawn: Callable[[Coroutine[Any, Any, None]], object],
        maxsize: int = DEFAULT_QUEUE_SIZE,
    ) -> None:
        self.channel = channel
        self.symbols = symbols
        self.dropped = 0
        self.discarded = 0  # events still queued when the subscription was closed
        self.delivered = 0
        self.callback_errors = 0
        self.handler_errors = 0  # of the callback reading it (UpdateSubscription), if any
        self.latency = LatencyHistogram()  # receive to delivery, once ``clock`` is set
        self.clock: Callable[[], float] | None = None  # the clock of ``received_at``
        self.closed = False
        self._closer = closer
        self._spawn = spawn
        self._queue: deque[DataEvent[T]] = deque()
        self._maxsize = maxsize
        self._gap = False
        self._waiter: asyncio.Future[None] | None = None
        self._error: BaseException | None = None
        self._lifecycle: dict[LifecycleKind, list[LifecycleCallback]] = {}

    # --- producer side (the connection's reader) ---------------------------------------

    def push(self, event: DataEvent[T]) -> None:
        if self.closed:
            return
        queue = self._queue
        if len(queue) >= self._maxsize:
            queue.popleft()
            self.dropped += 1
            if queue:  # the event now first in line follows what was dropped
                queue[0] = replace(queue[0], gap=True)
            else:
                self._gap = True
        if self._gap:
            event = replace(event, gap=True)
            self._gap = False
        queue.append(event)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def mark_gap(self) -> None:
        self._gap = True

    def fail(self, error: BaseException) -> None:
        self._error = error
        self._wake()

    def notify(self, event: LifecycleEvent) -> None:
        """Run the lifecycle callbacks for ``event``, each isolated (async ones as their own
        contained task in the client's task group)."""
        for callback in self._lifecycle.get(event.kind, ()):
            call_user(callback, event, self._spawn, self._callback_failed, "lifecycle callback")

    def _callback_failed(self) -> None:
        self.callback_errors += 1

    # --- consumer side -----------------------------------------------------------------

    def __aiter__(self) -> Subscription[T]:
        return self

    async def __anext__(self) -> DataEvent[T]:
        while not self._queue:
            if self._error is not None:
                raise self._error
            if self.closed:
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        if self.closed:  # closed meanwhile: its backlog was discarded
            raise StopAsyncIteration
        self.delivered += 1
        event = self._queue.popleft()
        clock = self.clock
        if clock is not None:
            self.latency.observe(clock() - event.received_at)
        return event

    def stats(self) -> SubscriptionStats:
        return SubscriptionStats(
            self.channel, tuple(self.symbols), self.delivered, self.dropped, self.discarded,
            self.handler_errors, self.latency.snapshot(),
        )  # fmt: skip

    def pending(self) -> int:
        return len(self._queue)

    def on_connection_lost(self, callback: LifecycleCallback) -> None:
        self._lifecycle.setdefault(LifecycleKind.CONNECTION_LOST, []).append(callback)

    def on_connection_restored(self, callback: LifecycleCallback) -> None:
        self._lifecycle.setdefault(LifecycleKind.RESTORED, []).append(callback)

    def on_lifecycle(self, kind: LifecycleKind, callback: LifecycleCallback) -> None:
        self._lifecycle.setdefault(kind, []).append(callback)

    async def close(self) -> None:
        """Stop at once: events still queued are discarded (counted in ``discarded``), the
        iterator yields nothing more (a handler is not called again), then the stream is
        unsubscribed if no other subscription needs it."""
        if self.closed:
            return
        self.closed = True
        self.discarded += len(self._queue)
        self._queue.clear()
        self._wake()
        await self._closer(self)

    async def __aenter__(self) -> Subscription[T]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class UpdateSubscription(Generic[T]):
    """The callback style: a task that feeds each event of ``subscription`` to ``handler``.

    A handler that raises is logged and counted (``handler_errors``); the stream goes on.
    """

    def __init__(self, subscription: Subscription[T], handler: Handler[T]) -> None:
        self.subscription = subscription
        self.handler_errors = 0
        self._handler = handler
        self._also_close: list[Callable[[], Awaitable[None]]] = []
        self.task: asyncio.Task[None] | None = None

    @property
    def symbols(self) -> list[str]:
        return self.subscription.symbols

    async def run(self) -> None:
        try:
            async for event in self.subscription:
                try:
                    result = self._handler(event)
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    self.handler_errors += 1
                    self.subscription.handler_errors += 1
                    log.exception("handler of %s failed", self.subscription.channel)
        except ClientClosedError:
            pass
        except SpotstreamError as exc:
            log.error("subscription %s ended: %s", self.subscription.channel, exc)

    def on_connection_lost(self, callback: LifecycleCallback) -> None:
        self.subscription.on_connection_lost(callback)

    def on_connection_restored(self, callback: LifecycleCallback) -> None:
        self.subscription.on_connection_restored(callback)

    def also_close(self, closer: Callable[[], Awaitable[None]]) -> None:
        """Close something else with this subscription (e.g. the book it reads)."""
        self._also_close.append(closer)

    async def close(self) -> None:
        """Close the stream (its backlog is discarded: the handler is not called again)
        and wait for a handler call under way to return, at most :data:`CLOSE_WAIT`
        seconds; one still running then is cancelled."""
        await self.subscription.close()
        for closer in self._also_close:
            await closer()
        task = self.task
        if task is not None and task is not asyncio.current_task():
            await asyncio.wait({task}, timeout=CLOSE_WAIT)
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
