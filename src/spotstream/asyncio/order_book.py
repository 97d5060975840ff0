"""A maintained, checksum-verified order book, as users see it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from spotstream.asyncio.subscription import DEFAULT_QUEUE_SIZE, Subscription
from spotstream.asyncio.tasks import call_user
from spotstream.book.l3 import RestingOrder, Side, VerifiedL3Book
from spotstream.book.tracked import ApplyResult
from spotstream.book.verified import VerifiedBook
from spotstream.errors import RequestTimeoutError, SpotstreamError
from spotstream.models.edge import to_decimal, to_enum
from spotstream.models.enums import BookStatus, OrderSide
from spotstream.models.market import BookCounters, BookLevel, BookSnapshot, DataEvent
from spotstream.protocol.events import BookData

_BOOK_SIDES: dict[OrderSide, Side] = {OrderSide.BUY: "bid", OrderSide.SELL: "ask"}


@dataclass(frozen=True, slots=True)
class BookUpdate:
    """Notification that a book changed; read the book itself for its content."""

    symbol: str
    result: ApplyResult
    status: BookStatus
    sequence: int


class OrderBook:
    """A local L2 book kept in sync with the exchange and verified on every message.

    Reads (``best_bid``, ``snapshot()``, ...) are cheap and never await. ``status`` tells
    whether the book can be trusted: it is ``SYNCED`` only while every checksum so far
    matched; after a mismatch or a reconnect it is ``RESYNCING`` until a fresh snapshot.

    ``on_status_change`` callbacks are isolated: one that raises (or, async, whose coroutine
    raises) is logged and counted in ``callback_errors``. If the exchange refuses to
    resubscribe the book, it ends: ``status`` is ``CLOSED`` and its ``updates()`` iterators
    and :meth:`wait_synced` raise the exchange's :class:`SubscriptionError`. A book whose
    snapshots keep failing (``BookRecoveryPolicy.max_failed_snapshots`` in a row, retried
    under backoff) ends ``FAILED``: they raise :class:`BookFailedError` and the exchange
    subscription is released.
    """

    channel = "book"  # the exchange channel behind it

    def __init__(
        self,
        symbol: str,
        depth: int,
        closer: Callable[[OrderBook], Coroutine[Any, Any, None]],
        spawn: Callable[[Coroutine[Any, Any, None]], object],
        clock: Callable[[], float],
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> None:
        self.symbol = symbol
        self.queue_size = queue_size
        self.depth = depth
        self.closed = False
        self.callback_errors = 0
        self.error: SpotstreamError | None = None  # why the book ended, if it did
        self.stream: Subscription[Any] | None = None  # the exchange subscription behind it
        self._book: VerifiedBook | VerifiedL3Book | None = None
        self._closer = closer
        self._spawn = spawn
        self._clock = clock
        self._synced = asyncio.Event()
        self._listeners: list[Subscription[BookUpdate]] = []
        self._status_callbacks: list[Callable[[BookStatus], object]] = []
        self._last_status = BookStatus.SYNCING
        self._final_status = BookStatus.CLOSED  # the status once closed or ended

    # --- fed by the session ------------------------------------------------------------

    def attach(self, book: VerifiedBook | VerifiedL3Book) -> None:
        self._book = book
        self._set_status(book.status)

    def on_book(self, event: BookData) -> None:
        book = event.book
        if book.status is not self._last_status:
            self._set_status(book.status)
        if self._listeners:
            update = BookUpdate(self.symbol, event.result, book.status, book.counters.updates)
            kind = event.kind
            now = self._clock()
            for listener in self._listeners:
                listener.push(DataEvent(update, self.symbol, self.channel, kind, now))

    def on_interrupted(self) -> None:
        if self._book is not None:
            self._set_status(self._book.status)

    def _set_status(self, status: BookStatus) -> None:
        self._last_status = status
        if status is BookStatus.SYNCED:
            self._synced.set()
        else:
            self._synced.clear()
        for callback in self._status_callbacks:
            call_user(callback, status, self._spawn, self._callback_failed, "on_status_change")

    def _callback_failed(self) -> None:
        self.callback_errors += 1

    def fail(self, error: SpotstreamError) -> None:
        """End every ``updates()`` iterator with ``error`` (the book itself stays)."""
        for listener in self._listeners:
            listener.fail(error)

    def end(self, error: SpotstreamError, status: BookStatus = BookStatus.CLOSED) -> None:
        """The book is over: refused by the exchange (``CLOSED``) or given up on after its
        snapshots kept failing (``FAILED``). Its iterators and waiters raise ``error``;
        ``on_status_change`` is told."""
        self.error = error
        self.closed = True
        self._final_status = status
        self.fail(error)
        self._set_status(status)
        self._synced.set()  # wake wait_synced(): it raises ``error``

    # --- user API ----------------------------------------------------------------------

    @property
    def status(self) -> BookStatus:
        return self._final_status if self.closed else self._last_status

    @property
    def counters(self) -> BookCounters:
        return self._book.counters if self._book else BookCounters()

    async def wait_synced(self, timeout: float | None = 10.0) -> None:
        try:
            async with asyncio.timeout(timeout):
                await self._synced.wait()
        except TimeoutError:
            raise RequestTimeoutError(f"{self.symbol}: book not synced within {timeout}s") from None
        if self.error is not None:
            raise self.error

    def snapshot(self, limit: int | None = None) -> BookSnapshot:
        if self._book is None:
            return BookSnapshot(self.symbol, (), (), 0, self.status, 0)
        return self._book.snapshot(limit)

    @property
    def best_bid(self) -> BookLevel | None:
        return self.snapshot(1).best_bid

    @property
    def best_ask(self) -> BookLevel | None:
        return self.snapshot(1).best_ask

    @property
    def spread(self) -> Decimal | None:
        top = self.snapshot(1)
        if top.best_bid is None or top.best_ask is None:
            return None
        return top.best_ask.price - top.best_bid.price

    def bids(self, limit: int | None = None) -> tuple[BookLevel, ...]:
        return self.snapshot(limit).bids

    def asks(self, limit: int | None = None) -> tuple[BookLevel, ...]:
        return self.snapshot(limit).asks

    def average_fill_price(self, quantity: Decimal, side: OrderSide | str) -> Decimal | None:
        """Average price of a market order of ``quantity`` (base) taking this book's levels;
        ``None`` when the book is too thin to fill it."""
        return self.snapshot().average_fill_price(quantity, side)

    def tradable_amount(self, quote_quantity: Decimal, side: OrderSide | str) -> Decimal:
        """Base quantity that ``quote_quantity`` buys (or, selling, that yields it) now."""
        return self.snapshot().tradable_amount(quote_quantity, side)

    def updates(self) -> Subscription[BookUpdate]:
        """An async iterator of change notifications (bounded; see Subscription)."""
        sub: Subscription[BookUpdate] = Subscription(
            self.channel, [self.symbol], self._drop_listener, self._spawn, self.queue_size
        )
        sub.clock = self._clock  # the clock of the events' ``received_at``: their latency
        self._listeners.append(sub)
        return sub

    def listeners(self) -> list[Subscription[BookUpdate]]:
        """The open :meth:`updates` iterators (for stats)."""
        return list(self._listeners)

    def on_status_change(self, callback: Callable[[BookStatus], object]) -> None:
        self._status_callbacks.append(callback)

    async def _drop_listener(self, sub: Subscription[Any]) -> None:
        if sub in self._listeners:
            self._listeners.remove(sub)

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for listener in list(self._listeners):
            await listener.close()
        await self._closer(self)

    async def __aenter__(self) -> OrderBook:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class L3OrderBook(OrderBook):
    """A local Level-3 book (individual orders), verified on every message.

    The L2 reads of :class:`OrderBook` (``snapshot()``, ``best_bid``, ...) are the view
    aggregated from the orders; :meth:`orders` lists one price level's orders in queue
    priority.
    """

    channel = "level3"

    def orders(self, side: OrderSide | str, price: Decimal) -> tuple[RestingOrder, ...]:
        """The orders resting at ``price`` on ``side`` (``BUY``: the bids), first in queue
        first; ``side`` as in :meth:`BookSnapshot.average_fill_price`."""
        book_side = _BOOK_SIDES[to_enum(OrderSide, side, "side")]
        book = self._book
        if not isinstance(book, VerifiedL3Book):
            return ()
        return book.book.orders(book_side, to_decimal(price, "price"))

    @property
    def order_count(self) -> int:
        book = self._book
        return len(book.book) if isinstance(book, VerifiedL3Book) else 0
