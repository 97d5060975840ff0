"""The private feeds of ``client.spot``: executions, balances and level 3 (Kraken v2).

A sequence gap or a reconnect never passes silently: the feed is resubscribed with a
snapshot and subscribers receive a :class:`Reconciliation` of what changed meanwhile.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from spotstream.asyncio.call import Call
from spotstream.asyncio.order_book import BookUpdate, L3OrderBook
from spotstream.asyncio.private_session import Select
from spotstream.asyncio.subscription import Handler, Subscription, UpdateSubscription
from spotstream.kraken.hooks import (
    SNAPSHOT_OPTIONS,
    select_executions,
    select_fills,
    select_snapshot,
)
from spotstream.models.orders import (
    Balance,
    Fill,
    LedgerEntry,
    OrderState,
    OrderUpdate,
    Reconciliation,
)

if TYPE_CHECKING:
    from spotstream.kraken.client import KrakenSocketClient

ExecutionItem = OrderUpdate | Reconciliation
BalanceItem = Balance | LedgerEntry | Reconciliation


class KrakenPrivateFeeds:
    """Executions, balances and level-3 books of :class:`KrakenSocketClient`."""

    def __init__(self, client: KrakenSocketClient) -> None:
        self._client = client

    # --- account feeds -------------------------------------------------------------------

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
        """Order updates and fills (``executions``); after any interruption, a
        :class:`Reconciliation` (sequence gaps are detected, never silent)."""
        options = _executions_options(order_status, ratecounter, rebased, users)
        return Call(
            self._open_private("executions", options, select_executions(snap_orders, snap_trades))
        )

    def balances(
        self, *, snapshot: bool = True, rebased: bool | None = None, users: str | None = None
    ) -> Call[Subscription[BalanceItem]]:
        """Balances (snapshot: :class:`Balance`), then each change (:class:`LedgerEntry`)."""
        options = {"rebased": rebased, "users": users, **SNAPSHOT_OPTIONS["balances"]}
        return Call(self._open_private("balances", options, select_snapshot(snapshot)))

    def level3(self, symbol: str, depth: int = 10, *, synced: bool = True) -> Call[L3OrderBook]:
        """A maintained level-3 book (individual orders), checksum-verified per message."""
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
    ) -> UpdateSubscription[ExecutionItem]:
        sub = await self.executions(snap_orders=snapshot_order, snap_trades=snapshot_trades)
        return self._client.run_handler(sub, handler)

    async def subscribe_to_user_trade_updates(
        self, handler: Handler[Fill]
    ) -> UpdateSubscription[Fill]:
        sub = await self._open_private("executions", _executions_options(), select_fills)
        return self._client.run_handler(sub, handler)

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
        book = await session.open_book(
            L3OrderBook, symbol, depth, lambda: session.protocol.l3_books[symbol]
        )
        if synced:
            await book.wait_synced(self._client._request_timeout)
        return book


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
