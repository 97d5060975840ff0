"""One Kraken v2 connection with its requests, streams and books, on a ManagedConnection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from spotstream.asyncio.connection import ManagedConnection
from spotstream.asyncio.order_book import OrderBook
from spotstream.asyncio.streams import StreamRegistry, Want
from spotstream.asyncio.subscription import DEFAULT_QUEUE_SIZE, Subscription
from spotstream.asyncio.tasks import call_user
from spotstream.book.l3 import VerifiedL3Book
from spotstream.book.verified import ApplyResult, VerifiedBook
from spotstream.errors import (
    ConnectionClosedError,
    ExchangeError,
    InvalidRequestError,
    RequestTimeoutError,
    SpotstreamError,
)
from spotstream.models.market import (
    DataEvent,
    EventKind,
    LifecycleEvent,
    LifecycleKind,
    SystemState,
)
from spotstream.models.market import SystemStatus as SystemStatusModel
from spotstream.protocol.events import (
    BookData,
    ChannelData,
    RequestDone,
    StatusChanged,
    Unhandled,
)
from spotstream.protocol.kraken.v2.public import KrakenV2Protocol, Outgoing, stream_key

log = logging.getLogger("spotstream.kraken")
B = TypeVar("B", bound=OrderBook)

Spawn = Callable[[Coroutine[Any, Any, None]], object]


@dataclass(slots=True)
class SessionStats:
    unhandled: int = 0
    resyncs_requested: int = 0
    callback_errors: int = 0  # lifecycle listeners that raised (contained)
    lifecycle: deque[LifecycleEvent] = field(default_factory=lambda: deque(maxlen=1000))


class KrakenV2Session:
    """Kraken v2 over one connection: subscriptions with acks, books, reconnection."""

    def __init__(
        self,
        make_connection: Callable[[KrakenV2Session], ManagedConnection],
        *,
        spawn: Spawn,
        clock: Callable[[], float],
        request_timeout: float,
        output_original_data: bool,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        protocol: KrakenV2Protocol | None = None,
    ) -> None:
        self.protocol = protocol if protocol is not None else KrakenV2Protocol()
        self.status: SystemStatusModel | None = None
        self.stats = SessionStats()
        self.streams = StreamRegistry()
        self._spawn = spawn
        self._clock = clock
        self._timeout = request_timeout
        self._original = output_original_data
        self._queue_size = queue_size
        self._waiters: dict[int, asyncio.Future[RequestDone]] = {}
        self._books: dict[str, list[OrderBook]] = {}
        self._status_subs: list[Subscription[SystemStatusModel]] = []
        self._lifecycle_listeners: list[Callable[[LifecycleEvent], object]] = []
        self._resyncing: set[str] = set()
        self._instruments = asyncio.Event()
        self.connection = make_connection(self)

    # --- ConnectionHandler ---------------------------------------------------------------

    def on_frame(self, frame: bytes | str) -> None:
        now = self._clock()
        for event in self.protocol.receive(frame):
            if type(event) is BookData:
                self._on_book(event)
            elif type(event) is ChannelData:
                if event.key[0] == "instrument":
                    self._instruments.set()
                self._on_data(event, now)
            elif type(event) is RequestDone:
                waiter = self._waiters.pop(event.req_id, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(event)
            elif type(event) is StatusChanged:
                self._on_status(event, now)
            elif type(event) is Unhandled:
                self._on_unhandled(event)
            else:
                self._on_other(event)

    def _on_other(self, event: object) -> None:
        """Events this connection kind does not route (heartbeats, here)."""

    async def on_open(self, reconnect: bool) -> None:
        try:
            if self._instruments.is_set():
                await self._ensure_instruments(force=True)
            await self._subscribe_wants(list(self.streams.wants.values()))
        except SpotstreamError as exc:
            log.warning("re-establishing streams failed: %s", exc)
            self._emit(LifecycleKind.RESUBSCRIBE_FAILED, str(exc))
            return
        if reconnect:
            self._emit(LifecycleKind.RESTORED)

    def on_close(self) -> None:
        for waiter in self._waiters.values():
            if not waiter.done():
                waiter.set_exception(ConnectionClosedError("connection lost"))
        self._waiters.clear()
        self._resyncing.clear()
        self.protocol.connection_lost()
        self.streams.connection_lost()
        for books in self._books.values():
            for book in books:
                book.on_interrupted()

    def keepalive_frame(self) -> bytes:
        return self.protocol.ping().frame

    def on_lifecycle(self, event: LifecycleEvent) -> None:
        self.stats.lifecycle.append(event)
        if event.kind is LifecycleKind.CONNECTION_LOST:
            self.streams.mark_gaps()
        elif event.kind is LifecycleKind.CONNECT_REJECTED and event.error is not None:
            self._fail_streams(event.error)
        for sub in self.streams.subscriptions():
            sub.notify(event)
        for listener in self._lifecycle_listeners:
            call_user(listener, event, self._spawn, self._listener_failed, "lifecycle listener")

    def _listener_failed(self) -> None:
        self.stats.callback_errors += 1

    def _fail_streams(self, error: BaseException) -> None:
        """The server refused the handshake for good: end every iterator with ``error``
        (the streams stay wanted: a later call that reconnects restores them)."""
        for sub in self.streams.subscriptions():
            sub.fail(error)
        if isinstance(error, SpotstreamError):
            for books in self._books.values():
                for book in books:
                    book.fail(error)

    def add_lifecycle_listener(self, listener: Callable[[LifecycleEvent], object]) -> None:
        self._lifecycle_listeners.append(listener)

    # --- requests ------------------------------------------------------------------------

    async def request(self, out: Outgoing, timeout: float | None = None) -> RequestDone:
        """Send ``out`` and wait for every answer to it."""
        waiter: asyncio.Future[RequestDone] = asyncio.get_running_loop().create_future()
        self._waiters[out.req_id] = waiter
        try:
            await self.connection.send(out.frame)
            async with asyncio.timeout(timeout or self._timeout):
                return await waiter
        except TimeoutError:
            raise RequestTimeoutError(f"no answer to req_id {out.req_id}") from None
        finally:
            self._waiters.pop(out.req_id, None)

    async def ping(self) -> float:
        """Round trip of an application-level ping, in seconds."""
        await self._wait_connected()
        start = self._clock()
        await self.request(self.protocol.ping())
        return self._clock() - start

    # --- streams -------------------------------------------------------------------------

    async def open(self, sub: Subscription[Any], options: dict[str, Any]) -> None:
        """Subscribe ``sub`` (channel, symbols, options); returns once every symbol is acked."""
        await self._wait_connected()
        if sub.channel == "book":
            await self._ensure_instruments()
        wants, new = self.streams.add(sub, options)
        try:
            if new:
                self._spawn(self._subscribe_wants(new))
            async with asyncio.timeout(self._timeout):
                await asyncio.gather(*(w.ready for w in wants))
        except BaseException as exc:
            with contextlib.suppress(SpotstreamError):
                await self._close_subscription(sub)
            if isinstance(exc, TimeoutError):
                raise RequestTimeoutError(f"{sub.channel} {sub.symbols}: no ack") from None
            raise

    async def open_book(self, symbol: str, depth: int) -> OrderBook:
        book = OrderBook(
            symbol, depth, self._close_book, self._spawn, self._clock, self._queue_size
        )
        return await self._open_local_book(book, lambda: self.protocol.books[symbol])

    async def _open_local_book(
        self, book: B, verified: Callable[[], VerifiedBook | VerifiedL3Book]
    ) -> B:
        """Subscribe ``book``'s channel (one depth per symbol) and attach its local book."""
        symbol, depth = book.symbol, book.depth
        existing = self._books.get(symbol)
        if existing and existing[0].depth != depth:
            raise InvalidRequestError(
                f"{symbol}: {book.channel} already subscribed at depth {existing[0].depth} "
                "on this connection"
            )
        self._books.setdefault(symbol, []).append(book)
        sub: Subscription[Any] = Subscription(
            book.channel, [symbol], self._close_subscription, self._spawn
        )
        book.stream = sub
        try:
            await self.open(sub, {"depth": depth})
        except BaseException:
            self._books[symbol].remove(book)
            raise
        book.attach(verified())
        return book

    async def _close_book(self, book: OrderBook) -> None:
        books = self._books.get(book.symbol, [])
        if book in books:
            books.remove(book)
        if not books:
            self._books.pop(book.symbol, None)
        if book.stream is not None:
            await book.stream.close()

    async def _close_subscription(self, sub: Subscription[Any]) -> None:
        """Unsubscribe the streams only ``sub`` needed; waits for the acks and raises the
        exchange's rejection, if any, after everything local is cleaned up."""
        sub.closed = True
        if sub in self._status_subs:
            self._status_subs.remove(sub)
        errors: list[ExchangeError] = []
        for want in self.streams.remove(sub):
            if want.channel in ("book", "level3"):
                self.protocol.drop_book(want.symbol)
            if not self.connection.connected or not want.confirmed:
                continue
            try:
                if want.channel == "ohlc":
                    out = self.protocol.unsubscribe_ohlc([want.symbol], want.options["interval"])
                else:
                    out = self.protocol.unsubscribe(want.channel, [want.symbol])
                errors.extend((await self.request(out)).errors)
            except (ConnectionClosedError, RequestTimeoutError, InvalidRequestError) as exc:
                log.debug("unsubscribe of %s %s: %s", want.channel, want.symbol, exc)
        if errors:
            raise errors[0]

    def status_subscription(self, sub: Subscription[SystemStatusModel]) -> None:
        self._status_subs.append(sub)

    async def _subscribe_wants(self, wants: Iterable[Want]) -> None:
        """Send one subscribe per (channel, options) group and settle each want's future."""
        groups: dict[tuple[str, tuple[tuple[str, Any], ...]], list[Want]] = {}
        connection = self.connection.connects
        for want in wants:
            if want.sent_on == connection:
                continue  # already requested on this connection (never subscribe twice)
            want.sent_on = connection
            groups.setdefault((want.channel, tuple(sorted(want.options.items()))), []).append(want)
        for (channel, options), group in groups.items():
            try:
                out = self.protocol.subscribe(channel, [w.symbol for w in group], **dict(options))
                done = await self.request(out)
            except ConnectionClosedError:
                return  # on_open after the reconnect will send these again
            except SpotstreamError as exc:
                self.streams.settle(group, [], [exc])
                continue
            self.streams.settle(group, done.results, done.errors)

    async def _ensure_instruments(self, force: bool = False) -> None:
        """Keep the instrument channel subscribed (books need each pair's precisions)."""
        if self._instruments.is_set() and not force:
            return
        if stream_key("instrument", "") in self.protocol.streams:
            return
        done = await self.request(self.protocol.subscribe("instrument"))
        if done.errors:
            raise done.errors[0]
        try:
            async with asyncio.timeout(self._timeout):
                await self._instruments.wait()
        except TimeoutError:
            raise RequestTimeoutError("no instrument snapshot") from None

    async def _wait_connected(self) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                await self.connection.wait_connected()
        except TimeoutError:
            raise ConnectionClosedError(f"could not connect to {self.connection.url}") from None

    # --- routing -------------------------------------------------------------------------

    def _on_data(self, event: ChannelData[Any], now: float) -> None:
        subs = self.streams.routes.get(event.key)
        if not subs:
            return
        channel, symbol, _ = event.key
        original = _as_bytes(event.frame) if self._original else None
        for item in event.items:
            data = DataEvent(item, symbol or None, channel, event.kind, now, original=original)
            for sub in subs:
                sub.push(data)

    def _on_book(self, event: BookData) -> None:
        for book in self._books.get(event.book.symbol, ()):
            book.on_book(event)
        if event.result in (ApplyResult.MISMATCH, ApplyResult.INVALID):
            symbol = event.book.symbol
            if symbol not in self._resyncing:
                self._resyncing.add(symbol)
                self._spawn(self._resync(symbol))

    async def _resync(self, symbol: str) -> None:
        """Fetch a fresh snapshot of one book. The exchange refusing the subscribe ends that
        book (its iterators raise the refusal); anything else recovers by reconnecting."""
        if symbol not in self._books:
            return  # closed meanwhile
        self.stats.resyncs_requested += 1
        self._emit(LifecycleKind.BOOK_RESYNC, symbol)
        try:
            for out in self.protocol.resync_book(symbol):
                done = await self.request(out)
                if done.errors and done.method == "subscribe":
                    raise done.errors[0]
        except ExchangeError as exc:
            log.warning("%s: the exchange refused the book's resubscription: %s", symbol, exc)
            await self._end_books(symbol, exc)
        except ConnectionClosedError:
            pass  # the reconnect re-snapshots every book
        except SpotstreamError as exc:  # no answer, or the book cannot be asked for again
            if symbol in self._books:
                log.warning("%s: book resync failed (%s); reconnecting to recover", symbol, exc)
                self.connection.drop()
        finally:
            self._resyncing.discard(symbol)

    async def _end_books(self, symbol: str, error: ExchangeError) -> None:
        for book in list(self._books.get(symbol, ())):
            book.end(error)
            if book.stream is not None:
                book.stream.fail(error)
            with contextlib.suppress(SpotstreamError):  # the stream is gone already
                await self._close_book(book)

    def _on_status(self, event: StatusChanged, now: float) -> None:
        self.status = event.status
        self.connection.maintenance = event.status.system is SystemState.MAINTENANCE
        original = _as_bytes(event.frame) if self._original else None
        data = DataEvent(event.status, None, "status", EventKind.UPDATE, now, original=original)
        for sub in self._status_subs:
            sub.push(data)

    def _on_unhandled(self, event: Unhandled) -> None:
        self.stats.unhandled += 1
        if self.protocol.unhandled[event.kind] == 1:
            log.warning("unhandled %s frame (%s): %.200r", event.kind, event.reason, event.frame)

    def _emit(self, kind: LifecycleKind, detail: str = "") -> None:
        self.on_lifecycle(LifecycleEvent(kind, self._clock(), detail))


def _as_bytes(frame: bytes | str) -> bytes:
    return frame.encode() if isinstance(frame, str) else frame
