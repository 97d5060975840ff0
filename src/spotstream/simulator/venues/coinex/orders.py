"""CoinEx orders on the neutral matching engine: ids, order objects, placements.

Shared by REST v2 (which places and cancels) and the socket's private pushes, so both show
one order the same way. Decisions:

- CoinEx order ids are integers: :class:`CoinExOrders` numbers the engine's orders as it
  first meets them (from a seeded base), and keeps each order's ``client_id`` (CoinEx allows
  ids, such as ccxt's ``x-167673045-<uuid16>``, that the engine's Kraken-shaped
  ``cl_ord_id`` rules refuse, so the venue keeps them) and its CoinEx ``type``;
- types: ``limit`` (GTC), ``market``, ``maker_only`` (post-only: one that would take is
  cancelled and answered 3622), ``ioc``, ``fok`` (checked against the market's book before it
  is placed, as an IOC; one the book cannot fill is refused with 3621 and never placed);
- a market **buy**'s ``amount`` is in the quote currency (as CoinEx and ccxt have it);
- every number has the market's fixed decimals
  (:mod:`~spotstream.simulator.venues.coinex.markets`); refusals are worded by
  :mod:`~spotstream.simulator.venues.coinex.refusals`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from spotstream.models.enums import OrderSide, OrderType, TimeInForce
from spotstream.models.orders import OrderRequest
from spotstream.protocol.coinex.v2 import private_wire as pw
from spotstream.protocol.coinex.v2 import rest as rw
from spotstream.simulator.market.instruments import InstrumentSpec
from spotstream.simulator.market.state import DeepSide
from spotstream.simulator.matching.funds import MAKER_FEE, TAKER_FEE
from spotstream.simulator.matching.orders import ExecutionEvent, Order, OrderFill
from spotstream.simulator.venues.coinex.markets import MarketNumbers, money
from spotstream.simulator.venues.coinex.refusals import PARAMETER_ERROR, CoinExRefusal

NS_PER_MS = 1_000_000
TYPES = ("limit", "market", "maker_only", "ioc", "fok")


@dataclass(slots=True)
class _Known:
    order: Order  # the engine's (mutable) order, finished ones included
    coinex_id: int
    client_id: str
    kind: str
    last_fill: OrderFill | None = None
    pending: bool = False  # pending_new seen, new not yet
    hidden: bool = False  # refused before it was accepted: never shown


class CoinExOrders:
    """CoinEx's view of the engine's orders (shared by every CoinEx session and REST)."""

    def __init__(self, seed: object = 1) -> None:
        self._next = random.Random(f"{seed}/coinex-orders").randint(10**11, 2 * 10**11)
        self._known: dict[str, _Known] = {}  # engine order id -> ...
        self._by_coinex: dict[int, str] = {}
        self._placing: tuple[str, str, str] | None = None  # account, client_id, type

    @contextmanager
    def placing(self, account_id: str, client_id: str, kind: str) -> Iterator[None]:
        """While CoinEx places an order: the first order of the account that the venue
        meets (the new one: the engine tells of it first, ``pending_new``, before any push
        renders it) gets this ``client_id`` and type."""
        self._placing = (account_id, client_id, kind)
        try:
            yield
        finally:
            self._placing = None

    def adopt(self, order: Order) -> int:
        """The CoinEx id of ``order`` (numbered now if it is new to CoinEx)."""
        known = self._known.get(order.order_id)
        if known is None:
            client_id, kind = "", _kind_of(order)
            placing = self._placing
            if placing is not None and placing[0] == order.account_id:
                client_id, kind = placing[1], placing[2]
                self._placing = None
            self._next += 1
            known = _Known(order, self._next, client_id, kind)
            self._known[order.order_id] = known
            self._by_coinex[known.coinex_id] = order.order_id
        return known.coinex_id

    def find(self, coinex_id: int) -> Order | None:
        """The order CoinEx knows as ``coinex_id`` (open or finished)."""
        engine_id = self._by_coinex.get(coinex_id)
        return None if engine_id is None else self._known[engine_id].order

    def finished(self, account_id: str) -> list[Order]:
        """The account's finished orders CoinEx knows (filled, cancelled), newest first."""
        known = sorted(self._known.values(), key=lambda k: k.coinex_id, reverse=True)
        return [k.order for k in known if k.order.account_id == account_id and not k.order.is_open]

    def client_id(self, order: Order) -> str:
        known = self._known.get(order.order_id)
        return "" if known is None else known.client_id

    def intake(self, event: ExecutionEvent) -> bool:
        """Take an engine event of an order on a CoinEx market as every CoinEx private feed
        does (numbering the order at its first event, ``pending_new``; keeping its last
        fill): whether CoinEx shows it. An order refused before it was accepted (a
        maker-only one that would take: ``pending_new``, then no ``new``) is never shown.
        Each feed that hears the event calls this: the same answer every time."""
        order = event.order
        self.adopt(order)
        known = self._known[order.order_id]
        if event.exec_type == "pending_new":
            known.pending = not known.hidden
        elif event.exec_type == "new":
            known.pending = False
        elif known.pending or known.hidden:
            known.pending, known.hidden = False, True
            return False
        if event.exec_type == "trade" and event.fill is not None:
            known.last_fill = event.fill
        return True

    def kind(self, order: Order) -> str:
        """The CoinEx type of ``order`` (``limit``, ``market``, ``maker_only``, ...)."""
        self.adopt(order)
        return self._known[order.order_id].kind

    def last_fill(self, order: Order) -> OrderFill | None:
        known = self._known.get(order.order_id)
        return None if known is None else known.last_fill

    def render(
        self, order: Order, spec: InstrumentSpec, numbers: MarketNumbers, now_ns: int
    ) -> pw.Order:
        """The order object of ``order`` as it stands."""
        self.adopt(order)
        known = self._known[order.order_id]
        quote = numbers.quote_precision
        fill = known.last_fill
        cash = order.cash_qty
        if cash is not None and order.side == "buy":  # a market buy: amounts in quote
            amount, unfilled = (
                money(cash, quote),
                money(max(cash - order.cum_cost, Decimal(0)), quote),
            )
        else:
            amount, unfilled = numbers.amount(order.qty), numbers.amount(order.remaining)
        fee_in_quote = not order.fee_in_base
        return pw.Order(
            order_id=known.coinex_id,
            market=spec.base + spec.quote,
            type=known.kind,
            side=order.side,
            amount=amount,
            price=numbers.price(order.limit_price or 0),
            unfilled_amount=unfilled,
            filled_amount=numbers.amount(order.filled),
            filled_value=money(order.cum_cost, quote),
            taker_fee_rate=money(TAKER_FEE, 4),
            maker_fee_rate=money(MAKER_FEE, 4),
            base_ccy_fee=money(
                order.fees if not fee_in_quote else Decimal(0), numbers.qty_precision
            ),
            quote_ccy_fee=money(order.fees if fee_in_quote else Decimal(0), quote),
            discount_ccy_fee=money(Decimal(0), quote),
            last_filled_amount=numbers.amount(fill.qty if fill else 0),
            last_filled_price=numbers.price(fill.price if fill else 0),
            created_at=order.created_ns // NS_PER_MS,
            updated_at=now_ns // NS_PER_MS,
            client_id=known.client_id,
        )

    def render_rest(
        self, order: Order, spec: InstrumentSpec, numbers: MarketNumbers, now_ns: int
    ) -> rw.SpotOrder:
        """The REST v2 order object of ``order`` (the socket's fields, REST's names)."""
        ws = self.render(order, spec, numbers, now_ns)
        in_quote = order.cash_qty is not None and order.side == "buy"
        return rw.SpotOrder(
            order_id=ws.order_id,
            market=ws.market,
            market_type="SPOT",
            side=ws.side,
            type=ws.type,
            ccy=spec.quote if in_quote else spec.base,
            amount=ws.amount,
            price=ws.price,
            client_id=ws.client_id or "",
            created_at=ws.created_at,
            updated_at=ws.updated_at,
            unfilled_amount=ws.unfilled_amount,
            filled_amount=ws.filled_amount,
            filled_value=ws.filled_value,
            base_fee=ws.base_ccy_fee,
            quote_fee=ws.quote_ccy_fee,
            discount_fee=ws.discount_ccy_fee,
            maker_fee_rate=ws.maker_fee_rate,
            taker_fee_rate=ws.taker_fee_rate,
            last_fill_amount=ws.last_filled_amount,
            last_fill_price=ws.last_filled_price,
        )


def _kind_of(order: Order) -> str:
    """The CoinEx type of an order placed through another venue."""
    if order.limit_price is None:
        return "market"
    if order.post_only:
        return "maker_only"
    return "ioc" if order.time_in_force == "ioc" else "limit"


@dataclass(frozen=True, slots=True)
class PlaceRequest:
    """A CoinEx order placement, read from its parameters."""

    market: str
    side: str
    kind: str
    amount: Decimal
    price: Decimal | None
    client_id: str


def order_request(place: PlaceRequest) -> OrderRequest:
    """The neutral request of a CoinEx placement (raises :class:`CoinExRefusal`)."""
    side = OrderSide.BUY if place.side == "buy" else OrderSide.SELL
    if place.kind == "market":
        if place.price is not None and place.price != 0:
            raise CoinExRefusal(PARAMETER_ERROR)
        if side is OrderSide.BUY:
            return OrderRequest(
                side=side,
                order_type=OrderType.MARKET,
                quantity=Decimal(0),
                quote_quantity=place.amount,
            )
        return OrderRequest(side=side, order_type=OrderType.MARKET, quantity=place.amount)
    if place.price is None:
        raise CoinExRefusal(PARAMETER_ERROR)
    tif = TimeInForce.IOC if place.kind in ("ioc", "fok") else None
    return OrderRequest(
        side=side,
        order_type=OrderType.LIMIT,
        quantity=place.amount,
        limit_price=place.price,
        time_in_force=tif,
        post_only=True if place.kind == "maker_only" else None,
    )


def fok_fillable(opposite: DeepSide, side: str, price: int, qty: int) -> bool:
    """Whether the market's ``opposite`` side holds ``qty`` at ``price`` or better."""
    left = qty
    for level_price, level_qty in opposite.levels():
        if (level_price > price) if side == "buy" else (level_price < price):
            return False
        left -= level_qty
        if left <= 0:
            return True
    return False
