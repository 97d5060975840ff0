"""The private pushes of one signed CoinEx connection (spec A6), from the matching engine.

One :class:`PrivateFeed` per connection listens to its account's execution events and ledger
records and turns them into ``order.update`` (``new`` -> ``put``, a fill -> ``update``, an
amend -> ``modify``, filled / cancelled / expired -> ``finish``), ``user_deals.update`` (one
per fill), ``stop.update`` (a triggered order: ``put``, ``active`` when it fires, ``cancel``)
and ``balance.update`` (a currency whose available or frozen amount changed since the
subscribe or the last push: after holds move as well as after fills; no snapshot). Only
orders on CoinEx markets are shown; each subscription lists markets (or currencies), an
empty list meaning all.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from spotstream.protocol.coinex.v2 import private_wire as pw
from spotstream.simulator.market.feed import BookPublisher
from spotstream.simulator.matching.accounts import LedgerRecord
from spotstream.simulator.matching.engine import MatchingEngine
from spotstream.simulator.matching.funds import MAKER_FEE, TAKER_FEE
from spotstream.simulator.matching.orders import ExecutionEvent, Order, OrderFill
from spotstream.simulator.venues.coinex.markets import ENCODER, money
from spotstream.simulator.venues.coinex.orders import NS_PER_MS, CoinExOrders
from spotstream.simulator.venues.coinex.v2.hub import CoinExV2Hub

PRIVATE = ("order", "stop", "user_deals", "balance")
_ORDER_EVENTS: dict[str, pw.OrderEventName] = {
    "new": "put",
    "trade": "update",
    "amended": "modify",
    "restated": "modify",
    "filled": "finish",
    "canceled": "finish",
    "expired": "finish",
}
_STOP_EVENTS: dict[str, pw.StopEventName] = {
    "new": "put",
    "status": "active",
    "canceled": "cancel",
    "expired": "cancel",
}

Push = Callable[[bytes], None]


class PrivateFeed:
    """What one signed connection subscribed to, and the pushes that follow."""

    def __init__(
        self,
        engine: MatchingEngine[BookPublisher],
        orders: CoinExOrders,
        hub: CoinExV2Hub,
        account_id: str,
        push: Push,
    ) -> None:
        self.engine = engine
        self.orders = orders
        self.hub = hub
        self.account_id = account_id
        self.account = engine.accounts[account_id]
        self._push = push
        self.subscriptions: dict[str, frozenset[str]] = {}  # method -> names (empty: all)
        self._balances_sent: dict[str, tuple[Decimal, Decimal]] = {}
        self._listening = False

    def subscribe(self, method: str, names: frozenset[str]) -> None:
        self.subscriptions[method] = names
        if method == "balance":  # what is pushed from now on is what changes
            now = self.engine.clock()
            held = [c for c in self.account.balances if not names or c in names]
            self._balances_sent = {c: _state(self.balance(c, now)) for c in held}
        if not self._listening:
            self._listening = True
            self.engine.listen(self.account_id, self.on_event, self.on_ledger)

    def unsubscribe(self, method: str, names: frozenset[str]) -> None:
        current = self.subscriptions.get(method)
        if current is None:
            return
        left = current - names if names and current else frozenset()
        if left:
            self.subscriptions[method] = left
        else:
            del self.subscriptions[method]

    def close(self) -> None:
        if self._listening:
            self.engine.unlisten(self.account_id, self.on_event, self.on_ledger)
            self._listening = False
        self.subscriptions.clear()

    def _wants(self, method: str, name: str) -> bool:
        names = self.subscriptions.get(method)
        return names is not None and (not names or name in names)

    # --- engine events --------------------------------------------------------------------------

    def on_event(self, event: ExecutionEvent) -> None:
        order = event.order
        name = self.hub.names.get(order.symbol)
        if name is None:
            return
        if not self.orders.intake(event):  # refused before it was accepted: not shown
            return
        if order.trigger is not None:
            self._stop(event, name)
        kind = _ORDER_EVENTS.get(event.exec_type)
        if kind is not None and self._wants("order", name) and not order.untriggered:
            numbers = self.hub.numbers[name]
            rendered = self.orders.render(order, self.hub.markets[name], numbers, event.time_ns)
            self._push(ENCODER.encode(pw.OrderPush(data=pw.OrderEvent(kind, rendered))))
        if (
            event.exec_type == "trade"
            and event.fill is not None
            and self._wants("user_deals", name)
        ):
            self._push(ENCODER.encode(pw.UserDealPush(data=self._deal(order, event.fill, name))))
        if event.exec_type != "pending_new":  # its hold shows after the put that follows
            spec = self.hub.markets[name]
            self._balance_check((spec.base, spec.quote), event.time_ns)

    def on_ledger(self, entry: LedgerRecord) -> None:
        self._balance_check((entry.asset,), entry.time_ns)

    def _deal(self, order: Order, fill: OrderFill, name: str) -> pw.UserDeal:
        numbers = self.hub.numbers[name]
        fee_places = (
            numbers.quote_precision
            if fill.fee_asset == self.hub.markets[name].quote
            else numbers.qty_precision
        )
        return pw.UserDeal(
            deal_id=fill.trade_id,
            created_at=fill.time_ns // NS_PER_MS,
            market=name,
            side=order.side,
            order_id=self.orders.adopt(order),
            client_id=self.orders.client_id(order),
            price=numbers.price(fill.price),
            amount=numbers.amount(fill.qty),
            role="maker" if fill.liquidity == "m" else "taker",
            fee=money(fill.fee, fee_places),
            fee_ccy=fill.fee_asset,
        )

    def _stop(self, event: ExecutionEvent, name: str) -> None:
        kind = _STOP_EVENTS.get(event.exec_type)
        order, trigger = event.order, event.order.trigger
        if kind is None or trigger is None or not self._wants("stop", name):
            return
        if kind == "cancel" and trigger.triggered_ns is not None:
            return
        numbers = self.hub.numbers[name]
        higher = (order.side == "buy") == order.order_type.startswith("stop")
        stop = pw.StopOrder(
            stop_id=self.orders.adopt(order),
            market=name,
            side=order.side,
            type="limit" if order.limit_price is not None else "market",
            price=numbers.price(order.limit_price or 0),
            amount=numbers.amount(order.qty),
            trigger_price=numbers.price(trigger.price),
            trigger_direction="higher" if higher else "lower",
            trigger_price_type="latest_price" if trigger.reference == "last" else "index_price",
            taker_fee_rate=money(TAKER_FEE, 4),
            maker_fee_rate=money(MAKER_FEE, 4),
            created_at=order.created_ns // NS_PER_MS,
            updated_at=event.time_ns // NS_PER_MS,
        )
        self._push(ENCODER.encode(pw.StopPush(data=pw.StopEvent(kind, stop))))

    def _balance_check(self, assets: tuple[str, ...], now_ns: int) -> None:
        if "balance" not in self.subscriptions:
            return
        wanted = self.subscriptions["balance"]
        changed: list[pw.BalanceEntry] = []
        for ccy in assets:
            if wanted and ccy not in wanted:
                continue
            entry = self.balance(ccy, now_ns)
            state = _state(entry)
            if self._balances_sent.get(ccy) != state:
                self._balances_sent[ccy] = state
                changed.append(entry)
        if changed:
            self._push(ENCODER.encode(pw.BalancePush(data=pw.BalanceData(changed))))

    def balance(self, ccy: str, now_ns: int) -> pw.BalanceEntry:
        account = self.account
        places = account.precision(ccy)
        frozen = account.holds.get(ccy, Decimal(0))
        return pw.BalanceEntry(
            ccy=ccy,
            available=money(account.available(ccy), places),
            frozen=money(frozen, places),
            updated_at=now_ns // NS_PER_MS,
        )


def _state(entry: pw.BalanceEntry) -> tuple[Decimal, Decimal]:
    return entry.available, entry.frozen
