"""The demo's trading bot: the private side at work on the simulator's funded test account.

It keeps a post-only bid quoted half a percent under the best bid (amended in place as the
market moves; on Kraken v1, which cannot amend here, edited: cancelled and replaced), now
and then takes the market with a small order, and follows everything on the private feeds
(v2: executions and balances; v1: openOrders and ownTrades), reconciliations included. No
account, no money.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from decimal import Decimal
from typing import Any

from rich.console import Group

from spotstream.asyncio.order_book import OrderBook
from spotstream.cli.render import balances_view, executions_view
from spotstream.errors import RequestError
from spotstream.kraken.client import KrakenSocketClient
from spotstream.models.orders import Balance, Fill, LedgerEntry, OrderUpdate, Reconciliation

QUOTE_SIZE = Decimal("0.01")
TAKE_SIZE = Decimal("0.002")
QUOTE_EVERY = 0.25  # seconds between re-quotes
TAKE_EVERY = 8  # a market order every this many re-quotes


class DemoTrader:
    """Quotes and takes on one symbol; counts what the private feeds report."""

    def __init__(self, client: KrakenSocketClient, book: OrderBook) -> None:
        self.client = client
        self.book = book
        self.tick = Decimal(1).scaleb(-self._precision())
        self.log: deque[object] = deque(maxlen=8)
        self.ledger: deque[object] = deque(maxlen=4)
        self.reconciliations: list[Reconciliation] = []
        self.placed = self.amended = self.fills = self.rejected = self.updates = 0
        self.quote_id: str | None = None
        self.price: Decimal | None = None

    def _precision(self) -> int:
        pair = self.client.session.protocol.instruments.pairs[self.book.symbol]
        return pair.price_precision

    async def run(self) -> None:
        """Trade until cancelled; then cancel every order of the account."""
        spot = self.client.spot
        v1 = self.client.api_version == 1
        try:
            async with (
                spot.orders() if v1 else spot.executions() as orders,
                spot.own_trades(snapshot=False) if v1 else spot.balances() as other,
                asyncio.TaskGroup() as tasks,
            ):
                tasks.create_task(self._follow(orders))
                tasks.create_task(self._follow(other))
                tasks.create_task(self._trade())
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(spot.cancel_all())

    async def _trade(self) -> None:
        rounds = 0
        while True:
            await asyncio.sleep(QUOTE_EVERY)
            rounds += 1
            try:
                await self._quote()
                if rounds % TAKE_EVERY == 0:
                    side = "buy" if rounds // TAKE_EVERY % 2 else "sell"
                    await self.client.spot.add_order(self.book.symbol, side, "market", TAKE_SIZE)
                    self.placed += 1
            except RequestError as exc:  # e.g. post-only would have taken: shown, not fatal
                self.rejected += 1
                self.log.appendleft(f"refused: {exc}")

    async def _quote(self) -> None:
        best = self.book.best_bid
        if best is None:
            return
        price = (best.price * Decimal("0.995")).quantize(self.tick)
        spot = self.client.spot
        if self.quote_id is None or self.quote_id not in spot.open_orders:
            placed = await spot.add_order(
                self.book.symbol, "buy", "limit", QUOTE_SIZE, limit_price=price, post_only=True
            )
            self.quote_id, self.price = placed.order_id, price
            self.placed += 1
        elif price != self.price:
            if self.client.api_version == 1:
                edited = await spot.edit_order(self.quote_id, self.book.symbol, limit_price=price)
                self.quote_id = edited.order_id
            else:
                await spot.amend_order(self.quote_id, order_qty=QUOTE_SIZE, limit_price=price)
            self.price = price
            self.amended += 1

    async def _follow(self, feed: Any) -> None:
        async for event in feed:
            item = event.data
            if isinstance(item, Reconciliation):
                self.reconciliations.append(item)
            elif isinstance(item, OrderUpdate):
                self.updates += 1
                self.fills += item.fill is not None and item.exec_type == "trade"
            elif isinstance(item, Fill):
                self.fills += 1
            if isinstance(item, LedgerEntry):
                self.ledger.appendleft(item)
            elif not isinstance(item, Balance):
                self.log.appendleft(item)

    def view(self) -> Group:
        spot = self.client.spot
        footer = (
            f"demo bot on {self.book.symbol}: {self.placed} orders placed, {self.amended} "
            f"amends, {self.fills} fills, {self.rejected} refused"
        )
        money = [r for r in self.reconciliations if r.channel == "balances"]
        orders = [r for r in self.reconciliations if r.channel != "balances"]
        return Group(
            executions_view(spot.open_orders, self.log, orders, footer),
            balances_view(_held(spot.account_balances), self.ledger, money, "test account"),
        )

    def summary(self) -> dict[str, Any]:
        balances = self.client.spot.account_balances
        return {
            "orders_placed": self.placed,
            "amends": self.amended,
            "fills": self.fills,
            "order_updates": self.updates,
            "refused": self.rejected,
            "reconciliations": len(self.reconciliations),
            "balances": {a: str(balances[a]) for a in sorted(balances) if balances[a]},
        }


def _held(balances: dict[str, Decimal]) -> dict[str, Decimal]:
    return {asset: amount for asset, amount in sorted(balances.items()) if amount}
