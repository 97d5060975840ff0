"""What every venue's client shares, whatever the exchange: the task group that owns every
background task, the public session and the others opened on demand, the subscriptions
handed to users (iterator and callback styles), streams derived from another stream, and the
lifecycle listeners. Names no exchange: a venue's client subclasses :class:`SocketClient`
and supplies its public protocol and hooks (:meth:`SocketClient._open_public`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Any, Self, TypeVar

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.asyncio.connection import ManagedConnection
from spotstream.asyncio.order_book import OrderBook
from spotstream.asyncio.pacing import RequestRate
from spotstream.asyncio.private_session import PrivateSession
from spotstream.asyncio.recovery import BookRecoveryPolicy
from spotstream.asyncio.session import Session
from spotstream.asyncio.stats import ClientStats
from spotstream.asyncio.subscription import (
    DEFAULT_QUEUE_SIZE,
    Handler,
    Subscription,
    UpdateSubscription,
)
from spotstream.asyncio.tasks import Clock, Sleep, TaskSpawner
from spotstream.asyncio.transport import Transport, default_transport, transport_by_name
from spotstream.errors import ClientClosedError, SpotstreamError
from spotstream.models.book_changes import BookChanges, book_changes
from spotstream.models.enums import BookStatus, LifecycleKind
from spotstream.models.market import BookSnapshot, DataEvent, LifecycleEvent

T = TypeVar("T")


class SocketClient:
    """The machinery of one venue's client; use a subclass as ``async with Client() as c``.

    ``url`` is the public endpoint; ``transport`` is ``"picows"`` (default), ``"websockets"``
    or any :class:`Transport`; with ``output_original_data=True`` every :class:`DataEvent`
    carries the exchange's frame. ``book_recovery`` says how a local book that lost trust is
    brought back (:class:`BookRecoveryPolicy`), ``request_rate`` how requests are paced per
    connection (:class:`RequestRate`); ``clock`` and ``sleep`` time everything (tests inject
    their own).
    """

    def __init__(
        self,
        url: str,
        *,
        transport: Transport | str | None = None,
        output_original_data: bool = False,
        request_timeout: float = 10.0,
        reconnect: ReconnectPolicy | None = None,
        keepalive_interval: float = 5.0,
        dead_after: float = 10.0,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        book_recovery: BookRecoveryPolicy | None = None,
        request_rate: RequestRate | None = None,
    ) -> None:
        self.url = url
        if isinstance(transport, str):
            transport = transport_by_name(transport)
        self._transport = transport or default_transport()
        self._output_original_data = output_original_data
        self._request_timeout = request_timeout
        self._policy = reconnect or ReconnectPolicy()
        self._keepalive_interval = keepalive_interval
        self._dead_after = dead_after
        self._queue_size = queue_size
        self._clock = clock
        self._sleep = sleep
        self._book_recovery = book_recovery
        self._request_rate = request_rate
        self._stack: AsyncExitStack | None = None
        self._tasks = TaskSpawner(self._task_failed)
        self._session: Session[Any] | None = None
        self._subscriptions: list[Subscription[Any]] = []
        self._sources: dict[int, Subscription[Any]] = {}  # id(derived) -> what feeds it

    # --- what a venue supplies ---------------------------------------------------------------

    def _open_public(self) -> Session[Any]:
        """The public session of a fresh ``async with`` (its protocol and hooks)."""
        raise NotImplementedError

    def _other_sessions(self) -> list[Session[Any]]:
        """The sessions opened on demand (private, level 3 ...), to close with the client."""
        return []

    def _forget_other_sessions(self) -> None:
        """The client is closing: drop the sessions :meth:`_other_sessions` listed."""

    def _owner(self, sub: Subscription[Any]) -> Session[Any] | None:
        """The session whose stream ``sub`` is (the public one unless the venue says)."""
        return self._session

    # --- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        self._stack = AsyncExitStack()
        self._tasks.open(await self._stack.enter_async_context(asyncio.TaskGroup()))
        self._session = self._open_public()
        self._spawn(self._session.connection.run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        session, stack = self._session, self._stack
        sessions = [*self._other_sessions(), *([session] if session is not None else [])]
        self._session = None
        self._forget_other_sessions()
        if session is not None:
            for sub in list(self._subscriptions):
                sub.closed = True
                sub.fail(ClientClosedError("client closed"))
        for each in sessions:
            await each.connection.close()
        if stack is not None:
            await stack.aclose()
        self._tasks.close()

    def _session_kwargs(self) -> dict[str, Any]:
        """What every session of this client is built with, besides protocol and hooks."""
        return {
            "spawn": self._spawn,
            "clock": self._clock,
            "request_timeout": self._request_timeout,
            "output_original_data": self._output_original_data,
            "queue_size": self._queue_size,
            "sleep": self._sleep,
            "book_recovery": self._book_recovery,
            "request_rate": self._request_rate,
        }

    def _make_connection(self, session: Session[Any], url: str | None = None) -> ManagedConnection:
        return ManagedConnection(
            url or self.url,
            self._transport,
            session,
            policy=self._policy,
            clock=self._clock,
            sleep=self._sleep,
            keepalive_interval=self._keepalive_interval,
            dead_after=self._dead_after,
        )

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Every background task starts here: in the client's task group, contained (a
        failure is logged, counted in :attr:`task_failures` and reported as ``TASK_FAILED``)."""
        return self._tasks.spawn(coro)

    def stats(self) -> ClientStats:
        """A snapshot of the client's counters: per connection (frames, bytes, reconnects by
        close code, resyncs, checksum mismatches, sequence gaps, queue drops) and per
        subscription (deliveries, drops, receive-to-handler latency). Cheap: it reads
        counters the client keeps anyway."""
        sessions = [*([self._session] if self._session is not None else []),
                    *self._other_sessions()]  # fmt: skip
        names: dict[str, int] = {}
        connections = []
        for session in sessions:
            kind = "private" if isinstance(session, PrivateSession) else "public"
            names[kind] = names.get(kind, 0) + 1
            name = kind if names[kind] == 1 else f"{kind}-{names[kind]}"
            connections.append(session.snapshot_stats(name))
        return ClientStats(tuple(connections), self._tasks.failures)

    @property
    def task_failures(self) -> int:
        """How many background tasks raised (each was contained and reported)."""
        return self._tasks.failures

    def _task_failed(self, name: str, exc: Exception) -> None:
        self._report(LifecycleKind.TASK_FAILED, f"{name}: {exc!r}", exc)

    def _report(self, kind: LifecycleKind, detail: str, error: BaseException | None) -> None:
        """Tell the client's lifecycle listeners (and its stats) about a contained failure."""
        if self._session is not None:
            self._session.on_lifecycle(LifecycleEvent(kind, self._clock(), detail, error=error))

    @property
    def public_session(self) -> Session[Any]:
        if self._session is None:
            raise ClientClosedError("the client is not open (use `async with`)")
        return self._session

    def on_lifecycle(self, listener: Callable[[LifecycleEvent], object]) -> None:
        """Call ``listener`` on every connection lifecycle event (connect, loss, restore...,
        and the contained failures: ``TASK_FAILED``, ``CONNECT_REJECTED``, ``DISARM_FAILED``).
        It may be async; one that raises is logged and counted, never propagated."""
        self.public_session.add_lifecycle_listener(listener)

    # --- subscriptions -----------------------------------------------------------------------

    def _new_subscription(self, channel: str, symbols: list[str]) -> Subscription[Any]:
        sub: Subscription[Any] = Subscription(
            channel, symbols, self._close_subscription, self._spawn, self._queue_size
        )
        sub.clock = self._clock
        self._subscriptions.append(sub)
        return sub

    async def _forget_subscription(self, sub: Subscription[Any]) -> None:
        if sub in self._subscriptions:
            self._subscriptions.remove(sub)

    async def _close_subscription(self, sub: Subscription[Any]) -> None:
        if sub in self._subscriptions:
            self._subscriptions.remove(sub)
        source = self._sources.pop(id(sub), None)
        if source is not None:
            await source.close()
            return
        owner = self._owner(sub)
        if owner is not None:
            await owner._close_subscription(sub)

    def _derived(
        self,
        sub: Subscription[Any],
        source: Subscription[Any],
        convert: Callable[[DataEvent[Any]], DataEvent[Any]],
    ) -> None:
        """``sub`` is fed from ``source`` (e.g. spreads from a ticker), each event through
        ``convert``: it gets the source's lifecycle events too, ends with the error that ends
        the source, and closing it closes ``source``."""
        self._sources[id(sub)] = source
        for kind in LifecycleKind:
            source.on_lifecycle(kind, sub.notify)

        async def pump() -> None:
            try:
                async for event in source:
                    sub.push(convert(event))
            except SpotstreamError as exc:
                sub.fail(exc)

        self._spawn(pump())

    def run_handler(self, sub: Subscription[T], handler: Handler[T]) -> UpdateSubscription[T]:
        update = UpdateSubscription(sub, handler)
        update.task = self._spawn(update.run())
        return update

    def run_book_changes(
        self, book: OrderBook, handler: Handler[BookChanges]
    ) -> UpdateSubscription[BookChanges]:
        """The seed libraries' order book updates: ``handler`` gets, per verified message,
        the levels that changed (:class:`BookChanges`; the whole book first and after a
        resync); nothing while the book is not synced. Closing it closes ``book``."""
        symbol = book.symbol
        changes: Subscription[BookChanges] = self._new_subscription(book.channel, [symbol])
        last: BookSnapshot | None = None

        async def forward(event: DataEvent[Any]) -> None:
            nonlocal last
            if event.data.status is not BookStatus.SYNCED:
                last = None  # the next synced message starts again with the whole book
                return
            now = book.snapshot()
            delta = book_changes(last, now)
            last = now
            changes.push(DataEvent(delta, symbol, book.channel, delta.kind, event.received_at))

        self.run_handler(book.updates(), forward)
        update = self.run_handler(changes, handler)
        update.also_close(book.close)
        return update
