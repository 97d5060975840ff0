"""The private side of one signed CoinEx v1 connection (spec B5), from the matching engine.

One :class:`V1PrivateFeed` per signed connection answers ``asset.query`` and ``order.query``
and, once subscribed, listens to its account's execution events and ledger records:

- ``order.update`` ``[event, order]``: ``new`` -> 1 (put), a fill or an amend -> 2 (update),
  filled / cancelled / expired -> 3 (finish); only orders on CoinEx markets, only the
  subscribed markets (``[]``: all); a triggered order shows once it has fired;
- ``asset.update`` ``[{ASSET: {available, frozen}}]``: the assets whose available or frozen
  amount changed since the subscribe or the last push (no snapshot on subscribe); only the
  currencies of CoinEx markets (``USD``, which only Kraken lists, never shows).

Orders are the v2 socket's and REST v2's: one
:class:`~spotstream.simulator.venues.coinex.orders.CoinExOrders` numbers and renders them,
and v1 renames and re-encodes the fields.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from decimal import Decimal

from spotstream.simulator.market.feed import BookPublisher
from spotstream.simulator.matching.accounts import LedgerRecord
from spotstream.simulator.matching.engine import MatchingEngine
from spotstream.simulator.matching.orders import ExecutionEvent, Order
from spotstream.simulator.venues.coinex.markets import money
from spotstream.simulator.venues.coinex.orders import CoinExOrders
from spotstream.simulator.venues.coinex.v1 import frames
from spotstream.simulator.venues.coinex.v1.hub import CoinExV1Hub

PRIVATE = ("asset", "order")
PUT, UPDATE, FINISH = 1, 2, 3
_EVENTS = {
    "new": PUT,
    "trade": UPDATE,
    "amended": UPDATE,
    "restated": UPDATE,
    "filled": FINISH,
    "canceled": FINISH,
    "expired": FINISH,
}
SELL, BUY = 1, 2
MAKER, TAKER = 1, 2

Push = Callable[[bytes], None]


class V1PrivateFeed:
    """What one signed v1 connection asks and subscribed to, and the pushes that follow."""

    def __init__(
        self,
        engine: MatchingEngine[BookPublisher],
        orders: CoinExOrders,
        hub: CoinExV1Hub,
        account_id: str,
        push: Push,
    ) -> None:
        self.engine = engine
        self.orders = orders
        self.hub = hub
        self.account_id = account_id
        self.account = engine.accounts[account_id]
        self.user = zlib.crc32(account_id.encode())  # v1's integer user id (ours: stable)
        self._push = push
        self.subscriptions: dict[str, frozenset[str]] = {}  # asset / order -> names (empty: all)
        self._sent: dict[str, tuple[Decimal, Decimal]] = {}
        self._listening = False

    def subscribe(self, kind: str, names: frozenset[str]) -> None:
        """Replace the subscription of ``kind`` (``asset`` or ``order``)."""
        self.subscriptions[kind] = names
        if kind == "asset":  # what is pushed from now on is what changes
            held = [c for c in self.account.balances if c in (names or self.hub.currencies)]
            self._sent = {c: self._state(c) for c in held}
        if not self._listening:
            self._listening = True
            self.engine.listen(self.account_id, self.on_event, self.on_ledger)

    def unsubscribe(self, kind: str) -> None:
        self.subscriptions.pop(kind, None)

    def close(self) -> None:
        if self._listening:
            self.engine.unlisten(self.account_id, self.on_event, self.on_ledger)
            self._listening = False
        self.subscriptions.clear()

    # --- queries --------------------------------------------------------------------------------

    def assets(self, names: list[str]) -> dict[str, frames.Balance]:
        """``asset.query``: the listed assets (``[]``: every CoinEx currency the account
        holds, sorted, as REST v2's balances)."""
        listed = names or sorted(set(self.account.balances) & self.hub.currencies)
        return {ccy: self.balance(ccy) for ccy in listed}

    def open_orders(self, name: str, side: int) -> list[frames.Order]:
        """The account's open orders on market ``name`` (``side`` 0 either), newest first."""
        now = self.engine.clock()
        symbol = self.hub.markets[name].symbol
        return [
            self.render(order, now)
            for order in reversed(self.engine.open_orders(self.account_id))
            if order.symbol == symbol
            and not order.untriggered
            and (side == 0 or _side(order) == side)
        ]

    def balance(self, ccy: str) -> frames.Balance:
        places = self.account.precision(ccy)
        frozen = self.account.holds.get(ccy, Decimal(0))
        return frames.Balance(money(self.account.available(ccy), places), money(frozen, places))

    # --- engine events --------------------------------------------------------------------------

    def on_event(self, event: ExecutionEvent) -> None:
        order = event.order
        name = self.hub.names.get(order.symbol)
        if name is None:
            return
        if not self.orders.intake(event):  # refused before it was accepted: not shown
            return
        kind = _EVENTS.get(event.exec_type)
        if kind is not None and self._wants("order", name) and not order.untriggered:
            rendered = self.render(order, event.time_ns)
            self._push(frames.push("order.update", [kind, rendered]))
        if event.exec_type != "pending_new":
            spec = self.hub.markets[name]
            self._assets_changed((spec.base, spec.quote))

    def on_ledger(self, entry: LedgerRecord) -> None:
        self._assets_changed((entry.asset,))

    def _wants(self, kind: str, name: str) -> bool:
        """Whether ``kind`` is subscribed for ``name`` (a market, or a CoinEx currency)."""
        names = self.subscriptions.get(kind)
        known = self.hub.currencies if kind == "asset" else self.hub.markets
        return names is not None and name in (names or known)

    def _assets_changed(self, assets: tuple[str, ...]) -> None:
        changed: dict[str, frames.Balance] = {}
        for ccy in assets:
            if not self._wants("asset", ccy):
                continue
            state = self._state(ccy)
            if self._sent.get(ccy) != state:
                self._sent[ccy] = state
                changed[ccy] = self.balance(ccy)
        if changed:
            self._push(frames.push("asset.update", [changed]))

    def _state(self, ccy: str) -> tuple[Decimal, Decimal]:
        return self.account.available(ccy), self.account.holds.get(ccy, Decimal(0))

    # --- orders ---------------------------------------------------------------------------------

    def render(self, order: Order, now_ns: int) -> frames.Order:
        """The v1 order object of ``order`` as it stands."""
        name = self.hub.names[order.symbol]
        spec, numbers = self.hub.markets[name], self.hub.numbers[name]
        ws = self.orders.render(order, spec, numbers, now_ns)  # v2's numbers, renamed
        fill = self.orders.last_fill(order)
        fee = ws.base_ccy_fee if order.fee_in_base else ws.quote_ccy_fee
        return frames.Order(
            id=ws.order_id,
            type=2 if self.orders.kind(order) == "market" else 1,
            side=_side(order),
            user=self.user,
            account=0,
            option=0,
            ctime=frames.seconds(order.created_ns),
            mtime=frames.seconds(now_ns),
            market=name,
            source="api",
            client_id=ws.client_id or "",
            price=ws.price,
            amount=ws.amount,
            taker_fee=ws.taker_fee_rate,
            maker_fee=ws.maker_fee_rate,
            left=ws.unfilled_amount,
            deal_stock=ws.filled_amount,
            deal_money=ws.filled_value,
            deal_fee=fee,
            money_fee=ws.quote_ccy_fee,
            stock_fee=ws.base_ccy_fee,
            asset_fee=ws.discount_ccy_fee,
            fee_discount=money(Decimal(1), 0),
            fee_asset=None,
            last_deal_amount=ws.last_filled_amount,
            last_deal_price=ws.last_filled_price,
            last_deal_time=frames.seconds(fill.time_ns) if fill else 0,
            last_deal_id=fill.trade_id if fill else 0,
            last_role=0 if fill is None else MAKER if fill.liquidity == "m" else TAKER,
            stop_id=0,
        )


def _side(order: Order) -> int:
    return BUY if order.side == "buy" else SELL
