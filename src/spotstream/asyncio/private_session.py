"""One authenticated Kraken v2 connection: private feeds, trading, or level 3.

Built on :class:`KrakenV2Session` (requests by ``req_id``, acked subscriptions,
reconnection). What it adds:

- a fresh session token, fetched before anything is (re)subscribed on every connect;
- ``executions`` and ``balances`` kept as account state (open orders, balances); a
  sequence gap marks the feed stale and resubscribes it with a snapshot, and a reconnect
  does the same; either way subscribers then receive a :class:`Reconciliation` saying what
  changed while the feed was interrupted;
- trading requests that are never retried: a timeout, or a connection lost after sending,
  raises :class:`OutcomeUnknownError`;
- level3 books, verified on every message, resynced per symbol on a mismatch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from spotstream.asyncio.order_book import L3OrderBook
from spotstream.asyncio.session import KrakenV2Session
from spotstream.asyncio.subscription import Subscription
from spotstream.errors import (
    AuthenticationError,
    ConnectionClosedError,
    ExchangeError,
    InvalidRequestError,
    OutcomeUnknownError,
    RequestTimeoutError,
    SpotstreamError,
)
from spotstream.models.market import DataEvent, EventKind, LifecycleKind
from spotstream.models.orders import (
    Balance,
    Fill,
    LedgerEntry,
    OrderUpdate,
    ReconcileReason,
    Reconciliation,
)
from spotstream.protocol.account import (
    BalanceTracker,
    OrderTracker,
    reconcile_balances,
    reconcile_orders,
)
from spotstream.protocol.events import (
    ChannelData,
    RequestDone,
    SequenceGap,
)
from spotstream.protocol.kraken.v2.private import KrakenV2PrivateProtocol
from spotstream.protocol.kraken.v2.public import Outgoing

log = logging.getLogger("spotstream.kraken")

TokenSource = Callable[[], Awaitable[str]]
Select = Callable[[object, EventKind], object | None]

# What the session always asks for, so that it can reconcile after any interruption; what
# each subscriber asked for decides what it is given (see ``select_*``).
SNAPSHOT_OPTIONS: dict[str, dict[str, bool]] = {
    "executions": {"snap_orders": True, "snap_trades": True},
    "balances": {"snapshot": True},
}


def select_executions(orders: bool, trades: bool) -> Select:
    """What an executions subscriber gets: updates always; snapshot parts if it asked."""

    def select(item: object, kind: EventKind) -> object | None:
        if kind is EventKind.UPDATE or isinstance(item, Reconciliation):
            return item
        is_trade = isinstance(item, OrderUpdate) and item.exec_type == "trade"
        return item if (trades if is_trade else orders) else None

    return select


def select_fills(item: object, kind: EventKind) -> object | None:
    """Kraken.Net's user trade updates: the fills of live updates."""
    if kind is EventKind.UPDATE and isinstance(item, OrderUpdate) and item.fill is not None:
        return item.fill
    return None


def select_snapshot(wanted: bool) -> Select:
    def select(item: object, kind: EventKind) -> object | None:
        return item if wanted or kind is not EventKind.SNAPSHOT else None

    return select


class KrakenV2PrivateSession(KrakenV2Session):
    """An authenticated connection (private endpoint, or the level-3 endpoint)."""

    protocol: KrakenV2PrivateProtocol

    def __init__(
        self,
        make_connection: Any,
        *,
        token: TokenSource,
        protocol: KrakenV2PrivateProtocol,
        ensure_instruments: Callable[[], Awaitable[None]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(make_connection, protocol=protocol, **kwargs)
        self._token_source = token
        self._instruments_from = ensure_instruments
        self.orders = OrderTracker()
        self.balances = BalanceTracker()
        self.selectors: dict[int, Select] = {}  # id(subscription) -> what it is given
        self.auth_error: AuthenticationError | None = None
        self._resnapshotting: set[str] = set()
        self._ready = asyncio.Event()  # connected, with a token

    # --- connection ----------------------------------------------------------------------

    async def on_open(self, reconnect: bool) -> None:
        try:
            self.protocol.token = await self._token_source()
        except AuthenticationError as exc:
            # Bad keys do not heal by retrying: fail every subscriber with the exchange's text.
            self.auth_error = exc
            self._ready.set()  # wake waiters: they raise the error
            self._emit(LifecycleKind.RESUBSCRIBE_FAILED, str(exc))
            for sub in self.streams.subscriptions():
                sub.fail(exc)
            return
        except (SpotstreamError, OSError) as exc:
            log.warning("could not get a websocket token: %s; reconnecting", exc)
            self.connection.drop()
            return
        self.auth_error = None
        self._ready.set()
        await super().on_open(reconnect)

    def on_close(self) -> None:
        if self.streams.wants.get(("executions", "", None)):
            self.orders.interrupt(ReconcileReason.RECONNECT)
        if self.streams.wants.get(("balances", "", None)):
            self.balances.interrupt(ReconcileReason.RECONNECT)
        self._resnapshotting.clear()
        self._ready.clear()
        self.protocol.token = None
        super().on_close()

    async def _ensure_instruments(self, force: bool = False) -> None:
        if self._instruments_from is not None:
            await self._instruments_from()

    async def wait_ready(self) -> None:
        """Wait until connected with a token (raises the token error for bad keys, and a
        final refusal of the handshake at once)."""
        try:
            async with asyncio.timeout(self._timeout):
                await self.connection.wait_connected()
                await self._ready.wait()
        except TimeoutError:
            raise ConnectionClosedError(
                f"could not connect to {self.connection.url} with a token"
            ) from None
        if self.auth_error is not None:
            raise self.auth_error

    async def open(self, sub: Subscription[Any], options: dict[str, Any]) -> None:
        await self.wait_ready()
        if sub.channel == "level3":
            await self._ensure_instruments()
        await super().open(sub, options)

    # --- frames --------------------------------------------------------------------------

    def _on_other(self, event: object) -> None:
        if type(event) is SequenceGap:
            self._on_gap(event)

    def _on_data(self, event: ChannelData[Any], now: float) -> None:
        """executions/balances: account state and reconciliation, then the subscribers."""
        channel = event.key[0]
        items: list[object] = list(event.items)
        reconciliation: Reconciliation | None = None
        if channel == "executions":
            reconciliation = self._track_orders(event.kind, items)
        elif channel == "balances":
            reconciliation = self._track_balances(event.kind, items)
        subs = self.streams.routes.get(event.key)
        if not subs:
            return
        original: bytes | None = None
        if self._original:
            frame = event.frame
            original = frame.encode() if isinstance(frame, str) else frame
        if reconciliation is not None:
            items.append(reconciliation)
        for item in items:
            symbol = getattr(item, "symbol", None)
            for sub in subs:
                select = self.selectors.get(id(sub))
                out = select(item, event.kind) if select is not None else item
                if out is not None:
                    sub.push(DataEvent(out, symbol, channel, event.kind, now, original=original))

    def _track_orders(self, kind: EventKind, items: list[object]) -> Reconciliation | None:
        updates = [i for i in items if isinstance(i, OrderUpdate)]
        if kind is EventKind.SNAPSHOT:
            fills: list[Fill] = self.orders.replace(updates)
            return reconcile_orders(self.orders, fills)
        for update in updates:
            self.orders.apply(update)
        return None

    def _track_balances(self, kind: EventKind, items: list[object]) -> Reconciliation | None:
        if kind is EventKind.SNAPSHOT:
            self.balances.replace(i for i in items if isinstance(i, Balance))
            return reconcile_balances(self.balances)
        for item in items:
            if isinstance(item, LedgerEntry):
                self.balances.apply(item)
        return None

    def _on_gap(self, event: SequenceGap) -> None:
        log.warning(
            "%s: sequence %d expected, %d received; resubscribing with a snapshot",
            event.channel,
            event.expected,
            event.received,
        )
        reason = ReconcileReason.SEQUENCE_GAP
        (self.orders if event.channel == "executions" else self.balances).interrupt(reason)
        for sub in self.streams.routes.get((event.channel, "", None), ()):
            sub.mark_gap()
        if event.channel not in self._resnapshotting:
            self._resnapshotting.add(event.channel)
            self._spawn(self._resnapshot(event.channel))

    async def _resnapshot(self, channel: str) -> None:
        want = self.streams.wants.get((channel, "", None))
        try:
            if want is None:
                return
            done = await self.request(self.protocol.unsubscribe(channel))
            done = await self.request(self.protocol.subscribe(channel, **want.options))
            if done.errors:
                raise done.errors[0]
        except (ExchangeError, RequestTimeoutError, InvalidRequestError) as exc:
            log.warning("%s: resubscribe failed (%s); reconnecting to recover", channel, exc)
            self.connection.drop()
        except ConnectionClosedError:
            pass  # the reconnect resubscribes (with a snapshot) and reconciles
        finally:
            self._resnapshotting.discard(channel)

    # --- level 3 -------------------------------------------------------------------------

    async def open_l3_book(self, symbol: str, depth: int) -> L3OrderBook:
        await self.wait_ready()
        await self._ensure_instruments()
        book = L3OrderBook(
            symbol, depth, self._close_book, self._spawn, self._clock, self._queue_size
        )
        return await self._open_local_book(book, lambda: self.protocol.l3_books[symbol])

    # --- trading -------------------------------------------------------------------------

    async def trade(
        self, build: Callable[[str], Outgoing], timeout: float | None = None
    ) -> RequestDone:
        """Send one trading request (built with the current token) and gather its answers.

        Never retried. Raises :class:`ConnectionClosedError` if it could not be sent,
        :class:`OutcomeUnknownError` if it was sent and no answer came (timeout, or the
        connection was lost): the order may or may not exist; the executions feed tells.
        A token the exchange no longer accepts is renewed by reconnecting (the error is
        still raised: the request was not carried out).
        """
        await self.wait_ready()
        out = build(self.protocol.require_token())
        waiter: asyncio.Future[RequestDone] = asyncio.get_running_loop().create_future()
        self._waiters[out.req_id] = waiter
        deadline = timeout or self._timeout
        try:
            await self.connection.send(out.frame)
            try:
                async with asyncio.timeout(deadline):
                    done = await waiter
            except TimeoutError:
                raise OutcomeUnknownError(
                    f"req_id {out.req_id}: no answer within {deadline}s; it may have taken "
                    "effect (check executions)"
                ) from None
            except ConnectionClosedError:
                raise OutcomeUnknownError(
                    f"req_id {out.req_id}: connection lost before the answer; it may have "
                    "taken effect (check executions)"
                ) from None
        finally:
            self._waiters.pop(out.req_id, None)
        if any(isinstance(e, AuthenticationError) for e in done.errors):
            log.warning("the session token was refused; reconnecting for a fresh one")
            self.connection.drop()
        return done

    def select(self, sub: Subscription[Any], selector: Select) -> None:
        self.selectors[id(sub)] = selector

    async def _close_subscription(self, sub: Subscription[Any]) -> None:
        self.selectors.pop(id(sub), None)
        await super()._close_subscription(sub)
