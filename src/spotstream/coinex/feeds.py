"""``client.spot.feeds``: the CoinEx account's feeds (socket API v2, after ``server.sign``),
named as in CoinEx.Net's ``SpotApiV2``.

CoinEx's private feeds carry no snapshot and no sequence number. The session signs on every
connect and, after the first subscribe, every reconnect and every unreadable push, fetches
the open orders and balances over REST v2 as the feeds' snapshots; subscribers then receive
a :class:`~spotstream.models.orders.Reconciliation` saying what changed meanwhile (the
snapshot's own items only if they asked for them).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from spotstream.asyncio.call import Call
from spotstream.asyncio.private_session import Select
from spotstream.asyncio.selectors import (
    for_markets,
    select_fills,
    select_orders,
    select_snapshot,
)
from spotstream.asyncio.subscription import Handler, Subscription, UpdateSubscription
from spotstream.models.orders import Balance, Fill, OrderState, OrderUpdate, Reconciliation

if TYPE_CHECKING:
    from spotstream.coinex.client import CoinExSocketClient

OrderItem = OrderUpdate | Reconciliation
FillItem = Fill | Reconciliation
BalanceItem = Balance | Reconciliation


class CoinExPrivateFeeds:
    """Orders, stop orders, the account's trades and balances (needs credentials)."""

    def __init__(self, client: CoinExSocketClient) -> None:
        self._client = client

    # --- async iterator style --------------------------------------------------------------

    def orders(
        self, *, snapshot: bool = False, markets: frozenset[str] = frozenset()
    ) -> Call[Subscription[OrderItem]]:
        """Order updates (``order``: put, update, modify, finish; of ``markets`` only, if
        given); the open orders from REST first if ``snapshot``; after any interruption a
        :class:`Reconciliation`."""
        return Call(self._open("orders", for_markets(select_orders(snapshot), markets)))

    def stop_orders(self) -> Call[Subscription[OrderUpdate]]:
        """Stop-order updates (``stop``: put, active, cancel)."""
        return Call(self._open("stop_orders", select_snapshot(False)))

    def user_trades(self) -> Call[Subscription[FillItem]]:
        """The account's trades (``user_deals``), one :class:`Fill` each."""
        return Call(self._open("user_trades", select_fills(False)))

    own_trades = user_trades

    def balances(self, *, snapshot: bool = True) -> Call[Subscription[BalanceItem]]:
        """Spot balances: every currency from REST first if ``snapshot``, then each change
        (``balance``: the currency's balance now, as a :class:`Balance`)."""
        return Call(self._open("balances", select_snapshot(snapshot)))

    @property
    def open_orders(self) -> dict[str, OrderState]:
        """Open orders as the order feed (and REST) have told them."""
        return dict(self._client.private_session.orders.open)

    @property
    def account_balances(self) -> dict[str, Decimal]:
        """Balances as the balance feed (and REST) have told them."""
        return dict(self._client.private_session.balances.balances)

    # --- callback style (CoinEx.Net names) -------------------------------------------------

    async def subscribe_to_order_updates(
        self, handler: Handler[OrderItem]
    ) -> UpdateSubscription[OrderItem]:
        return self._client.run_handler(await self.orders(), handler)

    async def subscribe_to_stop_order_updates(
        self, handler: Handler[OrderUpdate]
    ) -> UpdateSubscription[OrderUpdate]:
        return self._client.run_handler(await self.stop_orders(), handler)

    async def subscribe_to_user_trade_updates(
        self, handler: Handler[FillItem]
    ) -> UpdateSubscription[FillItem]:
        return self._client.run_handler(await self.user_trades(), handler)

    async def subscribe_to_balance_updates(
        self, handler: Handler[BalanceItem]
    ) -> UpdateSubscription[BalanceItem]:
        return self._client.run_handler(await self.balances(snapshot=False), handler)

    # --- internals -----------------------------------------------------------------------

    async def _open(self, channel: str, select: Select) -> Subscription[Any]:
        session = self._client.private_session
        sub = self._client._new_subscription(channel, [])
        session.select(sub, select)
        try:
            await session.open(sub, {})
        except BaseException:
            await self._client._forget_subscription(sub)
            raise
        return sub
