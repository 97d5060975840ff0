"""CoinEx REST v2 signed methods: balances, open and finished orders (paged: ``page``,
``limit`` up to 100, default 10, newest first), order status, place, cancel, cancel all.

Orders go through the simulator's neutral matching engine (so Kraken and CoinEx watchers
see the same fills); refusals are worded as CoinEx does
(:func:`~spotstream.simulator.venues.coinex.orders.refusal`). ``market_type`` must be
``SPOT`` when given (the simulator has no margin or futures).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from spotstream.book.units import PrecisionError
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
Page = tuple[list[rw.SpotOrder], dict[str, Any]]
PAGE_LIMIT = 100  # the most a page holds
DEFAULT_LIMIT = 10  # CoinEx's default page size


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

    def pending(self, account_id: str, params: Params) -> Page:
        """The account's open orders, newest first, one page (``page``, ``limit``)."""
        return self._page(self.engine.open_orders(account_id)[::-1], params)

    def finished(self, account_id: str, params: Params) -> Page:
        """The account's finished orders (filled, cancelled), newest first, one page."""
        return self._page(self.orders.finished(account_id), params)

    def _page(self, orders: list[Order], params: Params) -> Page:
        _spot(params)
        name, side = params.get("market"), params.get("side")
        if name is not None and name not in self.markets:
            raise CoinExRefusal(PARAMETER_ERROR)
        if side is not None and side not in ("buy", "sell"):
            raise CoinExRefusal(PARAMETER_ERROR)
        page, limit = _count(params, "page", 1), _count(params, "limit", DEFAULT_LIMIT)
        if limit > PAGE_LIMIT:
            raise CoinExRefusal(PARAMETER_ERROR)
        chosen = [
            order
            for order in orders
            if order.symbol in self.hub.names
            and (name is None or self.hub.names[order.symbol] == name)
            and (side is None or order.side == side)
        ]
        start = (page - 1) * limit
        shown = [self._render(order) for order in chosen[start : start + limit]]
        return shown, {"has_next": len(chosen) > start + limit}

    def cancel_all(self, account_id: str, params: Params) -> dict[str, Any]:
        """Cancel every open order of ``market`` (of ``side`` only, if given); ``data`` ``{}``."""
        _spot(params)
        name, side = params.get("market"), params.get("side")
        if name not in self.markets or side not in (None, "buy", "sell"):
            raise CoinExRefusal(PARAMETER_ERROR)
        symbol = self.markets[name].symbol
        orders = [
            order
            for order in self.engine.open_orders(account_id)
            if order.symbol == symbol and (side is None or order.side == side)
        ]
        self.engine.cancel_orders(account_id, orders)
        return {}

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
            try:
                price = spec.price_units(place.price or Decimal(0))
                qty = spec.qty_units(place.amount)
            except PrecisionError:  # off the grid or past what the book holds
                raise CoinExRefusal(PARAMETER_ERROR) from None
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


def _count(params: Params, key: str, default: int) -> int:
    """A positive integer parameter (``page``, ``limit``)."""
    text = params.get(key)
    if text is None:
        return default
    if not text.isdigit() or int(text) < 1:
        raise CoinExRefusal(PARAMETER_ERROR)
    return int(text)


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
