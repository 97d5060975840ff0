"""One connection with its requests, streams and books, on a ManagedConnection; any venue.

The session is generic: requests by ``req_id`` with their waiters, acknowledged subscribes
(grouped by channel and options), routing by stream key, shared streams, local books and
their per-symbol resync, lifecycle. It speaks to the venue only through its sans-I/O
protocol (:class:`~spotstream.protocol.base.SessionProtocol`) and a small hooks object
(:class:`SessionHooks`) for what a venue needs beyond that: reference data a channel depends
on, or what to do first on every (re)connect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from spotstream.asyncio.connection import ManagedConnection
from spotstream.asyncio.order_book import OrderBook
from spotstream.asyncio.pacing import Pacer, RequestRate
from spotstream.asyncio.recovery import BookRecoveries, BookRecoveryPolicy
from spotstream.asyncio.stats import ConnectionStats
from spotstream.asyncio.streams import StreamRegistry, Want
from spotstream.asyncio.subscription import CLOSE_WAIT, DEFAULT_QUEUE_SIZE, Subscription
from spotstream.asyncio.tasks import Sleep, Spawn, call_user
from spotstream.book.l3 import VerifiedL3Book
from spotstream.book.verified import ApplyResult, VerifiedBook
from spotstream.errors import (
    BookFailedError,
    ConnectionClosedError,
    InvalidRequestError,
    RequestTimeoutError,
    SpotstreamError,
    UnexpectedAnswerError,
)
from spotstream.models.enums import BookStatus, EventKind, LifecycleKind, SystemState
from spotstream.models.market import DataEvent, LifecycleEvent
from spotstream.models.market import SystemStatus as SystemStatusModel
from spotstream.protocol.base import Outgoing, SessionProtocol
from spotstream.protocol.events import (
    BookData,
    ChannelData,
    RequestDone,
    StatusChanged,
    StreamEnded,
    Unhandled,
)

log = logging.getLogger("spotstream.session")
_MISMATCH, _INVALID = ApplyResult.MISMATCH, ApplyResult.INVALID
_VERIFIED, _UNVERIFIED = ApplyResult.VERIFIED, ApplyResult.UNVERIFIED
B = TypeVar("B", bound=OrderBook)
P = TypeVar("P", bound=SessionProtocol)


@dataclass(slots=True)
class SessionStats:
    unhandled: int = 0
    resyncs_requested: int = 0
    orphans_released: int = 0  # streams a late subscribe ack left, unsubscribed
    checksum_mismatches: int = 0  # book messages whose checksum differed
    sequence_gaps: int = 0  # account-feed messages that skipped numbers
    closed_dropped: int = 0  # queue drops of subscriptions since closed
    callback_errors: int = 0  # lifecycle listeners that raised (contained)
    lifecycle: deque[LifecycleEvent] = field(default_factory=lambda: deque(maxlen=1000))


class SessionHooks:
    """What a venue adds to a session; the defaults add nothing.

    ``book_channels``: the channels whose streams feed local books (dropped with the stream).
    """

    book_channels: frozenset[str] = frozenset()

    async def on_open(self, session: Session[Any], reconnect: bool) -> None:
        """Runs first on every (re)connect, before the wanted streams are subscribed again."""

    async def before_subscribe(self, session: Session[Any], channel: str) -> None:
        """Runs before a subscribe to ``channel`` (e.g. to load reference data it needs)."""

    def on_data(self, session: Session[Any], event: ChannelData[Any]) -> None:
        """Sees every channel data event before it is routed to subscribers."""


class Session(Generic[P]):
    """One connection: subscriptions with acks, books, reconnection; ``protocol`` is the
    venue's sans-I/O state of it and ``hooks`` the venue's additions."""

    def __init__(
        self,
        make_connection: Callable[[Session[P]], ManagedConnection],
        *,
        protocol: P,
        hooks: SessionHooks | None = None,
        spawn: Spawn,
        clock: Callable[[], float],
        request_timeout: float,
        output_original_data: bool,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        sleep: Sleep = asyncio.sleep,
        book_recovery: BookRecoveryPolicy | None = None,
        request_rate: RequestRate | None = None,
    ) -> None:
        self.protocol = protocol
        self.hooks = hooks if hooks is not None else SessionHooks()
        self.status: SystemStatusModel | None = None
        self.stats = SessionStats()
        self.streams = StreamRegistry(protocol.stream_key)
        self._spawn = spawn
        self._clock = clock
        self.request_timeout = request_timeout
        self._original = output_original_data
        self._queue_size = queue_size
        self._waiters: dict[int, asyncio.Future[RequestDone]] = {}
        # req_id of a subscribe given up on (no answer in time) -> (channel, options)
        self._abandoned: dict[int, tuple[str, dict[str, Any]]] = {}
        self._books: dict[str, list[OrderBook]] = {}
        self._status_subs: list[Subscription[SystemStatusModel]] = []
        self._lifecycle_listeners: list[Callable[[LifecycleEvent], object]] = []
        self.pacer = Pacer(request_rate or RequestRate(), clock, sleep)
        self._queued: list[Want] = []  # wants waiting to go out in the next subscribe batch
        self._flushing = False
        self.recoveries = BookRecoveries(
            book_recovery or BookRecoveryPolicy(),
            resubscribe=self._resubscribe_book,
            end=self._end_books,
            started=self._resync_started,
            spawn=spawn,
            sleep=sleep,
            snapshot_timeout=lambda: self.request_timeout,
        )
        self.connection = make_connection(self)

    # --- ConnectionHandler ---------------------------------------------------------------

    def on_frame(self, frame: bytes | str) -> None:
        now = self._clock()
        for event in self.protocol.receive(frame):
            if type(event) is BookData:
                self._on_book(event)
            elif type(event) is ChannelData:
                self.hooks.on_data(self, event)
                self._on_data(event, now)
            elif type(event) is RequestDone:
                waiter = self._waiters.pop(event.req_id, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(event)
                elif event.req_id in self._abandoned:
                    self._spawn(self._release(event))
            elif type(event) is StatusChanged:
                self._on_status(event, now)
            elif type(event) is Unhandled:
                self._on_unhandled(event)
            else:
                self._on_other(event)

    def _on_other(self, event: object) -> None:
        """Events without a route of their own: a stream the venue ended is subscribed
        again (its subscribers see a gap); heartbeats need nothing."""
        if type(event) is StreamEnded:
            self._restore(event)

    def _restore(self, event: StreamEnded) -> None:
        want = self.streams.wants.get(event.key)
        if want is None:
            return
        log.warning("%s %s was ended by the venue (%s); subscribing again",
                    want.channel, want.symbol, event.reason)  # fmt: skip
        want.confirmed = False
        want.sent_on = 0
        for sub in want.subs:
            sub.mark_gap()
        self._spawn(self._subscribe_wants([want]))

    async def on_open(self, reconnect: bool) -> None:
        self.pacer.reset()
        try:
            await self.hooks.on_open(self, reconnect)
            await self._subscribe_wants(list(self.streams.wants.values()))
        except SpotstreamError as exc:
            log.warning("re-establishing streams failed: %s", exc)
            self._emit(LifecycleKind.RESUBSCRIBE_FAILED, str(exc))
            return
        if reconnect and self.connection.connected:  # only once the streams are back
            self._emit(LifecycleKind.RESTORED)

    def on_close(self) -> None:
        code, reason = self.connection.last_close
        lost = "connection lost" if code is None else f"connection closed ({code} {reason})"
        for waiter in self._waiters.values():
            if not waiter.done():
                waiter.set_exception(
                    ConnectionClosedError(lost, close_code=code, close_reason=reason)
                )
        self._waiters.clear()
        self.recoveries.connection_lost()
        self._abandoned.clear()  # a new connection answers none of them
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
            await self.pacer.take()
            await self.connection.send(out.frame)
            async with asyncio.timeout(timeout or self.request_timeout):
                return await waiter
        except TimeoutError:
            raise RequestTimeoutError(f"no answer to req_id {out.req_id}") from None
        finally:
            self._waiters.pop(out.req_id, None)

    async def ask(self, out: Outgoing) -> Any:
        """A query's result: send ``out`` (once connected), wait for its answer, and return
        its first result; raises the venue's refusal, or :class:`UnexpectedAnswerError`
        when the answer holds no result."""
        await self.wait_connected()
        done = await self.request(out)
        if done.errors:
            raise done.errors[0]
        if not done.results:
            raise UnexpectedAnswerError(f"{done.method} was answered without a result")
        return done.results[0]

    async def ping(self) -> float:
        """Round trip of an application-level ping, in seconds."""
        await self.wait_connected()
        start = self._clock()
        await self.request(self.protocol.ping())
        return self._clock() - start

    # --- streams -------------------------------------------------------------------------

    async def open(self, sub: Subscription[Any], options: dict[str, Any]) -> None:
        """Subscribe ``sub`` (channel, symbols, options); returns once every symbol is acked."""
        await self.wait_connected()
        await self.hooks.before_subscribe(self, sub.channel)
        sub.clock = self._clock
        wants, new = self.streams.add(sub, options)
        try:
            if new:
                self._queue_wants(new)
            async with asyncio.timeout(self.request_timeout):
                await asyncio.gather(*(w.ready for w in wants))
        except BaseException as exc:
            with contextlib.suppress(SpotstreamError):
                await self._close_subscription(sub)
            if isinstance(exc, TimeoutError):
                raise RequestTimeoutError(f"{sub.channel} {sub.symbols}: no ack") from None
            raise

    async def open_book(
        self,
        new_book: type[B],
        symbol: str,
        depth: int,
        verified: Callable[[], VerifiedBook | VerifiedL3Book],
        options: Mapping[str, Any] | None = None,
        synced_within: float | None = None,
    ) -> B:
        """A local book of ``new_book``'s kind: subscribe its channel (one depth per symbol
        and connection; ``options`` are the venue's further subscribe options) and attach the
        protocol's verified book (``verified()``, once acked); then, given
        ``synced_within``, wait that long for it to be synced. A book that fails (no ack, a
        refusal, no sync in time) is closed and its subscription released before the error
        is raised: a retry starts clean, at any depth."""
        book = new_book(symbol, depth, self._close_book, self._spawn, self._clock, self._queue_size)
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
            await self.open(sub, {**(options or {}), "depth": depth})
        except BaseException:
            self._books[symbol].remove(book)
            raise
        book.attach(verified())
        if synced_within is not None:
            try:
                await book.wait_synced(synced_within)
            except BaseException:
                with contextlib.suppress(SpotstreamError):
                    await book.close()
                raise
        return book

    async def _close_book(self, book: OrderBook) -> None:
        books = self._books.get(book.symbol, [])
        if book in books:
            books.remove(book)
        if not books:
            self._books.pop(book.symbol, None)
            self.recoveries.discard(book.symbol)
        if book.stream is not None:
            await book.stream.close()

    async def _close_subscription(self, sub: Subscription[Any]) -> None:
        """Unsubscribe the streams only ``sub`` needed. Waits for the acks at most
        :data:`CLOSE_WAIT` seconds (what is still unanswered then finishes in the
        background) and raises the exchange's rejection, if any, after everything local is
        cleaned up."""
        sub.closed = True
        self.stats.closed_dropped += sub.dropped
        if sub in self._status_subs:
            self._status_subs.remove(sub)
        gone: list[Want] = []
        for want in self.streams.remove(sub):
            if want.channel in self.hooks.book_channels:
                self.protocol.drop_book(want.symbol)
            if self.connection.connected and want.confirmed:
                gone.append(want)
        if not gone:
            return
        errors: list[SpotstreamError] = []
        finished = asyncio.Event()
        self._spawn(self._unsubscribe(gone, errors, finished))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_WAIT):
                await finished.wait()
        if errors:
            raise errors[0]

    async def _unsubscribe(
        self, wants: list[Want], errors: list[SpotstreamError], finished: asyncio.Event
    ) -> None:
        try:
            for want in wants:
                try:
                    out = self.protocol.unsubscribe_stream(
                        want.channel, [want.symbol], want.options
                    )
                    errors.extend((await self.request(out)).errors)
                except (ConnectionClosedError, RequestTimeoutError, InvalidRequestError) as exc:
                    log.debug("unsubscribe of %s %s: %s", want.channel, want.symbol, exc)
        finally:
            finished.set()

    def snapshot_stats(self, name: str) -> ConnectionStats:
        """This session's counters as they are now (:class:`ConnectionStats`)."""
        connection, stats = self.connection, self.stats
        books = (sub for books in self._books.values() for b in books for sub in b.listeners())
        subs = tuple(sub.stats() for sub in (*self.streams.subscriptions(), *books))
        return ConnectionStats(
            name=name,
            url=connection.url,
            connected=connection.connected,
            frames=connection.frames,
            bytes=connection.bytes,
            connects=connection.connects,
            reconnects=dict(connection.closes),
            resyncs=stats.resyncs_requested,
            checksum_mismatches=stats.checksum_mismatches,
            sequence_gaps=stats.sequence_gaps,
            unhandled=stats.unhandled,
            orphans_released=stats.orphans_released,
            queue_dropped=stats.closed_dropped + sum(s.queue_dropped for s in subs),
            subscriptions=subs,
        )

    def status_subscription(self, sub: Subscription[SystemStatusModel]) -> None:
        self._status_subs.append(sub)

    def _queue_wants(self, wants: list[Want]) -> None:
        """New streams go out together: every want queued until the pacer has a token (and
        this loop turn is over) joins one subscribe per (channel, options), so hundreds of
        subscribe calls at once cost a handful of requests, not hundreds."""
        self._queued.extend(wants)
        if not self._flushing:
            self._flushing = True
            self._spawn(self._flush_wants())

    async def _flush_wants(self) -> None:
        try:
            await self.pacer.ready()
            await asyncio.sleep(0)  # the calls of this same turn join the batch
        finally:
            self._flushing = False
            wants, self._queued = self._queued, []
        await self._subscribe_wants(wants)

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
                symbols = [w.symbol for w in group]
                out = self.protocol.subscribe_stream(channel, symbols, dict(options))
                done = await self.request(out)
            except ConnectionClosedError:
                return  # on_open after the reconnect will send these again
            except RequestTimeoutError as exc:
                if any(w.established for w in group):  # restoring: try again on a new link
                    log.warning("restoring %s %s timed out; reconnecting", channel, symbols)
                    self.connection.drop()
                    return
                self._abandoned[out.req_id] = (channel, dict(options))
                self.streams.settle(group, [], [exc])
                continue
            except SpotstreamError as exc:
                self.streams.settle(group, [], [exc])
                continue
            self.streams.settle(group, done.results, done.errors)
            await self._release_unwanted(channel, dict(options), done.results)

    async def _release(self, late: RequestDone) -> None:
        """A subscribe answered after it was given up on."""
        channel, options = self._abandoned.pop(late.req_id)
        await self._release_unwanted(channel, options, late.results)

    async def _release_unwanted(
        self, channel: str, options: dict[str, Any], results: Sequence[object]
    ) -> None:
        """What a subscribe's answer acknowledged that nobody wants any more (its subscriber
        gave up waiting) is unsubscribed: no orphan stream is left on the exchange."""
        acked = [getattr(r, "symbol", None) or "" for r in results]
        wanted = self.streams.wants
        orphans = [s for s in acked if self.protocol.stream_key(channel, s, options) not in wanted]
        if not orphans or not self.connection.connected:
            return
        self.stats.orphans_released += len(orphans)
        if channel in self.hooks.book_channels:
            for symbol in orphans:
                self.protocol.drop_book(symbol)
        try:
            out = self.protocol.unsubscribe_stream(channel, orphans, options)
            await self.request(out)
        except (ConnectionClosedError, RequestTimeoutError, InvalidRequestError) as exc:
            log.debug("releasing %s %s: %s", channel, orphans, exc)

    async def wait_connected(self) -> None:
        """Wait (up to the request timeout) until the connection is open."""
        try:
            async with asyncio.timeout(self.request_timeout):
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
        symbol = event.book.symbol
        for book in self._books.get(symbol, ()):
            book.on_book(event)
        result = event.result
        if result is _MISMATCH or result is _INVALID:
            if result is _MISMATCH:
                self.stats.checksum_mismatches += 1
            if symbol in self._books:
                self.recoveries.lost_trust(symbol)
        elif self.recoveries:  # some book is on its way back: this message may decide it
            clean = result is _VERIFIED or result is _UNVERIFIED
            self.recoveries.applied(symbol, clean, event.kind is EventKind.SNAPSHOT)

    def _resync_started(self, symbol: str) -> None:
        self.stats.resyncs_requested += 1
        self._emit(LifecycleKind.BOOK_RESYNC, symbol)

    async def _resubscribe_book(self, symbol: str) -> None:
        """Ask the venue for a fresh snapshot of one book (its resubscribe); raises the
        venue's refusal of the subscribe."""
        for out in self.protocol.resync_book(symbol):
            done = await self.request(out)
            if done.errors and done.method == "subscribe":
                raise done.errors[0]

    async def _end_books(self, symbol: str, error: SpotstreamError) -> None:
        """The books of ``symbol`` are over: refused by the venue (``CLOSED``) or given up
        on (:class:`BookFailedError`: ``FAILED``). Their iterators and waiters raise
        ``error`` and their subscription is released."""
        status = BookStatus.FAILED if isinstance(error, BookFailedError) else BookStatus.CLOSED
        if isinstance(error, BookFailedError):
            log.warning("%s", error)
        else:
            log.warning("%s: the exchange refused the book's resubscription: %s", symbol, error)
        for book in list(self._books.get(symbol, ())):
            book.end(error, status)
            if book.stream is not None:
                book.stream.fail(error)
            with contextlib.suppress(SpotstreamError):  # the stream is gone already
                await self._close_book(book)

    def set_status(self, status: SystemStatusModel, frame: bytes | str = b"") -> None:
        """A status the venue's hooks derived (e.g. from maintenance notices): it reaches
        the status subscribers as if the venue had sent it."""
        self._on_status(StatusChanged(status, frame), self._clock())

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
