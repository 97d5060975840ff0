"""The private feeds of ``client.spot``: orders, fills, balances and level 3.

Kraken v2 reports orders and fills on one feed (``executions``), balances on another, and
has level 3; v1 reports orders on ``openOrders`` and fills on ``ownTrades``. :meth:`orders`
and :meth:`own_trades` (and Kraken.Net's callback names) work on both versions; the others
raise :class:`UnsupportedFeatureError` on v1. A sequence gap or a reconnect never passes
silently: the feed is resubscribed with a snapshot and subscribers receive a
:class:`Reconciliation` of what changed meanwhile.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from inspect import isawaitable
from typing import TYPE_CHECKING, Any, cast

from spotstream.asyncio.call import Call
from spotstream.asyncio.order_book import BookUpdate, L3OrderBook
from spotstream.asyncio.private_session import Select
from spotstream.asyncio.selectors import (
    select_executions,
    select_fills,
    select_orders,
    select_snapshot,
)
from spotstream.asyncio.subscription import Handler, Subscription, UpdateSubscription
from spotstream.errors import UnsupportedFeatureError
from spotstream.kraken.hooks import SNAPSHOT_OPTIONS
from spotstream.models.market import DataEvent
from spotstream.models.orders import (
    Balance,
    Fill,
    LedgerEntry,
    OrderState,
    OrderUpdate,
    Reconciliation,
)
from spotstream.protocol.kraken.v2.private import KrakenV2PrivateProtocol

if TYPE_CHECKING:
    from spotstream.kraken.client import KrakenSocketClient

ExecutionItem = OrderUpdate | Reconciliation
FillItem = Fill | Reconciliation
BalanceItem = Balance | LedgerEntry | Reconciliation


class KrakenPrivateFeeds:
    """Executions, balances and level-3 books of :class:`KrakenSocketClient`."""

    def __init__(self, client: KrakenSocketClient) -> None:
        self._client = client
        self._v1 = client.api_version == 1

    # --- both versions -------------------------------------------------------------------

    def orders(
        self,
        *,
        snapshot: bool = True,
        ratecounter: bool = False,
        rebased: bool | None = None,
        token: str | None = None,
    ) -> Call[Subscription[ExecutionItem]]:
        """Order updates (v1 ``openOrders``; v2 ``executions``, whose fills are order updates
        too), the open orders first if ``snapshot``; after any interruption a
        :class:`Reconciliation`."""
        self._client._use_token(token)
        if not self._v1:
            return self.executions(snap_orders=snapshot, ratecounter=ratecounter, rebased=rebased)
        options = {"ratecounter": ratecounter or None, "rebased": rebased}
        return Call(self._open_private("openOrders", options, select_orders(snapshot)))

    def own_trades(
        self,
        *,
        snapshot: bool | None = None,
        consolidate_taker: bool = True,
        rebased: bool | None = None,
        token: str | None = None,
    ) -> Call[Subscription[FillItem]]:
        """The account's fills (v1 ``ownTrades``; v2 the fills of ``executions``); the
        latest ones first if ``snapshot`` (default: the exchange's: v1 yes, v2 no); after
        any interruption a :class:`Reconciliation` with the fills missed meanwhile."""
        self._client._use_token(token)
        if not self._v1:
            if not consolidate_taker:
                raise UnsupportedFeatureError(
                    "consolidate_taker is a Kraken WebSocket v1 option (use api_version=1)"
                )
            options = _executions_options(rebased=rebased)
            return Call(self._open_private("executions", options, select_fills(bool(snapshot))))
        options = {
            **SNAPSHOT_OPTIONS["ownTrades"],
            "consolidate_taker": None if consolidate_taker else False,
            "rebased": rebased,
        }
        wanted = True if snapshot is None else snapshot
        return Call(self._open_private("ownTrades", options, select_fills(wanted)))

    # --- Kraken v2 account feeds ---------------------------------------------------------

    def executions(
        self,
        *,
        snap_orders: bool = True,
        snap_trades: bool = False,
        order_status: bool = True,
        ratecounter: bool = False,
        rebased: bool | None = None,
        users: str | None = None,
    ) -> Call[Subscription[ExecutionItem]]:
        """Order updates and fills (``executions``, v2); after any interruption, a
        :class:`Reconciliation` (sequence gaps are detected, never silent)."""
        self._v2_only("executions (on v1: orders() and own_trades())")
        options = _executions_options(order_status, ratecounter, rebased, users)
        return Call(
            self._open_private("executions", options, select_executions(snap_orders, snap_trades))
        )

    def balances(
        self, *, snapshot: bool = True, rebased: bool | None = None, users: str | None = None
    ) -> Call[Subscription[BalanceItem]]:
        """Balances (snapshot: :class:`Balance`), then each change (:class:`LedgerEntry`);
        v2 only."""
        self._v2_only("the balances feed")
        options = {"rebased": rebased, "users": users, **SNAPSHOT_OPTIONS["balances"]}
        return Call(self._open_private("balances", options, select_snapshot(snapshot)))

    def level3(self, symbol: str, depth: int = 10, *, synced: bool = True) -> Call[L3OrderBook]:
        """A maintained level-3 book (individual orders), checksum-verified per message
        (v2 only)."""
        self._v2_only("level 3")
        return Call(self._open_l3(symbol, depth, synced))

    @property
    def open_orders(self) -> dict[str, OrderState]:
        """Open orders as the executions feed has told them (needs an executions stream)."""
        return dict(self._client.private_session.orders.open)

    @property
    def account_balances(self) -> dict[str, Decimal]:
        """Balances as the balances feed has told them (needs a balances stream)."""
        return dict(self._client.private_session.balances.balances)

    @property
    def rate_counters(self) -> dict[str, int]:
        """The trading rate counter per symbol (executions with ``ratecounter=True``)."""
        return dict(self._client.private_session.protocol.ratecounts)

    @property
    def max_rate_count(self) -> int | None:
        """The account's rate-counter threshold, from the executions ack."""
        return self._client.private_session.protocol.maxratecount

    # --- Kraken.Net callback names -------------------------------------------------------

    async def subscribe_to_order_updates(
        self,
        handler: Handler[ExecutionItem],
        snapshot_order: bool = True,
        snapshot_trades: bool = False,
        *,
        token: str | None = None,
    ) -> UpdateSubscription[ExecutionItem]:
        """Kraken.Net's ``SubscribeToOrderUpdatesAsync``: v1 ``openOrders``, v2
        ``executions`` (with its snapshot choices)."""
        self._client._use_token(token)
        if self._v1:
            if snapshot_trades:
                raise UnsupportedFeatureError(
                    "v1 reports fills on ownTrades: use subscribe_to_user_trade_updates()"
                )
            sub = await self.orders(snapshot=snapshot_order)
        else:
            sub = await self.executions(snap_orders=snapshot_order, snap_trades=snapshot_trades)
        return self._client.run_handler(sub, handler)

    async def subscribe_to_user_trade_updates(
        self,
        snapshot: bool | Handler[Fill],
        handler: Handler[Fill] | None = None,
        *,
        token: str | None = None,
    ) -> UpdateSubscription[FillItem]:
        """Kraken.Net's ``SubscribeToUserTradeUpdatesAsync([snapshot,] handler)``: the
        account's fills (v1 ``ownTrades``, v2 the fills of ``executions``); without
        ``snapshot``, the exchange's default (v1 yes, v2 no). Fills a reconciliation found
        after an interruption are delivered too, one event each."""
        wanted: bool | None
        if isinstance(snapshot, bool):
            if handler is None:
                raise TypeError("subscribe_to_user_trade_updates(snapshot, handler)")
            wanted, chosen = snapshot, handler
        else:
            if handler is not None:
                raise TypeError("subscribe_to_user_trade_updates([snapshot,] handler)")
            wanted, chosen = None, snapshot
        sub = await self.own_trades(snapshot=wanted, token=token)
        return self._client.run_handler(sub, _fills_of(chosen))

    async def subscribe_to_balance_updates(
        self, handler: Handler[BalanceItem], snapshot: bool = True
    ) -> UpdateSubscription[BalanceItem]:
        return self._client.run_handler(await self.balances(snapshot=snapshot), handler)

    async def subscribe_to_individual_order_book_updates(
        self, symbol: str, depth: int, handler: Handler[BookUpdate]
    ) -> UpdateSubscription[BookUpdate]:
        """``handler`` gets a change notification per level3 message (read the book)."""
        book = await self.level3(symbol, depth, synced=False)
        update = self._client.run_handler(book.updates(), handler)
        update.also_close(book.close)
        return update

    # --- internals -----------------------------------------------------------------------

    def _v2_only(self, feature: str) -> None:
        if self._v1:
            raise UnsupportedFeatureError(
                f"Kraken WebSocket v1 has no {feature}: use api_version=2"
            )

    async def _open_private(
        self, channel: str, options: dict[str, Any], select: Select
    ) -> Subscription[Any]:
        session = self._client.private_session
        sub = self._client._new_subscription(channel, [])
        session.select(sub, select)
        try:
            await session.open(sub, options)
        except BaseException:
            await self._client._forget_subscription(sub)
            raise
        return sub

    async def _open_l3(self, symbol: str, depth: int, synced: bool) -> L3OrderBook:
        session = self._client.l3_session
        await session.wait_ready()
        protocol = session.protocol
        assert isinstance(protocol, KrakenV2PrivateProtocol)  # level 3 is v2's
        timeout = self._client._request_timeout if synced else None
        return await session.open_book(
            L3OrderBook, symbol, depth, lambda: protocol.l3_books[symbol], None, timeout
        )


def _fills_of(handler: Handler[Fill]) -> Handler[FillItem]:
    """A fills handler also given the fills a reconciliation found (missed while the feed
    was interrupted), one event each: a callback user never misses a fill."""

    async def deliver(event: DataEvent[FillItem]) -> None:
        data = event.data
        fills = data.fills if isinstance(data, Reconciliation) else (data,)
        for fill in fills:
            outcome = handler(cast(DataEvent[Fill], replace(event, data=fill)))
            if isawaitable(outcome):
                await outcome

    return deliver


def _executions_options(
    order_status: bool = True,
    ratecounter: bool = False,
    rebased: bool | None = None,
    users: str | None = None,
) -> dict[str, Any]:
    """What an executions subscribe asks of Kraken (one set per connection)."""
    return {
        "order_status": order_status,
        "ratecounter": ratecounter or None,
        "rebased": rebased,
        "users": users,
        **SNAPSHOT_OPTIONS["executions"],
    }
