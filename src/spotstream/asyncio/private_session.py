"""One authenticated connection: account feeds, trading, or authenticated books; any venue.

Built on :class:`~spotstream.asyncio.session.Session` (requests by ``req_id``, acked
subscriptions, reconnection). What it adds, through the venue's :class:`AccountHooks`:

- authentication first on every connect (the hooks' ``authenticate``: a token fetched, a
  request signed), before anything is (re)subscribed; refused credentials fail every
  subscriber with the venue's error and are not retried;
- the order and balance feeds kept as account state (open orders, balances); a sequence
  gap marks the feed stale and resubscribes it with a snapshot, and a reconnect does the
  same; either way subscribers then receive a :class:`Reconciliation` saying what changed
  while the feed was interrupted. A venue whose feeds carry no snapshot supplies them
  through its hooks' ``snapshots`` (e.g. from REST): fetched once the feed is subscribed
  (first subscribe, every reconnect, every gap), and fed in as the feed's own snapshot.
  Updates arriving while one is fetched reach subscribers at once but are applied to the
  account state after it: nothing orders them against it, and an update the snapshot
  already holds, applied again, costs less than a newer one lost under an older snapshot
  (an order closed meanwhile would stay open for good);
- trading requests that are never retried: a timeout, or a connection lost after sending,
  raises :class:`OutcomeUnknownError`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from spotstream.asyncio.connection import ManagedConnection
from spotstream.asyncio.session import Session, SessionHooks
from spotstream.asyncio.streams import Want
from spotstream.asyncio.subscription import Subscription
from spotstream.errors import (
    AuthenticationError,
    ConnectionClosedError,
    ExchangeError,
    InvalidRequestError,
    OutcomeUnknownError,
    RateLimitError,
    RequestTimeoutError,
    ServiceUnavailableError,
    SpotstreamError,
)
from spotstream.models.enums import EventKind, LifecycleKind, ReconcileReason
from spotstream.models.market import DataEvent
from spotstream.models.orders import Balance, Fill, LedgerEntry, OrderUpdate, Reconciliation
from spotstream.protocol.account import (
    BalanceTracker,
    OrderTracker,
    reconcile_balances,
    reconcile_fills,
    reconcile_orders,
)
from spotstream.protocol.base import Outgoing, SessionProtocol
from spotstream.protocol.events import (
    ChannelData,
    RequestDone,
    SequenceGap,
    StreamEnded,
)

log = logging.getLogger("spotstream.session")

P = TypeVar("P", bound=SessionProtocol)
Select = Callable[[object, EventKind], object | None]


class AccountHooks(SessionHooks):
    """What a venue adds to an authenticated session.

    ``orders_channel``, ``fills_channel`` and ``balances_channel`` name the venue's account
    feeds (their items are :class:`OrderUpdate`, :class:`Fill` for a venue that reports its
    trades on a feed of their own, and :class:`Balance`/:class:`LedgerEntry`); ``None`` where
    the connection carries no such feed.
    """

    orders_channel: str | None = None
    fills_channel: str | None = None
    balances_channel: str | None = None

    async def authenticate(self, session: PrivateSession[Any]) -> None:
        """Runs first on every connect. Raises :class:`AuthenticationError` for credentials
        the venue refuses (not retried), any other error to reconnect and try again."""

    def on_close(self, session: PrivateSession[Any]) -> None:
        """The connection ended: forget what authenticated it."""

    async def snapshots(
        self, session: PrivateSession[Any], channels: Sequence[str]
    ) -> list[ChannelData[Any]]:
        """Fresh snapshots of the account feeds ``channels`` (subscribed now), for a venue
        whose feeds carry none: each a :attr:`EventKind.SNAPSHOT` :class:`ChannelData` under
        the feed's stream key (``(channel, "", None)``), fetched another way (e.g. REST).
        Raising drops the connection to try again. The default: none (the venue's
        subscribe brings its own snapshot)."""
        return []


class PrivateSession(Session[P]):
    """An authenticated connection: account feeds and trading, or authenticated books."""

    hooks: AccountHooks

    def __init__(
        self,
        make_connection: Callable[[Session[P]], ManagedConnection],
        *,
        protocol: P,
        hooks: AccountHooks,
        **kwargs: Any,
    ) -> None:
        super().__init__(make_connection, protocol=protocol, hooks=hooks, **kwargs)
        self.orders = OrderTracker()
        self.balances = BalanceTracker()
        self.selectors: dict[int, Select] = {}  # id(subscription) -> what it is given
        self.auth_error: AuthenticationError | None = None
        self._resnapshotting: set[str] = set()
        self._snapshotted: set[str] = set()  # feeds whose hooks' snapshot was asked for
        self._deferred: dict[str, list[list[object]]] = {}  # updates held while one is fetched
        self._ready = asyncio.Event()  # connected and authenticated

    # --- connection ----------------------------------------------------------------------

    async def on_open(self, reconnect: bool) -> None:
        try:
            await self.hooks.authenticate(self)
        except (RateLimitError, ServiceUnavailableError) as exc:
            # Throttled or briefly unavailable: that heals, so try again under the backoff
            # (checked first: such a refusal of the token request is also an
            # AuthenticationError).
            log.warning("authentication refused for now: %s; reconnecting", exc)
            self.connection.drop()
            return
        except AuthenticationError as exc:
            # Bad keys do not heal by retrying: fail every subscriber with the exchange's text.
            self.auth_error = exc
            self._ready.set()  # wake waiters: they raise the error
            self._emit(LifecycleKind.RESUBSCRIBE_FAILED, str(exc))
            for sub in self.streams.subscriptions():
                sub.fail(exc)
            return
        except (SpotstreamError, OSError) as exc:
            log.warning("could not authenticate: %s; reconnecting", exc)
            self.connection.drop()
            return
        self.auth_error = None
        self._ready.set()
        await super().on_open(reconnect)
        await self._fetch_snapshots(self._account_channels())

    def on_close(self) -> None:
        for channel in (
            self.hooks.orders_channel,
            self.hooks.fills_channel,
            self.hooks.balances_channel,
        ):
            if self._account_want(channel) is not None:
                self._interrupt(channel, ReconcileReason.RECONNECT)
        self._resnapshotting.clear()
        self._snapshotted.clear()
        self._deferred.clear()
        self._ready.clear()
        self.hooks.on_close(self)
        super().on_close()

    def _account_want(self, channel: str | None) -> Want | None:
        if channel is None:
            return None
        return self.streams.wants.get(self.protocol.stream_key(channel, "", {}))

    async def wait_ready(self) -> None:
        """Wait until connected and authenticated (raises the venue's error for bad keys, and
        a final refusal of the handshake at once)."""
        try:
            async with asyncio.timeout(self.request_timeout):
                await self.connection.wait_connected()
                await self._ready.wait()
        except TimeoutError:
            raise ConnectionClosedError(
                f"could not connect to {self.connection.url} and authenticate"
            ) from None
        if self.auth_error is not None:
            raise self.auth_error

    async def open(self, sub: Subscription[Any], options: dict[str, Any]) -> None:
        await self.wait_ready()
        await super().open(sub, options)
        if sub.channel in self._account_channels() and sub.channel not in self._snapshotted:
            await self._fetch_snapshots([sub.channel])

    def _account_channels(self) -> list[str]:
        """The account feeds wanted now."""
        hooks = self.hooks
        channels = (hooks.orders_channel, hooks.fills_channel, hooks.balances_channel)
        return [c for c in channels if c is not None and self._account_want(c) is not None]

    async def _fetch_snapshots(self, channels: list[str]) -> None:
        """The hooks' snapshots of ``channels``, fed in as the feeds' own; updates that
        arrive meanwhile are applied after them."""
        channels = [c for c in channels if c not in self._deferred]
        if not channels:
            return
        self._snapshotted.update(channels)
        for channel in channels:
            self._deferred[channel] = []
        connection = self.connection.connects
        try:
            snapshots = await self.hooks.snapshots(self, channels)
        except (SpotstreamError, OSError) as exc:
            if connection == self.connection.connects:
                log.warning("could not fetch the account snapshots (%s); reconnecting", exc)
                for channel in channels:
                    self._deferred.pop(channel, None)
                self.connection.drop()
            return
        if connection != self.connection.connects:
            return  # fetched for a connection since lost: the new one fetches its own
        now = self._clock()
        for event in snapshots:
            held = self._deferred.pop(event.key[0], [])
            self._on_data(event, now)
            self._replay(event.key[0], held)
        for channel in channels:  # no snapshot came for these: their updates still count
            self._replay(channel, self._deferred.pop(channel, []))

    def _replay(self, channel: str, held: list[list[object]]) -> None:
        for items in held:
            self._track(channel, EventKind.UPDATE, items)

    # --- frames --------------------------------------------------------------------------

    def _on_other(self, event: object) -> None:
        if type(event) is SequenceGap:
            self._on_gap(event)
            return
        if type(event) is StreamEnded:  # an account feed ended: reconcile when it is back
            self._interrupt(event.key[0], ReconcileReason.RECONNECT)
        super()._on_other(event)

    def _on_data(self, event: ChannelData[Any], now: float) -> None:
        """Account feeds: account state and reconciliation, then the subscribers."""
        channel = event.key[0]
        items: list[object] = list(event.items)
        reconciliation: Reconciliation | None = None
        held = self._deferred.get(channel)
        if held is not None and event.kind is EventKind.UPDATE:
            held.append(items)  # applied once the snapshot being fetched is in
        else:
            reconciliation = self._track(channel, event.kind, items)
        subs = self.streams.routes.get(event.key)
        if not subs:
            return
        original: bytes | None = None
        if self._original:
            frame = event.frame
            original = frame.encode() if isinstance(frame, str) else frame
        if reconciliation is not None:
            items.append(reconciliation)
        # Inside a stale window (after a sequence gap, or while the snapshot that settles an
        # interruption is fetched) every update carries the gap flag, not only the first.
        stale = event.kind is EventKind.UPDATE and (
            channel in self._deferred or channel in getattr(self.protocol, "stale", ())
        )
        for item in items:
            symbol = getattr(item, "symbol", None)
            for sub in subs:
                select = self.selectors.get(id(sub))
                out = select(item, event.kind) if select is not None else item
                if out is not None:
                    sub.push(DataEvent(out, symbol, channel, event.kind, now, stale, original))

    def _track(self, channel: str, kind: EventKind, items: list[object]) -> Reconciliation | None:
        """Fold a feed's items into the account state (what changed, after a snapshot)."""
        if channel == self.hooks.orders_channel:
            return self._track_orders(channel, kind, items)
        if channel == self.hooks.fills_channel:
            return self._track_fills(channel, kind, items)
        if channel == self.hooks.balances_channel:
            return self._track_balances(channel, kind, items)
        return None

    def _track_orders(
        self, channel: str, kind: EventKind, items: list[object]
    ) -> Reconciliation | None:
        updates = [i for i in items if isinstance(i, OrderUpdate)]
        if kind is EventKind.SNAPSHOT:
            fills: list[Fill] = self.orders.replace(updates)
            return reconcile_orders(self.orders, fills, channel)
        for update in updates:
            self.orders.apply(update)
        return None

    def _track_fills(
        self, channel: str, kind: EventKind, items: list[object]
    ) -> Reconciliation | None:
        fills = [i for i in items if isinstance(i, Fill)]
        if kind is EventKind.SNAPSHOT:
            return reconcile_fills(self.orders, fills, channel)
        self.orders.record_fills(fills)
        return None

    def _track_balances(
        self, channel: str, kind: EventKind, items: list[object]
    ) -> Reconciliation | None:
        if kind is EventKind.SNAPSHOT:
            self.balances.replace(i for i in items if isinstance(i, Balance))
            return reconcile_balances(self.balances, channel)
        for item in items:
            if isinstance(item, LedgerEntry):
                self.balances.apply(item)
            elif isinstance(item, Balance):  # an absolute update: the balance now
                self.balances.set(item)
        return None

    def _on_gap(self, event: SequenceGap) -> None:
        self.stats.sequence_gaps += 1
        log.warning(
            "%s: sequence %d expected, %d received; resubscribing with a snapshot",
            event.channel,
            event.expected,
            event.received,
        )
        self._interrupt(event.channel, ReconcileReason.SEQUENCE_GAP)
        for sub in self.streams.routes.get(self.protocol.stream_key(event.channel, "", {}), ()):
            sub.mark_gap()
        if event.channel not in self._resnapshotting:
            self._resnapshotting.add(event.channel)
            self._spawn(self._resnapshot(event.channel))

    def _interrupt(self, channel: str | None, reason: ReconcileReason) -> None:
        """Remember the account state at an interruption of ``channel``'s feed."""
        if channel == self.hooks.orders_channel:
            self.orders.interrupt(reason)
        elif channel == self.hooks.fills_channel:
            self.orders.interrupt_fills(reason)
        elif channel == self.hooks.balances_channel:
            self.balances.interrupt(reason)

    async def _resnapshot(self, channel: str) -> None:
        want = self._account_want(channel)
        try:
            if want is None:
                return
            await self.request(self.protocol.unsubscribe_stream(channel, [""], want.options))
            done = await self.request(self.protocol.subscribe_stream(channel, [""], want.options))
            if done.errors:
                raise done.errors[0]
            await self._fetch_snapshots([channel])
        except (ExchangeError, RequestTimeoutError, InvalidRequestError) as exc:
            log.warning("%s: resubscribe failed (%s); reconnecting to recover", channel, exc)
            self.connection.drop()
        except ConnectionClosedError:
            pass  # the reconnect resubscribes (with a snapshot) and reconciles
        finally:
            self._resnapshotting.discard(channel)

    # --- trading -------------------------------------------------------------------------

    async def trade(
        self, build: Callable[[], Outgoing], timeout: float | None = None
    ) -> RequestDone:
        """Send one trading request (built once authenticated) and gather its answers.

        Never retried. Raises :class:`ConnectionClosedError` if it could not be sent,
        :class:`OutcomeUnknownError` if it was sent and no answer came (timeout, or the
        connection was lost): the order may or may not exist; the order feed tells.
        Authentication the exchange no longer accepts is renewed by reconnecting (the error is
        still raised: the request was not carried out).
        """
        await self.wait_ready()
        await self.pacer.take()
        out = build()
        waiter: asyncio.Future[RequestDone] = asyncio.get_running_loop().create_future()
        self._waiters[out.req_id] = waiter
        deadline = timeout or self.request_timeout
        try:
            await self.connection.send(out.frame)
            try:
                async with asyncio.timeout(deadline):
                    done = await waiter
            except TimeoutError:
                raise OutcomeUnknownError(
                    f"req_id {out.req_id}: no answer within {deadline}s; it may have taken "
                    "effect (check the order feed)"
                ) from None
            except ConnectionClosedError:
                raise OutcomeUnknownError(
                    f"req_id {out.req_id}: connection lost before the answer; it may have "
                    "taken effect (check the order feed)"
                ) from None
        finally:
            self._waiters.pop(out.req_id, None)
        if any(isinstance(e, AuthenticationError) for e in done.errors):
            log.warning("the session's authentication was refused; reconnecting to renew it")
            self.connection.drop()
        return done

    def select(self, sub: Subscription[Any], selector: Select) -> None:
        self.selectors[id(sub)] = selector

    async def _close_subscription(self, sub: Subscription[Any]) -> None:
        self.selectors.pop(id(sub), None)
        await super()._close_subscription(sub)
