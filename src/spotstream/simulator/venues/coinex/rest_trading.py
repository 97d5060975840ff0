"""CoinEx REST v2 signed methods: balances, open orders, order status, place and cancel.

Orders go through the simulator's neutral matching engine (so Kraken and CoinEx watchers
see the same fills); refusals are worded as CoinEx does
(:func:`~spotstream.simulator.venues.coinex.orders.refusal`). ``market_type`` must be
``SPOT`` when given (the simulator has no margin or futures).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from spotstream.errors import InvalidRequestError
from spotstream.protocol.coinex.v2 import rest as rw
from spotstream.simulator.market.feed import BookPublisher
from spotstream.simulator.matching.engine import MatchingEngine
from spotstream.simulator.matching.orders import Order, OrderError
from spotstream.simulator.venues.coinex.markets import coinex_markets, money
from spotstream.simulator.venues.coinex.orders import (
    TYPES,
    CoinExOrders,
    PlaceRequest,
    fok_fillable,
    order_request,
)
from spotstream.simulator.venues.coinex.refusals import (
    FOK_UNFILLED,
    MAKER_ONLY_CANCELED,
    ORDER_NOT_FOUND,
    PARAMETER_ERROR,
    CoinExRefusal,
    refusal,
)
from spotstream.simulator.venues.coinex.v2.hub import CoinExV2Hub

Params = dict[str, str]
PAGE_LIMIT = 100


class RestTrading:
    """The signed REST methods (each takes the signing account and the parameters)."""

    def __init__(
        self,
        engine: MatchingEngine[BookPublisher],
        orders: CoinExOrders,
        hub: CoinExV2Hub,
        clock: Callable[[], int],
    ) -> None:
        self.engine = engine
        self.orders = orders
        self.hub = hub
        self.clock = clock
        self.markets = coinex_markets(engine.instruments.values())

    def balances(self, account_id: str, params: Params) -> list[dict[str, Any]]:
        account = self.engine.account(account_id)
        listed = {c for spec in self.markets.values() for c in (spec.base, spec.quote)}
        out = []
        for ccy in sorted(set(account.balances) & listed):
            places = account.precision(ccy)
            frozen = account.holds.get(ccy, Decimal(0))
            out.append(
                {
                    "ccy": ccy,
                    "available": money(account.available(ccy), places),
                    "frozen": money(frozen, places),
                }
            )
        return out

    def pending(self, account_id: str, params: Params) -> tuple[list[rw.SpotOrder], dict[str, Any]]:
        _spot(params)
        name = params.get("market")
        if name is not None and name not in self.markets:
            raise CoinExRefusal(PARAMETER_ERROR)
        side = params.get("side")
        orders = [
            self._render(order)
            for order in self.engine.open_orders(account_id)
            if order.symbol in self.hub.names
            and (name is None or self.hub.names[order.symbol] == name)
            and (side is None or order.side == side)
        ]
        return orders[::-1][:PAGE_LIMIT], {"has_next": len(orders) > PAGE_LIMIT}

    def status(self, account_id: str, params: Params) -> rw.SpotOrder:
        return self._render(self._own(account_id, params))

    def place(self, account_id: str, params: Params) -> rw.SpotOrder:
        _spot(params)
        place = _placement(params, self.markets)
        spec = self.markets[place.market]
        request = _neutral(place)
        if place.kind == "fok":
            self.engine.hub.sync(spec.symbol)
            market = self.engine.market[spec.symbol]
            opposite = market.asks if place.side == "buy" else market.bids
            price, qty = spec.price_units(place.price or Decimal(0)), spec.qty_units(place.amount)
            if not fok_fillable(opposite, place.side, price, qty):
                raise CoinExRefusal(FOK_UNFILLED)
        try:
            with self.orders.placing(account_id, place.client_id, place.kind):
                order = self.engine.add_order(account_id, spec.symbol, request)
                self.orders.adopt(order)
        except OrderError as error:
            raise CoinExRefusal(refusal(error.reason)) from None
        if place.kind == "maker_only" and order.status == "canceled" and not order.filled:
            raise CoinExRefusal(MAKER_ONLY_CANCELED)
        return self._render(order)

    def cancel(self, account_id: str, params: Params) -> rw.SpotOrder:
        _spot(params)
        order = self._own(account_id, params)
        if not order.is_open:
            raise CoinExRefusal(ORDER_NOT_FOUND)
        try:
            self.engine.cancel_orders(account_id, [order])
        except OrderError as error:
            raise CoinExRefusal(refusal(error.reason)) from None
        return self._render(order)

    def _own(self, account_id: str, params: Params) -> Order:
        name, text = params.get("market"), params.get("order_id", "")
        if name not in self.markets or not text.isdigit():
            raise CoinExRefusal(PARAMETER_ERROR)
        order = self.orders.find(int(text))
        if order is None or order.account_id != account_id:
            raise CoinExRefusal(ORDER_NOT_FOUND)
        if self.hub.names.get(order.symbol) != name:
            raise CoinExRefusal(ORDER_NOT_FOUND)
        return order

    def _render(self, order: Order) -> rw.SpotOrder:
        name = self.hub.names[order.symbol]
        return self.orders.render_rest(
            order, self.markets[name], self.hub.numbers[name], self.clock()
        )


def _spot(params: Params) -> None:
    if params.get("market_type", "SPOT").upper() != "SPOT":
        raise CoinExRefusal(PARAMETER_ERROR)


def _placement(params: Params, markets: dict[str, Any]) -> PlaceRequest:
    market, side, kind = params.get("market"), params.get("side"), params.get("type")
    if market not in markets or side not in ("buy", "sell") or kind not in TYPES:
        raise CoinExRefusal(PARAMETER_ERROR)
    client_id = params.get("client_id") or ""
    if len(client_id) > 64:
        raise CoinExRefusal(PARAMETER_ERROR)
    return PlaceRequest(
        market, side, kind, _decimal(params.get("amount")), _price(params.get("price")), client_id
    )


def _neutral(place: PlaceRequest) -> Any:
    try:
        return order_request(place)
    except InvalidRequestError:
        raise CoinExRefusal(PARAMETER_ERROR) from None


def _decimal(text: str | None) -> Decimal:
    try:
        value = Decimal(text or "")
    except InvalidOperation:
        raise CoinExRefusal(PARAMETER_ERROR) from None
    if not value.is_finite() or value <= 0:
        raise CoinExRefusal(PARAMETER_ERROR)
    return value


def _price(text: str | None) -> Decimal | None:
    return None if text in (None, "") else _decimal(text)
